"""magcore-tilburg: the continuous dialogue, its gentle prompt, a year through the public API."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from magcore_tilburg import PLUGIN, definition, forms, make_definition
from magcore_tilburg.plugin import plugin

import magcore
from magcore import (
    ConfirmRecord,
    DraftRecord,
    FixedClock,
    MarkHeld,
    PublishPreparation,
    SavePreparation,
    Schedule,
    State,
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


def test_plugin_contributes_the_cycle_themes_and_forms_without_problems() -> None:
    """The host collects one cycle, its five themes and two forms, all accepted."""
    hooks = _host().hooks
    cycles = hooks.cycles()
    assert not cycles.problems
    assert [c.key for c in cycles] == [definition().key]
    themes = hooks.themes()
    assert {t.id for t in themes} == {t.id for t in definition().themes}
    assert len(themes) == 5
    assert set(_forms()) == {"tilburg-preparation", "tilburg-record"}


def test_the_dialogue_has_no_obligation_only_a_quiet_period() -> None:
    """The only kind has a free cadence with a quiet period, and either side may start it."""
    (kind,) = definition().kinds
    assert kind.cadence.kind is magcore.CadenceKind.FREE
    assert kind.cadence.quiet_days == 120
    roles = magcore.ParticipantRole
    assert set(kind.initiators) == {roles.EMPLOYEE, roles.MANAGER}
    assert {kind.preparation_form, kind.record_form} == set(_forms())


def test_another_quiet_period_is_a_new_version() -> None:
    """A different quiet period comes as its own version, so both can be in use side by side."""
    changed = make_definition(quiet_days=60, version=2)
    assert changed.kinds[0].cadence.quiet_days == 60
    assert changed.key == "tilburg-continuous-dialogue@2"
    assert changed.fingerprint() != definition().fingerprint()
    with pytest.raises(magcore.DefinitionError):
        make_definition(quiet_days=0)


def test_forms_are_optional_to_prepare_and_check_the_record() -> None:
    """An empty preparation is fine; a record must say what was talked about."""
    found = _forms()
    assert validate(found["tilburg-preparation"], {}) == []
    assert validate(found["tilburg-record"], {}) != []
    assert validate(found["tilburg-record"], {"talked_about": ["development"]}) == []


def test_plan_holds_only_prompts_and_coverage_never_counts_them_as_missed() -> None:
    """Everyone with a manager gets a prompt, never an obligation; nobody is 'uncovered'."""
    org = generate_organisation(people=40, teams=4, seed=3)
    due = magcore.plan(org, definition(), *YEAR)
    assert due
    assert all(item.prompt_only for item in due)
    report = magcore.coverage(org, definition(), [], *YEAR)
    assert report.due == 0
    assert report.uncovered == ()


def test_the_prompt_comes_a_quiet_period_after_the_last_conversation() -> None:
    """After a conversation on 1 March the next prompt is due 120 days later."""
    org = generate_organisation(people=20, teams=2, seed=4)
    person = next(p for p in org.people if org.manager_of(p, YEAR[0]) is not None)
    last = date(2025, 3, 1)
    due = magcore.plan(org, definition(), *YEAR, last_conversations={person: last})
    (mine,) = [d for d in due if d.person == person]
    assert mine.due == last + timedelta(days=120)
    assert mine.window_start == last


def _move(clock: FixedClock, moment: datetime) -> None:
    """Move the clock to *moment*, or leave it where it is if that is later."""
    clock.set(max(moment, clock.now()))


def _run(svc: magcore.Service, clock: FixedClock, org_id: str, person: str, on: date) -> str:
    """One good conversation, started by the employee, held and agreed on *on*."""
    cycle = definition()
    _move(clock, datetime.combine(on, time(9), tzinfo=UTC) - timedelta(days=7))
    people = svc.participants_for(org_id, cycle, "dialogue", person, on=on)
    manager = next(p.person for p in people if p.role is magcore.ParticipantRole.MANAGER)
    conv = svc.request(
        cycle=cycle,
        kind="dialogue",
        participants=people,
        actor=person,
        themes=["tilburg-job-satisfaction"],
    )
    when = datetime.combine(on, time(10), tzinfo=UTC)
    svc.execute(conv.id, Schedule(actor=manager, on=when, place="wandeling"))
    preparation = {"topics": ["job_satisfaction"], "way_of_talking": "walking"}
    assert validate(_forms()["tilburg-preparation"], preparation) == []
    svc.execute(conv.id, SavePreparation(actor=person, answers=preparation))
    svc.execute(conv.id, PublishPreparation(actor=person))
    svc.execute(conv.id, PublishPreparation(actor=manager))
    _move(clock, when + timedelta(hours=1))
    svc.execute(conv.id, MarkHeld(actor=manager, on=on))
    answers = {"talked_about": ["job_satisfaction", "development"], "summary": "Meer variatie."}
    assert validate(_forms()["tilburg-record"], answers) == []
    drafted = svc.execute(
        conv.id,
        DraftRecord(
            actor=person,
            answers=answers,
            agreements=[Agreement(id="a1", text="Een dag meelopen bij Wijkzaken", owner="both")],
        ),
    )
    assert drafted.revision is not None
    for who in (person, manager):
        state = svc.execute(conv.id, ConfirmRecord(actor=who, revision=drafted.revision))
    assert state.state is State.AGREED
    return conv.id


def test_a_year_of_continuous_dialogue_through_the_public_api(tmp_path: Path) -> None:
    """Month by month: everyone prompted holds a conversation; prompts follow the quiet period."""
    clock = FixedClock(datetime(2024, 12, 1, tzinfo=UTC))
    svc = magcore.open_service(f"sqlite:///{tmp_path / 'tilburg.db'}", clock=clock, host=_host())
    org = generate_organisation(people=24, teams=2, seed=5)
    svc.import_organisation(org, actor="hr")
    approve_all(svc)
    held: dict[str, list[date]] = {}
    month = YEAR[0]
    while month < YEAR[1]:
        following = magcore.add_months(month, 1)
        for item in svc.plan(org.id, definition().id, month, following):
            assert item.prompt_only
            assert item.person is not None
            _run(svc, clock, org.id, item.person, item.due)
            held.setdefault(item.person, []).append(item.due)
        month = following
    assert held
    for days in held.values():
        gaps = [(b - a).days for a, b in itertools.pairwise(days)]
        assert all(gap == 120 for gap in gaps)
    rows = list(svc.store.conversations())
    assert len(rows) == sum(len(v) for v in held.values())
    assert svc.coverage(org.id, definition().id, *YEAR).uncovered == ()
    svc.close()


class TestTilburgConformance(InstalledPluginContract):
    """The cycle runs every path magcore's conformance suite checks."""

    distribution = PLUGIN

    @pytest.fixture
    def cycle_definition(self) -> magcore.CycleDefinition:
        return definition()


def test_the_shipped_file_has_the_default_quiet_period() -> None:
    """cycle.json as shipped is what make_definition() builds with the defaults."""
    assert definition() == make_definition()


def approve_all(svc: magcore.Service) -> None:
    """The works council and the executive approved the installed cycles' regulations."""
    for cycle in svc.host.hooks.cycles():
        approve_cycle(svc, cycle)
