"""magcore-centraal-gelderland: the talent profile first, the employee records, a year of it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from magcore_centraal_gelderland import PLUGIN, definition, forms
from magcore_centraal_gelderland.plugin import plugin

import magcore
from magcore import (
    ConfirmRecord,
    DraftRecord,
    FixedClock,
    MarkHeld,
    ParticipantRole,
    PublishPreparation,
    SavePreparation,
    Schedule,
    State,
    visible_preparation,
)
from magcore.access.profiles import PROFILE_OVERVIEW
from magcore.domain.sharing import GrantSharing
from magcore.errors import ScoringNotAllowedError
from magcore.forms import FormDefinition, validate
from magcore.model.records import Agreement
from magcore.testing import InstalledPluginContract, approve_cycle, generate_organisation

YEAR = (date(2025, 1, 1), date(2026, 1, 1))
PROFILE = {
    "talents": [
        {"talent": "Rust brengen", "example": "Bij lastige gesprekken aan de balie"},
        {"talent": "Snel een plan maken"},
    ],
    "energy_from": "Samen een oplossing vinden",
    "ambition": "Meer projectwerk",
}
SEEN = {"talents_i_see_in_you": "Je houdt het overzicht als het druk is."}
RECORD = {
    "went_well": "Het project over schuldhulp",
    "learned": "Eerder om hulp vragen",
    "ambitions": "Een project leiden",
}


def _host() -> magcore.PluginHost:
    return magcore.get_plugin_manager(load_entry_points=False, extra=[(PLUGIN, plugin)])


def _forms() -> dict[str, FormDefinition]:
    loaded = (FormDefinition.from_json(f, source=PLUGIN) for f in forms())
    return {form.id: form for form in loaded}


def _moment(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def test_plugin_contributes_cycle_themes_and_forms() -> None:
    """One cycle, five themes, the talent profile and the development record."""
    hooks = _host().hooks
    cycles = hooks.cycles()
    assert not cycles.problems
    assert [c.key for c in cycles] == ["cg-time4talent@2"]
    assert len(hooks.themes()) == 5
    (kind,) = definition().kinds
    assert {kind.preparation_form, kind.record_form} == set(_forms())


def test_the_talent_profile_is_the_starting_point_for_both_sides() -> None:
    """Both prepare with the talent profile: own talents, and the talents seen in the other."""
    (kind,) = definition().kinds
    assert set(kind.preparers) == {ParticipantRole.EMPLOYEE, ParticipantRole.MANAGER}
    profile = _forms()["cg-talent-profile"]
    assert validate(profile, PROFILE) == []
    assert validate(profile, SEEN) == []
    assert validate(profile, {"talents": [{"example": "zonder talent"}]}) != []


def test_the_record_asks_what_was_learned_from_looking_back() -> None:
    """'Learning from evaluating' is the one thing the record needs."""
    record = _forms()["cg-development-record"]
    assert validate(record, RECORD) == []
    assert [p.pointer for p in validate(record, {"ambitions": "x"})] == ["/learned"]
    assert record.groups[0].id == "learning_from_evaluating"


def _talent_conversation(
    svc: magcore.Service,
    clock: FixedClock,
    org_id: str,
    person: str,
    on: date,
    profile: dict[str, object] = PROFILE,
) -> tuple[magcore.ConversationView, magcore.ProfileView]:
    """One talent conversation: the employee first sees what they wrote last time (audited),
    starts from it, and both prepare blind; the employee records, both confirm."""
    clock.set(max(_moment(on, 8), clock.now()))
    people = svc.participants_for(org_id, definition(), "talent-conversation", person, on=on)
    manager = next(p.person for p in people if p.role is ParticipantRole.MANAGER)
    conv = svc.request(
        cycle=definition(), kind="talent-conversation", participants=people, actor=manager
    )
    last_time = svc.profile(conv.id, actor=person)
    svc.execute(conv.id, Schedule(actor=manager, on=_moment(on, 11)))
    svc.execute(conv.id, SavePreparation(actor=person, answers={**last_time.prefill(), **profile}))
    svc.execute(conv.id, PublishPreparation(actor=person))
    halfway = svc._load(conv.id)
    assert visible_preparation(halfway, manager, person) is None
    svc.execute(conv.id, SavePreparation(actor=manager, answers=SEEN))
    state = svc.execute(conv.id, PublishPreparation(actor=manager))
    assert state.state is State.PREPARED
    assert visible_preparation(svc._load(conv.id), manager, person) is not None
    assert person in state.preparations  # and the manager's view shows it
    svc.execute(conv.id, MarkHeld(actor=manager, on=on))
    agreement = Agreement(id="a1", text="Meedraaien in het project Wijkteams", owner="both")
    drafted = svc.execute(
        conv.id, DraftRecord(actor=person, answers=RECORD, agreements=[agreement])
    )
    assert drafted.revision is not None
    assert svc._load(conv.id).record.author == person
    for who in (person, manager):
        state = svc.execute(conv.id, ConfirmRecord(actor=who, revision=drafted.revision))
    return state, last_time


PROFILE_FIELDS = ("talents", "energy_from", "energy_costs", "ambition")


def test_a_year_of_talent_conversations_through_the_public_api(tmp_path: Path) -> None:
    """Two talent conversations per employee in a year on SQLite, each recorded by the
    employee; in the second the employee sees the talents they wrote in the first, the
    manager who was there too; half the employees show their talents in the manager's team
    overview, and only they are listed, each read audited."""
    clock = FixedClock(_moment(date(2024, 12, 1), 8))
    svc = magcore.open_service(f"sqlite:///{tmp_path / 'cg.db'}", clock=clock, host=_host())
    org = generate_organisation(people=24, teams=2, seed=11)
    svc.import_organisation(org, actor="hr")
    svc.use_organisation(org.id)
    approve_all(svc)
    due = svc.plan(org.id, definition().id, *YEAR)
    per_person: dict[str, int] = {}
    for item in due:
        assert item.person is not None
        assert not item.prompt_only
        count = per_person.get(item.person, 0)
        grown = {"since_last_time": "Ik breng vaker rust in het team."} if count else {}
        final, last_time = _talent_conversation(
            svc, clock, org.id, item.person, item.due, {**PROFILE, **grown}
        )
        assert final.state is State.AGREED
        if count == 0:
            assert not last_time.shown  # the first conversation starts empty
        else:
            assert last_time.prefill() == {k: PROFILE[k] for k in PROFILE_FIELDS if k in PROFILE}
            assert "since_last_time" not in last_time.answers  # not part of the profile
            assert "talents_i_see_in_you" not in last_time.answers  # the manager's, not hers
        per_person[item.person] = count + 1
    assert per_person
    assert set(per_person.values()) == {2}
    assert svc.coverage(org.id, definition().id, *YEAR).rate == 1.0

    # the team overview of talents: only who chose to show theirs to their manager
    today = clock.now().date()
    team = sorted(per_person)
    manager = org.manager_of(team[0], today)
    assert manager is not None
    mine = sorted(p for p in team if org.manager_of(p, today) == manager)
    consenting = mine[::2]
    for person in consenting:
        svc.share(
            GrantSharing(
                actor=person,
                person=person,
                to="next_manager",
                what="profile",
                purpose=PROFILE_OVERVIEW,
            )
        )
    overview = svc.profile_overview(actor=manager, cycle=definition().id)
    assert overview.people == tuple(consenting)
    assert all(e.prefill()["talents"] == PROFILE["talents"] for e in overview)
    reads = [
        line
        for line in svc.store.read_audit()
        if line["actor"] == manager and line["purpose"] == PROFILE_OVERVIEW
    ]
    assert len([r for r in reads if r["action"] == "read"]) == len(consenting)
    assert all(r["result"] == "allowed" for r in reads)
    svc.close()


def test_a_talent_level_is_refused() -> None:
    """The talent "measurement" is the employee's own words: a level of a talent is refused."""
    profile = forms()[[f["id"] for f in forms()].index("cg-talent-profile")]
    items = profile["schema"]["properties"]["talents"]["items"]["properties"]
    items["level"] = {"type": "integer", "minimum": 1, "maximum": 5}
    with pytest.raises(ScoringNotAllowedError):
        FormDefinition.from_json(profile)


class TestCentraalGelderlandConformance(InstalledPluginContract):
    """The cycle runs every path magcore's conformance suite checks."""

    distribution = PLUGIN

    @pytest.fixture
    def cycle_definition(self) -> magcore.CycleDefinition:
        return definition()


def test_only_the_employee_writes_the_record():
    """'My development' is written by the employee; the manager confirms but cannot write it."""
    from magcore import CycleDefinition, MarkHeld, Participant, TransitionError, decide, replay
    from magcore.domain.conversation import DraftRecord, RequestConversation

    cycle = definition()
    assert isinstance(cycle, CycleDefinition)
    kind = next(k for k in cycle.kinds if k.record_form == "cg-development-record")
    people = (Participant("emp", "employee"), Participant("mgr", "manager"))
    now = datetime(2025, 3, 3, tzinfo=UTC)
    events = list(
        decide(
            None,
            RequestConversation(
                actor="emp",
                conversation_id="c1",
                cycle=cycle,
                kind=kind.id,
                participants=people,
            ),
            now=now,
        )
    )
    conv = replay(events)
    events += decide(conv, MarkHeld(actor="mgr", on=date(2025, 3, 4)), now=now)
    conv = replay(events)
    with pytest.raises(TransitionError, match="does not write this record"):
        decide(conv, DraftRecord(actor="mgr", summary="x"), now=now)
    assert decide(conv, DraftRecord(actor="emp", summary="Wat ik leerde"), now=now)


def approve_all(svc: magcore.Service) -> None:
    """The works council and the executive approved the installed cycles' regulations."""
    for cycle in svc.host.hooks.cycles():
        approve_cycle(svc, cycle)


@pytest.mark.slow
def test_the_demo_shows_last_time_and_the_team_overview(tmp_path: Path) -> None:
    """``magcore demo --plugin centraal-gelderland`` writes what an employee wrote last time, as
    shown in their next talent conversation, and a manager's overview of only the people who
    chose to show their talents."""
    import json

    from magcore.demo import run_demo

    result = run_demo(tmp_path / "demo", plugin="centraal-gelderland", people=40, host=_host())
    last = json.loads(result.files["profile_last_time"].read_text(encoding="utf-8"))
    assert last["kind"] == "talent-conversation"
    assert last["last_time"]["answers"]["talents"]
    assert last["manager"]["sees_it"] is True
    overview = json.loads(result.files["profile_overview"].read_text(encoding="utf-8"))
    people = [entry["person"] for entry in overview["people"]]
    assert people == sorted(people)
    assert people
    assert set(overview["note"]) == {"nl", "en"}
    assert result.summary["profiles"]["people_in_one_overview"] == len(people)
