"""magcore-rijswijk: the growth matrix whole: values, behaviours and competences as topics, goals
linked to them on magcore's own path, and the team's conversation about the matrix."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from importlib import resources
from pathlib import Path

import pytest
from magcore_rijswijk import PLUGIN, competences, definition, forms
from magcore_rijswijk.plugin import plugin

import magcore
from magcore import (
    ConfirmRecord,
    DraftRecord,
    FixedClock,
    MarkHeld,
    Participant,
    ParticipantRole,
    PublishPreparation,
    RecordInvalidError,
    SavePreparation,
    ScoringNotAllowedError,
    State,
    TopicKind,
)
from magcore.domain.participants import participants
from magcore.forms import FormDefinition, validate
from magcore.model.records import Agreement
from magcore.testing import InstalledPluginContract, approve_cycle, generate_organisation

YEAR = (date(2025, 1, 1), date(2026, 1, 1))
VALUES = {
    "rijswijk-dedication",
    "rijswijk-involvement",
    "rijswijk-reliability",
    "rijswijk-expertise",
}
RECORD = {
    "values_discussed": ["rijswijk-reliability", "rijswijk-expertise"],
    "in_practice": "Je belt inwoners terug als je dat belooft.",
    "personal_goals": [
        {
            "value": "rijswijk-reliability",
            "about": "rijswijk-reliability-do-what-you-say",
            "goal": "Binnen twee dagen terugbellen",
        },
        {
            "value": "rijswijk-expertise",
            "about": "rijswijk-learning",
            "goal": "Cursus Omgevingswet",
            "by_when": "2025-09-01",
        },
        {"value": "rijswijk-expertise", "goal": "Kennis delen in het teamoverleg"},
    ],
}


def _host() -> magcore.PluginHost:
    return magcore.get_plugin_manager(load_entry_points=False, extra=[(PLUGIN, plugin)])


def _forms() -> dict[str, FormDefinition]:
    loaded = (FormDefinition.from_json(f, source=PLUGIN) for f in forms())
    return {form.id: form for form in loaded}


def _moment(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def test_the_four_core_values_are_the_themes_with_behaviours_and_competences() -> None:
    """Each value is a card with its three behaviours and two competences as topics."""
    themes = _host().hooks.themes()
    assert {t.id for t in themes} == VALUES
    for theme in themes:
        assert len(theme.prompts) == 3
        kinds = [t.kind for t in theme.topics]
        assert kinds.count(TopicKind.BEHAVIOUR) == 3
        assert kinds.count(TopicKind.COMPETENCE) == 2
    one_to_one = definition().kind("one-to-one")
    assert set(one_to_one.themes) == VALUES
    assert one_to_one.pattern is magcore.Pattern.EMPLOYEE_MANAGER


def test_the_competence_list_is_data_and_has_no_levels() -> None:
    """Eight competences, two per value, each a topic to talk about: no scale anywhere."""
    listed = competences()
    assert set(listed) == VALUES
    assert sum(len(c) for c in listed.values()) == 8
    for value, topics in listed.items():
        for topic in topics:
            assert definition().link(topic.id) == (definition().theme(value), topic)
    document = json.loads(
        resources.files("magcore_rijswijk").joinpath("cycle.json").read_text(encoding="utf-8")
    )
    for theme in document["themes"]:
        for topic in theme["topics"]:
            assert set(topic) == {"id", "kind", "title"}  # nothing that places a person


def test_a_level_on_a_competence_is_still_refused() -> None:
    """Adding a mastery level to a competence, or a level field to the goal form, is refused."""
    document = json.loads(
        resources.files("magcore_rijswijk").joinpath("cycle.json").read_text(encoding="utf-8")
    )
    document["themes"][0]["topics"][3]["id"] = "rijswijk-competentieniveau"
    with pytest.raises(ScoringNotAllowedError, match="topics/3/id"):
        magcore.CycleDefinition.from_json(document)
    record = next(f for f in forms() if f["id"] == "rijswijk-growth-record")
    items = record["schema"]["properties"]["personal_goals"]["items"]
    items["properties"]["competence_level"] = {"type": "string", "enum": ["a", "b"]}
    with pytest.raises(ScoringNotAllowedError, match="competence_level"):
        FormDefinition.from_json(record)


def test_every_goal_names_its_value_and_may_name_a_behaviour_or_competence() -> None:
    """A goal without a core value, or with an unknown link, does not fit the form."""
    record = _forms()["rijswijk-growth-record"]
    assert validate(record, RECORD) == []
    missing = {"values_discussed": ["rijswijk-dedication"], "personal_goals": [{"goal": "x"}]}
    assert validate(record, missing) != []
    unknown = {"value": "rijswijk-dedication", "about": "ambition", "goal": "x"}
    assert (
        validate(record, {"values_discussed": ["rijswijk-dedication"], "personal_goals": [unknown]})
        != []
    )


def _one_to_one(svc: magcore.Service, org: magcore.Organisation, day: date) -> tuple[str, str]:
    person = next(p for p in sorted(org.people) if org.manager_of(p, day))
    people = svc.participants_for(org.id, definition(), "one-to-one", person, on=day)
    conv = svc.request(cycle=definition(), kind="one-to-one", participants=people, actor=person)
    return conv.id, person


def test_a_goal_must_belong_to_a_value_that_was_discussed_and_its_link_to_that_value() -> None:
    """The check hook points at the goal whose value was not talked about, and at a behaviour
    of another value."""
    host = _host()
    svc = magcore.open_service("memory://", host=host)
    org = generate_organisation(people=12, teams=1, seed=2)
    svc.import_organisation(org, actor="hr")
    approve_all(svc)
    conv_id, _person = _one_to_one(svc, org, YEAR[0])
    conv = svc._load(conv_id)  # check hooks see the raw state, inside the library
    form = _forms()["rijswijk-growth-record"]
    assert host.hooks.check_record(RECORD, form, conv) == []
    narrowed = {**RECORD, "values_discussed": ["rijswijk-reliability"]}
    problems = host.hooks.check_record(narrowed, form, conv)
    assert [p.pointer for p in problems] == ["/personal_goals/1/value", "/personal_goals/2/value"]
    crossed = {
        **RECORD,
        "personal_goals": [
            {"value": "rijswijk-reliability", "about": "rijswijk-learning", "goal": "x"}
        ],
    }
    problems = host.hooks.check_record(crossed, form, conv)
    assert [(p.pointer, p.keyword) for p in problems] == [
        ("/personal_goals/0/about", "rijswijk.goal_topic_of_other_value")
    ]


def test_the_record_goals_become_agreements_and_linked_goals_without_integrator_code() -> None:
    """Drafting the record adds the employee's agreements; agreeing it sets the goals, each
    linked to its behaviour, competence or value, with the manager working on them too."""
    svc = magcore.open_service("memory://", host=_host())
    org = generate_organisation(people=12, teams=1, seed=2)
    svc.import_organisation(org, actor="hr")
    approve_all(svc)
    conv_id, person = _one_to_one(svc, org, YEAR[0])
    manager = org.manager_of(person, YEAR[0])
    assert manager is not None
    svc.execute(conv_id, MarkHeld(actor=manager, on=YEAR[0]))
    drafted = svc.execute(conv_id, DraftRecord(actor=person, answers=RECORD))
    assert [(a.id, a.text, a.owner.value, a.theme) for a in drafted.agreements] == [
        ("goal-1", "Binnen twee dagen terugbellen", "employee", "rijswijk-reliability"),
        ("goal-2", "Cursus Omgevingswet", "employee", "rijswijk-expertise"),
        ("goal-3", "Kennis delen in het teamoverleg", "employee", "rijswijk-expertise"),
    ]
    assert drafted.agreements[1].due == date(2025, 9, 1)
    assert svc.record_goal_ids(conv_id) == ()  # not agreed yet: no goals
    assert drafted.revision is not None
    for who in (person, manager):
        svc.execute(conv_id, ConfirmRecord(actor=who, revision=drafted.revision))
    ids = svc.record_goal_ids(conv_id)
    assert len(ids) == 3
    goals = [svc.view_goal(i, actor=person).goal for i in ids]
    assert all(g is not None for g in goals)
    assert [(g.title, g.topic, g.theme) for g in goals if g is not None] == [
        (
            "Binnen twee dagen terugbellen",
            "rijswijk-reliability-do-what-you-say",
            "rijswijk-reliability",
        ),
        ("Cursus Omgevingswet", "rijswijk-learning", "rijswijk-expertise"),
        ("Kennis delen in het teamoverleg", "rijswijk-expertise", "rijswijk-expertise"),
    ]
    first = goals[0]
    assert first is not None
    assert first.owner == person
    assert first.collaborators == (manager,)
    assert first.agreed_in == conv_id
    assert first.agreement == f"{conv_id}#goal-1"
    assert first.cycle == definition().key
    exported = first.to_json()
    assert exported["topic"] == "rijswijk-reliability-do-what-you-say"
    assert "level" not in json.dumps(exported)


def test_an_unknown_link_is_refused_by_name_and_nothing_is_stored() -> None:
    """A goal linked to a topic the cycle does not declare is a named problem."""
    svc = magcore.open_service("memory://", host=_host())
    org = generate_organisation(people=12, teams=1, seed=2)
    svc.import_organisation(org, actor="hr")
    approve_all(svc)
    conv_id, person = _one_to_one(svc, org, YEAR[0])
    with pytest.raises(RecordInvalidError) as refused:
        svc.execute_goal(
            magcore.SetGoal(
                actor=person,
                goal_id="g-unknown",
                owner=person,
                title="Iets",
                topic="rijswijk-ambition",
                cycle=definition().key,
            )
        )
    assert [p.pointer for p in refused.value.problems] == ["/topic"]
    linked = svc.execute_goal(
        magcore.SetGoal(
            actor=person,
            goal_id="g-own",
            owner=person,
            title="Vaker uitleggen in gewone taal",
            topic="rijswijk-expertise-plain-language",
            agreed_in=conv_id,
        )
    )
    assert linked.goal is not None
    assert (linked.goal.topic, linked.goal.theme, linked.goal.cycle) == (
        "rijswijk-expertise-plain-language",
        "rijswijk-expertise",
        definition().key,
    )


def test_a_team_conversation_about_the_matrix_with_the_team_manager() -> None:
    """Every team talks about the values with its own manager (not another team's); the team's
    agreements are the team's."""
    svc = magcore.open_service("memory://", host=_host(), organisation="org")
    org = generate_organisation(people=12, teams=1, seed=2)
    svc = magcore.open_service("memory://", host=_host(), organisation=org.id)
    svc.import_organisation(org, actor="hr")
    approve_all(svc)
    kind = definition().kind("team-matrix")
    assert kind.is_team
    due = magcore.plan(org, definition(), *YEAR, kinds=["team-matrix"])
    teams = {t for t in org.teams if len(org.members(t, YEAR[0])) >= 2}
    assert {item.team for item in due} == teams
    assert len(due) == 2 * len(teams)
    team = next(t for t in sorted(teams) if org.manager_of_team(t, YEAR[0]))
    manager = org.manager_of_team(team, YEAR[0])
    people = participants(org, kind, on=YEAR[0], team=team)
    assert Participant(manager, ParticipantRole.MANAGER) in people
    stranger = next(
        p
        for p in sorted(org.people)
        if p != manager
        and p not in org.members(team, YEAR[0])
        and org.person(p).employed_on(YEAR[0])
    )
    wrong = [p for p in people if p.role is not ParticipantRole.MANAGER]
    with pytest.raises(magcore.TransitionError, match="team's manager"):
        svc.request(
            cycle=definition(),
            kind="team-matrix",
            participants=[*wrong, Participant(stranger, ParticipantRole.MANAGER)],
            actor=stranger,
            team=team,
        )
    conv = svc.request(
        cycle=definition(), kind="team-matrix", participants=people, actor=manager, team=team
    )
    svc.execute(conv.id, MarkHeld(actor=manager, on=YEAR[0]))
    boss = Agreement(id="m1", text="Ik regel een training", owner="manager")
    ours = Agreement(id="t1", text="We delen voorbeelden", owner="team")
    drafted = svc.execute(
        conv.id,
        DraftRecord(
            actor=manager,
            answers={"values_discussed": ["rijswijk-dedication"]},
            agreements=[boss, ours],
        ),
    )
    assert [a.owner.value for a in drafted.agreements] == ["manager", "team"]
    assert svc.record_goal_ids(conv.id) == ()  # a team has no personal goals
    for person in {p.person for p in people}:
        svc.execute(conv.id, ConfirmRecord(actor=person, revision=drafted.revision))
    member = next(p.person for p in people if p.role is ParticipantRole.TEAM_MEMBER)
    nxt = svc.request(
        cycle=definition(), kind="team-matrix", participants=people, actor=manager, team=team
    )
    assert [a.id for a in nxt.carried_forward] == [f"{conv.id}#m1", f"{conv.id}#t1"]
    with pytest.raises(magcore.TransitionError, match="belongs to the manager"):
        svc.execute(
            nxt.id,
            magcore.UpdateAgreement(actor=member, agreement_id=f"{conv.id}#m1", status="done"),
        )
    svc.execute(
        nxt.id, magcore.UpdateAgreement(actor=member, agreement_id=f"{conv.id}#t1", status="done")
    )
    svc.execute(conv.id, magcore.UpdateAgreement(actor=manager, agreement_id="m1", status="done"))
    assert {a.status.value for a in svc.view(conv.id, actor=member).agreements} == {"done"}


def _team_matrix(
    svc: magcore.Service, clock: FixedClock, org: magcore.Organisation, team: str, day: date
) -> tuple[str, tuple[Agreement, ...]]:
    clock.set(max(_moment(day, 9), clock.now()))
    people = participants(org, definition().kind("team-matrix"), on=day, team=team)
    members = [p.person for p in people if p.role is ParticipantRole.TEAM_MEMBER]
    manager = next((p.person for p in people if p.role is ParticipantRole.MANAGER), members[0])
    conv = svc.request(
        cycle=definition(), kind="team-matrix", participants=people, actor=manager, team=team
    )
    carried = conv.carried_forward
    for agreement in carried:
        svc.execute(
            conv.id,
            magcore.UpdateAgreement(actor=members[-1], agreement_id=agreement.id, status="done"),
        )
    svc.execute(conv.id, MarkHeld(actor=manager, on=day))
    record = {
        "values_discussed": ["rijswijk-involvement"],
        "good_examples": "Een collega belde een inwoner terug op zaterdag.",
        "what_holds_us_back": "Te veel mail.",
    }
    agreement = Agreement(id="t1", text="Elke maand één goed voorbeeld delen", owner="team")
    drafted = svc.execute(
        conv.id, DraftRecord(actor=manager, answers=record, agreements=[agreement])
    )
    assert drafted.revision is not None
    for person in {p.person for p in people}:
        final = svc.execute(conv.id, ConfirmRecord(actor=person, revision=drafted.revision))
    assert final.state is State.AGREED
    return conv.id, carried


def test_a_year_of_the_growth_matrix_on_sqlite(tmp_path: Path) -> None:
    """A year through the public service API on SQLite: every one-to-one's goals become the
    employee's agreements (carried into the next one-to-one) and linked goals; every team holds
    its two matrix conversations, the second closing the first's team agreement."""
    clock = FixedClock(datetime(2024, 12, 1, tzinfo=UTC))
    url = f"sqlite:///{tmp_path / 'rijswijk.db'}"
    svc = magcore.open_service(url, clock=clock, host=_host())
    org = generate_organisation(people=20, teams=2, seed=5)
    svc.import_organisation(org, actor="hr")
    approve_all(svc)
    due = svc.plan(org.id, definition().id, *YEAR)
    assert {item.kind for item in due} == {"one-to-one", "team-matrix"}
    carried_seen = 0
    goal_ids: list[str] = []
    team_conversations: dict[str, list[str]] = {}
    for item in due:
        if item.kind == "team-matrix":
            assert item.team is not None
            conv_id, carried = _team_matrix(svc, clock, org, item.team, item.due)
            earlier = team_conversations.setdefault(item.team, [])
            assert [a.carried_from for a in carried] == [f"{c}#t1" for c in earlier[-1:]]
            earlier.append(conv_id)
            continue
        assert item.person is not None
        clock.set(max(_moment(item.due, 9), clock.now()))
        people = svc.participants_for(org.id, definition(), "one-to-one", item.person, on=item.due)
        manager = next(p.person for p in people if p.role is ParticipantRole.MANAGER)
        conv = svc.request(
            cycle=definition(),
            kind="one-to-one",
            participants=people,
            actor=item.person,
            themes=["rijswijk-reliability"],
        )
        if conv.carried_forward:
            carried_seen += 1
            assert {a.text for a in conv.carried_forward} == {
                g["goal"] for g in RECORD["personal_goals"]
            }
        prep = {"values": ["rijswijk-reliability"], "example": "Terugbellen"}
        for who in (item.person, manager):
            svc.execute(conv.id, SavePreparation(actor=who, answers=prep))
            svc.execute(conv.id, PublishPreparation(actor=who))
        svc.execute(conv.id, MarkHeld(actor=manager, on=item.due))
        drafted = svc.execute(conv.id, DraftRecord(actor=item.person, answers=RECORD))
        assert drafted.revision is not None
        for who in (item.person, manager):
            final = svc.execute(conv.id, ConfirmRecord(actor=who, revision=drafted.revision))
        assert final.state is State.AGREED
        goal_ids.extend(svc.record_goal_ids(conv.id))
    people_due = {d.person for d in due if d.person is not None}
    assert carried_seen == len(people_due)  # the second one-to-one of each person
    assert len(goal_ids) == 3 * len([d for d in due if d.person is not None])
    assert all(len(ids) == 2 for ids in team_conversations.values())
    report = svc.coverage(org.id, definition().id, *YEAR)
    assert report.rate == 1.0
    assert report.conversations_due == report.conversations_held == 2 * len(people_due)
    svc.close()
    reopened = magcore.open_service(url, clock=clock, host=_host())
    owner = next(d.person for d in due if d.person is not None)
    some = reopened.view_goal(goal_ids[0], actor=owner)
    assert some.goal is not None
    assert some.goal.owner == owner
    assert some.goal.topic == "rijswijk-reliability-do-what-you-say"
    stranger = next(p for p in sorted(org.people) if p not in (owner, *some.goal.collaborators))
    assert reopened.view_goal(goal_ids[0], actor=stranger).goal is None  # only by their choice
    reopened.close()


class TestRijswijkConformance(InstalledPluginContract):
    """The cycle runs every path magcore's conformance suite checks."""

    distribution = PLUGIN

    @pytest.fixture
    def cycle_definition(self) -> magcore.CycleDefinition:
        return definition()


def approve_all(svc: magcore.Service) -> None:
    """The works council and the executive approved the installed cycles' regulations."""
    for cycle in svc.host.hooks.cycles():
        approve_cycle(svc, cycle)
