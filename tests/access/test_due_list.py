"""The due list through the gateway (:mod:`magcore.access.due`): a manager sees their own
team's, an HR adviser the organisation's for planning; one audit line each, refusals too.

Before, the web API, the team page and ``magcore due`` planned over the organisation
themselves: no decision, no audit line, and the team page listed the manager's people's due
conversations of kinds the manager takes no part in (a company doctor's check-up, whose
leaving the list tells that it was held) and those due under another manager.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from magcore import Assignment, Organisation, Person, Team, open_service
from magcore.access.decision import PARTICIPATION
from magcore.access.due import DUE_LISTING, PLANNING, DueList
from magcore.access.processing import activity_for
from magcore.clock import FixedClock
from magcore.errors import AccessDenied, InputRefused
from magcore.testing import approve_cycle

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
START, END = date(2025, 1, 1), date(2027, 1, 1)
MOVED = date(2026, 2, 1)

#: A yearly conversation with the manager, and a yearly check-up with the company doctor
#: without them (special category): both due on 31 December.
CYCLE: dict[str, Any] = {
    "id": "care",
    "version": 1,
    "name": {"nl": "Zorg", "en": "Care"},
    "roles": [
        {
            "id": "company_doctor",
            "name": {"nl": "Bedrijfsarts", "en": "Company doctor"},
            "description": {"nl": "Onderzoekt.", "en": "Examines."},
        }
    ],
    "kinds": [
        {
            "id": "yearly",
            "name": {"nl": "Jaargesprek", "en": "Yearly conversation"},
            "pattern": "employee_manager",
            "cadence": {"kind": "per_year", "per_year": 1},
            "initiators": ["employee", "manager"],
            "preparers": ["employee"],
        },
        {
            "id": "checkup",
            "name": {"nl": "Keuring", "en": "Check-up"},
            "special_category": True,
            "parties": [
                {"role": "employee"},
                {"role": "company_doctor", "membership": "other_team"},
            ],
            "cadence": {"kind": "per_year", "per_year": 1},
            "initiators": ["employee"],
            "preparers": ["employee"],
        },
    ],
}


def organisation() -> Organisation:
    """e1 in m1's team t1; e3 in m2's team t2; e2 in t2 until 1 February 2026, then in t1."""
    since = date(2024, 1, 1)
    return Organisation.build(
        id="org",
        people=[
            Person(id=p, hired_on=date(2020, 1, 1)) for p in ("e1", "e2", "e3", "m1", "m2", "hr")
        ],
        teams=[Team(id="t1"), Team(id="t2")],
        assignments=[
            Assignment(person="m1", team="t1", role="manager", start=since),
            Assignment(person="m2", team="t2", role="manager", start=since),
            Assignment(person="e1", team="t1", role="member", start=since),
            Assignment(person="e2", team="t2", role="member", start=since, end=MOVED),
            Assignment(person="e2", team="t1", role="member", start=MOVED),
            Assignment(person="e3", team="t2", role="member", start=since),
        ],
    )


@pytest.fixture
def service() -> Iterator[Any]:
    svc = open_service("memory://", clock=FixedClock(NOW))
    approve_cycle(svc, svc.add_cycle(CYCLE))
    svc.import_organisation(organisation(), actor="hr")
    svc.use_organisation("org", {"hr": ["hr_adviser"]})
    yield svc
    svc.close()


def _due(service: Any, viewer: str, purpose: str = PARTICIPATION, **kw: Any) -> DueList:
    return service.due_list(viewer, cycles=["care@1"], start=START, end=END, purpose=purpose, **kw)


def _lines(service: Any, before: int) -> list[Any]:
    return list(service.store.read_audit(after=before))


def _seen(listed: DueList) -> set[tuple[str | None, str, str]]:
    return {(item.person, item.kind, item.due.isoformat()) for _, item in listed}


def test_a_manager_sees_the_conversations_they_hold_with_the_people_they_manage(service):
    """Not e2's conversation due under m2 before she moved, not a check-up without the
    manager, not m2's people; and one audit line that names no one else."""
    before = service.store.audit_head().count
    mine = _due(service, "m1")
    assert _seen(mine) == {
        ("e1", "yearly", "2025-12-31"),
        ("e1", "yearly", "2026-12-31"),
        ("e2", "yearly", "2026-12-31"),
    }
    assert all(item.manager == "m1" for _, item in mine)
    assert not mine.organisation_wide
    lines = _lines(service, before)
    assert [(x["actor"], x["action"], x["object"], x["result"], x["purpose"]) for x in lines] == [
        ("m1", DUE_LISTING, "listing:m1/due", "allowed", PARTICIPATION)
    ]
    assert activity_for(lines[0]).id == "conversations"
    theirs = _due(service, "m2")
    assert _seen(theirs) == {("e3", "yearly", "2025-12-31"), ("e3", "yearly", "2026-12-31")}


def test_the_hr_adviser_plans_for_the_whole_organisation(service):
    """For planning, the organisation's list: the same as the service's own planning, but
    for the kinds that are special-category as a whole (see the next test)."""
    planned = _due(service, "hr", PLANNING)
    assert planned.organisation_wide
    expected = tuple(
        item for item in service.outstanding("org", "care@1", START, END) if item.kind != "checkup"
    )
    assert [item for _, item in planned] == list(expected)
    assert ("e2", "yearly", "2025-12-31") in _seen(planned)
    assert planned.of("care@1") == expected
    assert {"e1", "e2", "e3"} <= planned.people


def test_the_planning_list_says_nothing_of_a_special_category_kind(service):
    """Review of 2026-12-06: the HR adviser's list for planning held everyone's check-ups with
    the company doctor (a kind special-category as a whole), so a name leaving it told HR
    that its check-up was requested or held, while HR's read of that conversation gets not
    even its metadata. The check-up is left out of the list for planning, as it is of the
    manager's, who takes no part in it."""
    before = _seen(_due(service, "hr", PLANNING))
    assert not any(kind == "checkup" for _, kind, _ in before)
    cycle = service.cycle("care@1")
    people = service.participants_for(
        "org", cycle, "checkup", "e1", on=NOW.date(), chosen={"company_doctor": ["e3"]}
    )
    conversation = service.request(cycle=cycle, kind="checkup", participants=people, actor="e1")
    assert service.view(conversation.id, actor="hr", purpose=PLANNING).metadata is None
    assert _seen(_due(service, "hr", PLANNING)) == before


@pytest.mark.parametrize(
    ("viewer", "purpose"), [("m1", PLANNING), ("e1", PLANNING), ("m1", "research")]
)
def test_anyone_else_is_refused_with_an_audit_line(service, viewer, purpose):
    before = service.store.audit_head().count
    with pytest.raises(AccessDenied):
        _due(service, viewer, purpose)
    lines = _lines(service, before)
    assert [(x["actor"], x["action"], x["result"]) for x in lines] == [
        (viewer, DUE_LISTING, "denied")
    ]


def test_a_role_the_sign_in_vouches_for_counts_beside_the_directory(service):
    assert _due(service, "m1", PLANNING, roles={"hr_adviser"}).organisation_wide
    with pytest.raises(AccessDenied):
        _due(service, "m1", PLANNING, roles={"works_council"})


def test_someone_who_manages_nobody_gets_an_empty_list_and_its_line(service):
    before = service.store.audit_head().count
    assert len(_due(service, "hr")) == 0
    assert len(_due(service, "e1")) == 0
    assert [x["result"] for x in _lines(service, before)] == ["allowed", "allowed"]


def test_a_requested_conversation_leaves_the_list(service):
    cycle = service.cycle("care@1")
    people = service.participants_for("org", cycle, "yearly", "e1", on=NOW.date())
    service.request(cycle=cycle, kind="yearly", participants=people, actor="m1")
    assert ("e1", "yearly", "2026-12-31") not in _seen(_due(service, "m1"))


def test_ids_are_checked_before_anything_is_written(service):
    before = service.store.audit_head().count
    for viewer, purpose in (("bad id!", PARTICIPATION), ("m1", "bad purpose!")):
        with pytest.raises(InputRefused):
            _due(service, viewer, purpose)
    assert service.store.audit_head().count == before


def test_the_gateway_answers_the_same_as_the_service(service):
    org = service.organisation("org")
    cycle = service.cycle("care@1")
    direct = service.gateway.due(
        "m1", purpose=PARTICIPATION, organisation=org, cycles=[cycle], start=START, end=END
    )
    assert direct.items == _due(service, "m1").items
