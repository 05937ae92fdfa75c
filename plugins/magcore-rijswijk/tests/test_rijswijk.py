"""magcore-rijswijk: core values as themes, goals linked to values, a year of one-to-ones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from magcore_rijswijk import PLUGIN, definition, forms, goals_as_agreements
from magcore_rijswijk.plugin import plugin

import magcore
from magcore import (
    ConfirmRecord,
    DraftRecord,
    FixedClock,
    MarkHeld,
    ParticipantRole,
    PublishPreparation,
    SavePreparation,
    State,
)
from magcore.forms import FormDefinition, validate
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
        {"value": "rijswijk-reliability", "goal": "Binnen twee dagen terugbellen"},
        {"value": "rijswijk-expertise", "goal": "Cursus Omgevingswet", "by_when": "2025-09-01"},
    ],
}


def _host() -> magcore.PluginHost:
    return magcore.get_plugin_manager(load_entry_points=False, extra=[(PLUGIN, plugin)])


def _forms() -> dict[str, FormDefinition]:
    loaded = (FormDefinition.from_json(f, source=PLUGIN) for f in forms())
    return {form.id: form for form in loaded}


def test_the_four_core_values_are_the_themes() -> None:
    """Toewijding, betrokkenheid, betrouwbaarheid, deskundigheid: each a card with behaviours."""
    themes = _host().hooks.themes()
    assert {t.id for t in themes} == VALUES
    for theme in themes:
        assert len(theme.prompts) == 3
    (kind,) = definition().kinds
    assert set(kind.themes) == VALUES
    assert kind.pattern is magcore.Pattern.EMPLOYEE_MANAGER


def test_every_goal_names_its_value() -> None:
    """A goal without a core value, or with an unknown one, does not fit the form."""
    record = _forms()["rijswijk-growth-record"]
    assert validate(record, RECORD) == []
    assert (
        validate(
            record, {"values_discussed": ["rijswijk-dedication"], "personal_goals": [{"goal": "x"}]}
        )
        != []
    )
    unknown = {"value": "ambition", "goal": "x"}
    assert (
        validate(record, {"values_discussed": ["rijswijk-dedication"], "personal_goals": [unknown]})
        != []
    )


def test_a_goal_must_belong_to_a_value_that_was_discussed() -> None:
    """The check hook points at the goal whose value was not talked about."""
    host = _host()
    svc = magcore.open_service("memory://", host=host)
    org = generate_organisation(people=12, teams=1, seed=2)
    svc.import_organisation(org, actor="hr")
    approve_all(svc)
    person = next(p for p in org.people if org.manager_of(p, YEAR[0]))
    people = svc.participants_for(org.id, definition(), "one-to-one", person, on=YEAR[0])
    conv = svc.request(cycle=definition(), kind="one-to-one", participants=people, actor=person)
    conv = svc._load(conv.id)  # check hooks see the raw state, inside the library
    form = _forms()["rijswijk-growth-record"]
    assert host.hooks.check_record(RECORD, form, conv) == []
    narrowed = {**RECORD, "values_discussed": ["rijswijk-reliability"]}
    problems = host.hooks.check_record(narrowed, form, conv)
    assert [p.pointer for p in problems] == ["/personal_goals/1/value"]


def test_goals_become_agreements_with_their_value_as_theme() -> None:
    """Each goal is the employee's agreement, linked to its value, with its date if given."""
    agreements = goals_as_agreements(RECORD)
    assert [a.theme for a in agreements] == ["rijswijk-reliability", "rijswijk-expertise"]
    assert {a.owner.value for a in agreements} == {"employee"}
    assert agreements[1].due == date(2025, 9, 1)
    assert agreements[0].due is None


def test_a_year_of_one_to_ones_with_goals_carried_forward(tmp_path: Path) -> None:
    """Goals set in the first conversation come back in the second, linked to their values."""
    clock = FixedClock(datetime(2024, 12, 1, tzinfo=UTC))
    svc = magcore.open_service(f"sqlite:///{tmp_path / 'rijswijk.db'}", clock=clock, host=_host())
    org = generate_organisation(people=20, teams=2, seed=5)
    svc.import_organisation(org, actor="hr")
    approve_all(svc)
    carried_seen = 0
    goals = RECORD["personal_goals"]
    assert isinstance(goals, list)
    due = svc.plan(org.id, definition().id, *YEAR)
    assert due
    for item in due:
        assert item.person is not None
        clock.set(max(datetime.combine(item.due, time(9), tzinfo=UTC), clock.now()))
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
            assert {a.text for a in conv.carried_forward} == {g["goal"] for g in goals}
            for carried in conv.carried_forward:
                assert carried.carried_from is not None
                source, _, agreement_id = carried.carried_from.partition("#")
                (original,) = [a for a in svc._load(source).agreements if a.id == agreement_id]
                assert original.theme in VALUES
        prep = {"values": ["rijswijk-reliability"], "example": "Terugbellen"}
        assert validate(_forms()["rijswijk-growth-preparation"], prep) == []
        for who in (item.person, manager):
            svc.execute(conv.id, SavePreparation(actor=who, answers=prep))
            svc.execute(conv.id, PublishPreparation(actor=who))
        svc.execute(conv.id, MarkHeld(actor=manager, on=item.due))
        agreements = goals_as_agreements(RECORD, prefix=f"goal-{item.due.month}")
        assert svc.host.hooks.check_record(RECORD, None, svc._load(conv.id)) == []
        drafted = svc.execute(
            conv.id, DraftRecord(actor=item.person, answers=RECORD, agreements=agreements)
        )
        assert drafted.revision is not None
        for who in (item.person, manager):
            final = svc.execute(conv.id, ConfirmRecord(actor=who, revision=drafted.revision))
        assert final.state is State.AGREED
    assert carried_seen == len({d.person for d in due})
    assert svc.coverage(org.id, definition().id, *YEAR).rate == 1.0
    svc.close()


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
