"""magcore-krimpen: peers as equals in self-steering teams, self-reflection, team evaluation."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from magcore_krimpen import PLUGIN, definition, forms
from magcore_krimpen.plugin import plugin

import magcore
from magcore import (
    ConfirmRecord,
    DraftRecord,
    FixedClock,
    MarkHeld,
    Participant,
    ParticipantRole,
    PublishPreparation,
    SavePreparation,
    Schedule,
    State,
    TransitionError,
)
from magcore.forms import FormDefinition, validate
from magcore.model.records import Agreement
from magcore.testing import InstalledPluginContract, approve_cycle, generate_organisation

YEAR = (date(2025, 1, 1), date(2026, 1, 1))


def _host() -> magcore.PluginHost:
    return magcore.get_plugin_manager(load_entry_points=False, extra=[(PLUGIN, plugin)])


def _forms() -> dict[str, FormDefinition]:
    loaded = (FormDefinition.from_json(f, source=PLUGIN) for f in forms())
    return {form.id: form for form in loaded}


def _moment(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _move(clock: FixedClock, moment: datetime) -> None:
    clock.set(max(moment, clock.now()))


def test_plugin_contributes_cycle_themes_and_forms() -> None:
    """One cycle with a peer kind and a team kind; every form the kinds name exists."""
    hooks = _host().hooks
    cycles = hooks.cycles()
    assert not cycles.problems
    assert [c.key for c in cycles] == ["krimpen-gesprek-3@2"]
    named = {f for k in definition().kinds for f in (k.preparation_form, k.record_form) if f}
    assert named == set(_forms())
    assert len(hooks.themes()) == len(definition().themes)


def test_no_kind_needs_a_manager() -> None:
    """Peer conversations apply to self-steering teams; the team evaluation has no manager."""
    peer = definition().kind("peer-conversation")
    team = definition().kind("team-evaluation")
    assert peer.pattern is magcore.Pattern.PEER
    assert peer.applies_to is magcore.Applicability.SELF_STEERING
    assert (
        set(peer.initiators)
        == set(peer.preparers)
        == {ParticipantRole.EMPLOYEE, ParticipantRole.PEER}
    )
    assert team.pattern is magcore.Pattern.TEAM
    for kind in definition().kinds:
        assert ParticipantRole.MANAGER not in kind.roles


def test_only_people_in_self_steering_teams_are_planned_for_peer_conversations() -> None:
    """In a mixed organisation, members of managed teams get no peer conversation."""
    org = generate_organisation(people=60, teams=6, seed=2, self_steering_share=0.5)
    due = magcore.plan(org, definition(), *YEAR, kinds=["peer-conversation"])
    assert due
    for item in due:
        assert item.team is not None
        assert org.teams[item.team].self_steering
        assert item.manager is None


def test_the_self_reflection_is_free_and_has_no_scale() -> None:
    """Every question is open text: nothing to tick on a scale, nothing required."""
    reflection = _forms()["krimpen-self-reflection"]
    assert validate(reflection, {}) == []
    assert all(field.widget.value == "textarea" for field in reflection.fields)


def _peer_conversation(
    svc: magcore.Service, clock: FixedClock, org: magcore.Organisation, person: str, on: date
) -> None:
    cycle = definition()
    team = org.team_of(person, on)
    assert team is not None
    peer = next(p for p in org.members(team, on) if p != person)
    _move(clock, _moment(on, 8))
    people = svc.participants_for(org.id, cycle, "peer-conversation", person, on=on, peer=peer)
    conv = svc.request(cycle=cycle, kind="peer-conversation", participants=people, actor=person)
    svc.execute(conv.id, Schedule(actor=peer, on=_moment(on, 10)))
    reflection = {"proud_of": "Het nieuwe spreekuur.", "want_to_learn": "Beter plannen."}
    assert validate(_forms()["krimpen-self-reflection"], reflection) == []
    for who in (person, peer):
        svc.execute(conv.id, SavePreparation(actor=who, answers=reflection))
        svc.execute(conv.id, PublishPreparation(actor=who))
    assert svc._load(conv.id).state is State.PREPARED
    svc.execute(conv.id, MarkHeld(actor=peer, on=on))
    record = {"talked_about": ["development"], "take_away": "Ik ga een planningscursus doen."}
    assert validate(_forms()["krimpen-peer-record"], record) == []
    drafted = svc.execute(
        conv.id,
        DraftRecord(
            actor=person,
            answers=record,
            agreements=[Agreement(id="a1", text="Cursus plannen aanvragen", owner="employee")],
        ),
    )
    assert drafted.revision is not None
    for who in (person, peer):
        state = svc.execute(conv.id, ConfirmRecord(actor=who, revision=drafted.revision))
    assert state.state is State.AGREED


def _team_evaluation(
    svc: magcore.Service,
    clock: FixedClock,
    org: magcore.Organisation,
    team: str,
    on: date,
    *,
    earlier: str | None = None,
) -> str:
    """Hold one team evaluation; the open agreement of the *earlier* one must come along, and
    the team marks it done there. Returns the conversation id."""
    cycle = definition()
    members = org.members(team, on)
    _move(clock, _moment(on, 8))
    conv = svc.request(
        cycle=cycle,
        kind="team-evaluation",
        participants=[Participant(m, ParticipantRole.TEAM_MEMBER) for m in members],
        actor=members[0],
        team=team,
    )
    carried = [(a.id, a.text, a.owner.value) for a in svc._load(conv.id).carried_forward]
    if earlier is None:
        assert carried == []
    else:
        text = "Elke vrijdag een korte overdracht"
        assert carried == [(f"{earlier}#t1", text, "team")]
        svc.execute(
            earlier, magcore.UpdateAgreement(actor=members[0], agreement_id="t1", status="done")
        )
    svc.execute(conv.id, MarkHeld(actor=members[-1], on=on))
    record = {"going_well": "We helpen elkaar.", "to_improve": "Overdracht bij ziekte."}
    assert validate(_forms()["krimpen-team-evaluation"], record) == []
    agreement = Agreement(id="t1", text="Elke vrijdag een korte overdracht", owner="team")
    drafted = svc.execute(
        conv.id, DraftRecord(actor=members[1], answers=record, agreements=[agreement])
    )
    assert drafted.revision is not None
    for who in members:
        state = svc.execute(conv.id, ConfirmRecord(actor=who, revision=drafted.revision))
    assert state.state is State.AGREED
    assert [a.owner.value for a in state.agreements] == ["team"]
    return conv.id


def test_a_team_agreement_cannot_be_given_to_a_manager() -> None:
    """A team evaluation has no manager, so no agreement can be a manager's."""
    org = generate_organisation(people=20, teams=2, seed=1, self_steering_share=1.0)
    svc = magcore.open_service("memory://", host=_host())
    svc.import_organisation(org, actor="hr")
    approve_all(svc)
    members = org.members("t0000", YEAR[0])
    conv = svc.request(
        cycle=definition(),
        kind="team-evaluation",
        participants=[Participant(m, ParticipantRole.TEAM_MEMBER) for m in members],
        actor=members[0],
        team="t0000",
    )
    svc.execute(conv.id, MarkHeld(actor=members[0], on=YEAR[0]))
    wrong = Agreement(id="x", text="De leidinggevende regelt het", owner="manager")
    with pytest.raises(TransitionError, match="manager"):
        svc.execute(conv.id, DraftRecord(actor=members[0], agreements=[wrong]))


def test_a_year_of_gesprek_3_through_the_public_api(tmp_path: Path) -> None:
    """Every planned peer conversation and team evaluation in a year is held and agreed."""
    clock = FixedClock(_moment(date(2024, 12, 1), 8))
    org = generate_organisation(people=24, teams=3, seed=7, self_steering_share=1.0)
    svc = magcore.open_service(
        f"sqlite:///{tmp_path / 'krimpen.db'}", clock=clock, host=_host(), organisation=org.id
    )
    svc.import_organisation(org, actor="hr")
    approve_all(svc)
    due = svc.plan(org.id, definition().id, *YEAR)
    kinds = {item.kind for item in due}
    assert kinds == {"peer-conversation", "team-evaluation"}
    assert not any(item.prompt_only for item in due)
    last: dict[str, str] = {}
    for item in due:
        if item.kind == "team-evaluation":
            assert item.team is not None
            earlier = last.get(item.team)
            last[item.team] = _team_evaluation(
                svc, clock, org, item.team, item.due, earlier=earlier
            )
        else:
            assert item.person is not None
            _peer_conversation(svc, clock, org, item.person, item.due)
    report = svc.coverage(org.id, definition().id, *YEAR)
    assert report.due > 0
    assert report.rate == 1.0
    # Every team held two evaluations; the agreement of the second is carried into the next.
    assert len(last) == 3
    svc.close()
    reopened = magcore.open_service(
        f"sqlite:///{tmp_path / 'krimpen.db'}", clock=clock, host=_host(), organisation=org.id
    )
    team, latest = next(iter(last.items()))
    members = org.members(team, YEAR[1])
    nxt = reopened.request(
        cycle=definition(),
        kind="team-evaluation",
        participants=[Participant(m, ParticipantRole.TEAM_MEMBER) for m in members],
        actor=members[0],
        team=team,
    )
    assert [a.carried_from for a in reopened._load(nxt.id).carried_forward] == [f"{latest}#t1"]
    reopened.close()


def test_team_evaluations_are_planned_for_self_steering_teams_only() -> None:
    """A team with a manager has its manager's conversations, not Krimpen's team evaluation."""
    org = generate_organisation(people=60, teams=6, seed=2, self_steering_share=0.5)
    due = magcore.plan(org, definition(), *YEAR, kinds=["team-evaluation"])
    planned = {item.team for item in due}
    steering = {t.id for t in org.teams.values() if t.self_steering}
    assert steering
    assert planned == steering
    assert len(steering) < len(org.teams)


def test_a_peer_from_another_team_is_refused_when_the_conversation_is_requested() -> None:
    """The peer must be a member of the employee's own team on the day."""
    org = generate_organisation(people=20, teams=2, seed=1, self_steering_share=1.0)
    # The service names its organisation: only then are the parties checked against it.
    svc = magcore.open_service("memory://", host=_host(), organisation=org.id)
    svc.import_organisation(org, actor="hr")
    approve_all(svc)
    day = svc.clock.now().date()
    person = org.members("t0000", day)[0]
    stranger = org.members("t0001", day)[0]
    with pytest.raises(TransitionError, match="member of the employee's team"):
        svc.request(
            cycle=definition(),
            kind="peer-conversation",
            participants=[
                Participant(person, ParticipantRole.EMPLOYEE),
                Participant(stranger, ParticipantRole.PEER),
            ],
            actor=person,
        )
    mate = org.members("t0000", day)[1]
    conv = svc.request(
        cycle=definition(),
        kind="peer-conversation",
        participants=[
            Participant(person, ParticipantRole.EMPLOYEE),
            Participant(mate, ParticipantRole.PEER),
        ],
        actor=person,
    )
    assert conv.state is State.REQUESTED


class TestKrimpenConformance(InstalledPluginContract):
    """The cycle runs every path magcore's conformance suite checks."""

    distribution = PLUGIN

    @pytest.fixture
    def cycle_definition(self) -> magcore.CycleDefinition:
        return definition()


def approve_all(svc: magcore.Service) -> None:
    """The works council and the executive approved the installed cycles' regulations."""
    for cycle in svc.host.hooks.cycles():
        approve_cycle(svc, cycle)
