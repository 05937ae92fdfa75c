"""magcore-amsterdam: MAG's cycle, cards, forms and reminders, through magcore's public hooks."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from magcore_amsterdam import definition
from magcore_amsterdam.plugin import plugin

from magcore import (
    Agreement,
    ConfirmRecord,
    CycleDefinition,
    DraftRecord,
    MarkHeld,
    Participant,
    Schedule,
)
from magcore.app.workflows import contributed_workflows, due_actions
from magcore.forms import FormDefinition, example_answers
from magcore.model.themes import MAG_THEME_IDS
from magcore.testing import InstalledPluginContract, approve_cycle

SRC = Path(__file__).resolve().parents[3] / "src" / "magcore"


@pytest.fixture
def magcore_plugin():
    return plugin


@pytest.fixture
def magcore_plugin_name() -> str:
    return "magcore-amsterdam"


def test_the_plugin_contributes_mag_with_no_problems(magcore_pm) -> None:
    """Registered like an installed plugin, it contributes MAG version 1 and nothing fails."""
    cycles = magcore_pm.hooks.cycles()
    assert cycles.problems == ()
    assert [c.key for c in cycles] == ["mag@1"]
    assert cycles.by_plugin() == {"magcore-amsterdam": (definition(),)}


def test_mag_is_a_yearly_two_sided_cycle_recorded_digitally_or_on_paper() -> None:
    """At least once a year; employee or manager may start; both prepare; digital or paper."""
    (kind,) = definition().kinds
    assert kind.cadence.kind.value == "per_year"
    assert kind.cadence.per_year == 1
    assert {r.value for r in kind.initiators} == {"employee", "manager"}
    assert {r.value for r in kind.preparers} == {"employee", "manager"}
    assert [r.value for r in definition().recording] == ["digital", "paper"]
    assert set(definition().approvals_required) == {"works_council", "executive"}


def test_the_six_cards_have_short_prompts_in_dutch_and_english(magcore_pm) -> None:
    """Six themes with MAG's ids; vitality is special-category; prompts are short sentences."""
    contributed = magcore_pm.hooks.themes()
    assert contributed.problems == ()
    assert tuple(t.id for t in contributed) == MAG_THEME_IDS
    assert [t.id for t in contributed if t.special_category] == ["vitality"]
    for theme in definition().themes:
        assert len(theme.prompts) >= 2
        for prompt in theme.prompts:
            for text in (prompt.nl, prompt.en):
                assert text.endswith("?")
                assert len(text.split()) <= 15, text  # B1: short sentences
    assert tuple(t.id for t in definition().themes) == MAG_THEME_IDS


def test_the_forms_are_registered_and_match_the_cycle(magcore_pm) -> None:
    """The preparation and agreement forms arrive through the forms hook with the cycle's ids."""

    forms = magcore_pm.hooks.forms()
    assert forms.problems == ()
    assert all(isinstance(f, FormDefinition) for f in forms)
    (kind,) = definition().kinds
    assert {f.id for f in forms} == {kind.preparation_form, kind.record_form}


class TestMagConformance(InstalledPluginContract):
    """MAG passes magcore's cycle conformance suite, and the distribution is installed."""

    distribution = "magcore-amsterdam"

    @pytest.fixture
    def cycle_definition(self) -> CycleDefinition:
        return definition()


def _pair(org, day):
    for person in sorted(org.people):
        manager = org.manager_of(person, day)
        if manager and manager != person and person not in org.coaches(day):
            return person, manager
    raise AssertionError("no employee with a manager")


@pytest.fixture
def approved(magcore_service):
    """The works council and the executive approved the MAG regulation."""
    return approve_cycle(magcore_service, "mag")


def test_plan_your_conversation_reaches_only_those_without_one(
    magcore_service, magcore_org, approved
):
    """Two months before year end: everyone with a manager and no conversation this year."""
    found, problems = contributed_workflows(magcore_service.host)
    assert problems == ()
    assert {w.id for w in found} == {w["id"] for w in plugin.workflows()}
    day = date(2025, 1, 6)
    employee, manager = _pair(magcore_org, day)
    magcore_service.request(
        cycle="mag",
        kind="mag",
        participants=[Participant(employee, "employee"), Participant(manager, "manager")],
        actor=employee,
        conversation_id="c1",
    )
    magcore_service.execute("c1", MarkHeld(actor=manager, on=date(2025, 3, 3)))
    events = [e for _, e in magcore_service.store.read_all()]
    plan = [w for w in found if w.id == "mag-plan-your-conversation"]
    at = datetime(2025, 10, 31, tzinfo=UTC)
    kwargs = {"cycles": magcore_service.cycles}
    assert due_actions(events, plan, until=at - timedelta(seconds=1), **kwargs) == ()
    due = due_actions(events, plan, until=at, **kwargs)
    expected = {p for p in magcore_org.people if magcore_org.manager_of(p, date(2025, 12, 31))} - {
        employee
    }
    assert {a.subject for a in due} == expected
    assert {a.message for a in due} == {"workflow.plan_conversation"}
    late = due_actions(events, plan, until=datetime(2026, 1, 2, tzinfo=UTC), **kwargs)
    assert all(a.due != date(2025, 12, 31) for a in late)


def test_agreements_from_last_time_a_week_before_the_next_conversation(
    magcore_service, magcore_org, magcore_clock, approved
):
    """Open agreements from an agreed conversation bring a reminder 7 days before the next one."""
    found, _ = contributed_workflows(magcore_service.host)
    carry = [w for w in found if w.id == "mag-agreements-from-last-time"]
    employee, manager = _pair(magcore_org, date(2025, 1, 6))
    people = [Participant(employee, "employee"), Participant(manager, "manager")]
    magcore_service.request(
        cycle="mag", kind="mag", participants=people, actor=manager, conversation_id="c1"
    )
    magcore_service.execute("c1", MarkHeld(actor=manager, on=date(2025, 1, 6)))
    agreement = Agreement(id="a1", text="Cursus Excel volgen", owner="employee")
    answers = example_answers(magcore_service.form("mag-agreement"))
    magcore_service.execute(
        "c1", DraftRecord(actor=manager, agreements=[agreement], answers=answers)
    )
    for person in (employee, manager):
        magcore_service.execute("c1", ConfirmRecord(actor=person, revision=1))
    magcore_service.request(
        cycle="mag", kind="mag", participants=people, actor=employee, conversation_id="c2"
    )
    on = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)
    magcore_service.execute("c2", Schedule(actor=manager, on=on))
    events = [e for _, e in magcore_service.store.read_all()]
    due = due_actions(events, carry, until=on - timedelta(days=7))
    assert {a.recipient for a in due} == {employee, manager}
    assert {a.count for a in due} == {1}
    assert {a.reference for a in due} == {"conversation:c2"}


def test_the_core_has_no_amsterdam_special_case() -> None:
    """magcore's source never imports this plugin or branches on a municipality's name."""
    pattern = re.compile(
        r"(import|from)\s+magcore_amsterdam|[=!]=\s*['\"](mag|amsterdam)['\"]", re.IGNORECASE
    )
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
