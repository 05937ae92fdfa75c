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
    # both peer conversations of every person count, not one
    assert report.conversations_held == report.conversations_due == 2 * report.due
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


def _evaluation(
    svc: magcore.Service, members: tuple[str, ...], team: str, on: date
) -> magcore.ConversationView:
    return svc.request(
        cycle=definition(),
        kind="team-evaluation",
        participants=[Participant(m, ParticipantRole.TEAM_MEMBER) for m in members],
        actor=members[0],
        team=team,
    )


def _agree_evaluation(
    svc: magcore.Service, conv_id: str, members: tuple[str, ...], on: date, *agreements: Agreement
) -> None:
    svc.execute(conv_id, MarkHeld(actor=members[0], on=on))
    record = {"going_well": "We helpen elkaar.", "to_improve": "Overdracht bij ziekte."}
    drafted = svc.execute(
        conv_id, DraftRecord(actor=members[0], answers=record, agreements=list(agreements))
    )
    assert drafted.revision is not None
    for who in members:
        svc.execute(conv_id, ConfirmRecord(actor=who, revision=drafted.revision))


def test_a_new_team_member_closes_a_team_agreement_from_before_they_joined(
    tmp_path: Path,
) -> None:
    """Someone who joined after the spring evaluation sees the team's open agreement in the
    autumn one and marks it done there; the agreement is done where it was made, and does not
    come back. A person outside the team cannot close it, nor close it from elsewhere."""
    clock = FixedClock(_moment(date(2025, 3, 1), 8))
    org = generate_organisation(people=20, teams=2, seed=1, self_steering_share=1.0)
    newcomer = org.members("t0001", date(2025, 3, 1))[0]
    org = org.move_person(newcomer, "t0000", date(2025, 6, 1))
    url = f"sqlite:///{tmp_path / 'krimpen.db'}"
    svc = magcore.open_service(url, clock=clock, host=_host(), organisation=org.id)
    svc.import_organisation(org, actor="hr")
    approve_all(svc)
    spring = org.members("t0000", date(2025, 3, 1))
    assert newcomer not in spring
    first = _evaluation(svc, spring, "t0000", date(2025, 3, 1))
    handover = Agreement(id="t1", text="Elke vrijdag een korte overdracht", owner="team")
    _agree_evaluation(svc, first.id, spring, date(2025, 3, 1), handover)

    _move(clock, _moment(date(2025, 9, 1), 8))
    autumn = org.members("t0000", date(2025, 9, 1))
    assert newcomer in autumn
    second = _evaluation(svc, autumn, "t0000", date(2025, 9, 1))
    carried = f"{first.id}#t1"
    seen = svc.view(second.id, actor=newcomer)
    assert [(a.id, a.text) for a in seen.carried_forward] == [(carried, handover.text)]
    with pytest.raises(TransitionError, match="does not take part"):
        svc.execute(
            first.id, magcore.UpdateAgreement(actor=newcomer, agreement_id="t1", status="done")
        )
    outsider = org.members("t0001", date(2025, 9, 1))[0]
    with pytest.raises(TransitionError, match="does not take part"):
        svc.execute(
            second.id,
            magcore.UpdateAgreement(actor=outsider, agreement_id=carried, status="done"),
        )
    assert svc.view(second.id, actor=outsider).carried_forward == ()
    svc.execute(
        second.id,
        magcore.UpdateAgreement(
            actor=newcomer, agreement_id=carried, status="done", note="Loopt sinds juni."
        ),
    )
    svc.close()
    reopened = magcore.open_service(url, clock=clock, host=_host(), organisation=org.id)
    done = {a.id: a.status.value for a in reopened.view(first.id, actor=spring[0]).agreements}
    assert done == {"t1": "done"}
    _agree_evaluation(reopened, second.id, autumn, date(2025, 9, 1))
    _move(clock, _moment(date(2026, 3, 1), 8))
    third = _evaluation(reopened, org.members("t0000", date(2026, 3, 1)), "t0000", date(2026, 3, 1))
    assert reopened._load(third.id).carried_forward == ()
    reopened.close()


def test_the_batch_path_carries_a_teams_open_agreements_like_a_single_request() -> None:
    """``request_many`` (magcore plan --request) brings the team's open agreements into the next
    team evaluation, as ``request`` does; a peer conversation in the same batch gets none."""
    org = generate_organisation(people=20, teams=2, seed=1, self_steering_share=1.0)
    svc = magcore.open_service("memory://", host=_host(), organisation=org.id)
    svc.import_organisation(org, actor="hr")
    approve_all(svc)
    day = svc.clock.now().date()
    members = org.members("t0000", day)
    first = _evaluation(svc, members, "t0000", day)
    _agree_evaluation(
        svc, first.id, members, day, Agreement(id="t1", text="Werk eerlijk verdelen", owner="team")
    )
    single = _evaluation(svc, members, "t0000", day)
    peer = [
        Participant(members[0], ParticipantRole.EMPLOYEE),
        Participant(members[1], ParticipantRole.PEER),
    ]
    started = svc.request_many(
        [
            {
                "cycle": definition(),
                "kind": "team-evaluation",
                "participants": [Participant(m, ParticipantRole.TEAM_MEMBER) for m in members],
                "actor": members[0],
                "team": "t0000",
            },
            {
                "cycle": definition(),
                "kind": "peer-conversation",
                "participants": peer,
                "actor": members[0],
            },
        ]
    )
    batched = svc._load(started[0])
    expected = [(a.id, a.text, a.owner) for a in svc._load(single.id).carried_forward]
    assert [(a.id, a.text, a.owner) for a in batched.carried_forward] == expected
    assert expected == [(f"{first.id}#t1", "Werk eerlijk verdelen", magcore.AgreementOwner.TEAM)]
    assert svc._load(started[1]).carried_forward == ()


def test_coverage_counts_both_peer_conversations_of_the_year() -> None:
    """Twice a year due: a person with one peer conversation held is not yet covered (one
    missing); with both held they are."""
    org = generate_organisation(people=12, teams=1, seed=3, self_steering_share=1.0)
    due = magcore.plan(org, definition(), *YEAR, kinds=["peer-conversation"])
    people = sorted({d.person for d in due if d.person is not None})
    dates = sorted({d.due for d in due})
    assert len(dates) == 2
    once = [(p, dates[0]) for p in people]
    report = magcore.coverage(org, definition(), once, *YEAR, kinds=["peer-conversation"])
    assert report.due == len(people)
    assert report.covered == 0
    assert {u.missing for u in report.uncovered} == {1}
    assert {u.due for u in report.uncovered} == {dates[1]}
    assert (report.conversations_due, report.conversations_held) == (2 * len(people), len(people))
    twice = once + [(p, dates[1]) for p in people]
    report = magcore.coverage(org, definition(), twice, *YEAR, kinds=["peer-conversation"])
    assert report.rate == 1.0
    assert report.conversations_held == report.conversations_due


def test_goals_agreed_in_a_team_evaluation_and_a_peer_conversation() -> None:
    """A member sets their own goal from the team's agreement of the evaluation they took part
    in, and a teammate sets one for a colleague agreed in it; a peer sets a goal for the
    employee agreed in their peer conversation. Someone of another team is refused (at
    ``/agreed_in``, nothing stored), and links only conversations they took part in."""
    org = generate_organisation(people=20, teams=2, seed=1, self_steering_share=1.0)
    svc = magcore.open_service("memory://", host=_host(), organisation=org.id)
    svc.import_organisation(org, actor="hr")
    approve_all(svc)
    day = svc.clock.now().date()
    members = org.members("t0000", day)
    team = _evaluation(svc, members, "t0000", day).id
    agreement = Agreement(id="t1", text="Werk eerlijk verdelen", owner="team")
    _agree_evaluation(svc, team, members, day, agreement)
    own = svc.execute_goal(
        magcore.SetGoal(
            actor=members[0],
            goal_id="own",
            owner=members[0],
            title="Mijn deel plannen",
            agreement=f"{team}#t1",
        )
    ).goal
    assert own is not None
    assert (own.agreed_in, own.agreement) == (team, f"{team}#t1")
    colleagues = svc.execute_goal(
        magcore.SetGoal(
            actor=members[1],
            goal_id="colleague",
            owner=members[2],
            title="Overdracht schrijven",
            agreed_in=team,
            collaborators=(members[1],),
        )
    ).goal
    assert colleagues is not None
    peer = svc.request(
        cycle=definition(),
        kind="peer-conversation",
        participants=[
            Participant(members[0], ParticipantRole.EMPLOYEE),
            Participant(members[1], ParticipantRole.PEER),
        ],
        actor=members[0],
    ).id
    by_peer = svc.execute_goal(
        magcore.SetGoal(
            actor=members[1],
            goal_id="peer",
            owner=members[0],
            title="Vaker vragen",
            agreed_in=peer,
            collaborators=(members[1],),
        )
    ).goal
    assert by_peer is not None
    linked = svc.execute_goal(
        magcore.LinkConversation(actor=members[0], goal_id="own", conversation=peer)
    ).goal
    assert linked is not None
    assert linked.conversations == (team, peer)

    outsider = org.members("t0001", day)[0]
    with pytest.raises(magcore.RecordInvalidError) as refused:
        svc.execute_goal(
            magcore.SetGoal(
                actor=outsider, goal_id="out", owner=outsider, title="x", agreed_in=team
            )
        )
    assert [p.pointer for p in refused.value.problems] == ["/agreed_in"]
    assert svc.store.version("goal:out") == 0
    svc.execute_goal(magcore.SetGoal(actor=outsider, goal_id="out", owner=outsider, title="x"))
    with pytest.raises(magcore.RecordInvalidError) as refused:
        svc.execute_goal(magcore.LinkConversation(actor=outsider, goal_id="out", conversation=team))
    assert [p.pointer for p in refused.value.problems] == ["/conversation"]
    assert svc.store.version("goal:out") == 1
