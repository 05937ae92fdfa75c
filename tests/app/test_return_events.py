"""Back at work after a long absence through the service: recorded once, audited, planned, and
reminded of like any conversation started by a change."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from magcore import FixedClock, NotFoundError, get_plugin_manager, open_service
from magcore.app.workflows import due_actions, load_workflow
from magcore.domain.orgchanges import ReturnToWork
from magcore.errors import DefinitionError
from magcore.model.cycle import CycleDefinition
from magcore.testing import approve_cycle, generate_organisation

NOW = datetime(2025, 2, 3, 9, 0, tzinfo=UTC)

BACK = CycleDefinition.from_json(
    {
        "id": "back",
        "version": 1,
        "name": {"nl": "Terug", "en": "Back"},
        "kinds": [
            {
                "id": "return",
                "name": {"nl": "Terugkeergesprek", "en": "Return conversation"},
                "pattern": "employee_manager",
                "cadence": {
                    "kind": "on_event",
                    "event": "returned",
                    "delay_days": 0,
                    "window_days": 14,
                    "min_absent_days": 28,
                },
                "initiators": ["manager", "employee"],
                "preparers": ["employee"],
            }
        ],
    }
)


@pytest.fixture
def setup(tmp_path):
    host = get_plugin_manager(load_entry_points=False)
    svc = open_service(
        f"sqlite:///{tmp_path / 'back.db'}", clock=FixedClock(NOW), host=host, dispatch="off"
    )
    approve_cycle(svc, svc.add_cycle(BACK))
    org = generate_organisation(people=20, teams=2, seed=4, start=date(2022, 1, 1))
    svc.import_organisation(org, actor="hr")
    day = NOW.date()
    person = next(p for p in sorted(org.people) if org.manager_of(p, day) not in (None, p))
    yield svc, org, person
    svc.close()


def test_a_return_is_recorded_once_audited_and_planned(setup):
    svc, org, person = setup
    version = svc.store.version(f"org:{org.id}")
    change = ReturnToWork(person=person, on=date(2025, 3, 3), absent_days=63)
    (event,) = svc.record_change(org.id, change, actor="hr")
    assert (event.type, event.data["absent_days"]) == ("person.returned", 63)
    assert svc.record_change(org.id, change, actor="hr") == ()  # the same return: nothing new
    audit = [line for line in svc.store.read_audit() if line["action"] == "person.returned"]
    assert [line["actor"] for line in audit] == ["hr"]
    [due] = svc.plan(org.id, "back@1", date(2025, 1, 1), date(2026, 1, 1))
    assert (due.person, due.due) == (person, date(2025, 3, 17))
    with pytest.raises(NotFoundError, match="person"):
        svc.record_change(
            org.id, ReturnToWork(person="x9", on=NOW.date(), absent_days=40), actor="hr"
        )
    with pytest.raises(DefinitionError, match="absent_days"):
        svc.record_change(
            org.id, ReturnToWork(person=person, on=NOW.date(), absent_days=-1), actor="hr"
        )
    assert svc.store.version(f"org:{org.id}") == version + 1


def test_a_cadence_reminder_goes_to_whoever_came_back(setup):
    """ "Plan your return conversation" 7 days before it is due, to the employee who is back."""
    svc, org, person = setup
    svc.record_change(
        org.id, ReturnToWork(person=person, on=date(2025, 3, 3), absent_days=63), actor="hr"
    )
    workflow = load_workflow(
        {
            "id": "plan-return",
            "name": {"nl": "Plan", "en": "Plan"},
            "trigger": {
                "type": "cadence",
                "cycle": "back",
                "kind": "return",
                "days_before_due": 7,
            },
            "actions": [
                {"do": "remind", "to": "employee", "message": "workflow.plan_conversation"}
            ],
        }
    )
    events = [event for _, event in svc.store.read_all()]
    before = datetime(2025, 3, 9, 23, 0, tzinfo=UTC)
    assert due_actions(events, [workflow], until=before, cycles=svc.cycles) == ()
    [action] = due_actions(
        events, [workflow], until=datetime(2025, 3, 10, 1, 0, tzinfo=UTC), cycles=svc.cycles
    )
    assert (action.recipient, action.due) == (person, date(2025, 3, 17))
