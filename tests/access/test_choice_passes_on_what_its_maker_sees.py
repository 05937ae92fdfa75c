"""A sharing choice passes on what the employee sees, never more (review of 2026-12-06).

Attack: the employee, who has not published her preparation, may not read her manager's
(blind until published). She shares her ``whole_record`` with a colleague, who read the
manager's published preparation at once, audited "sharing choice 1", and could tell her: the
other side's preparation before her own was written. Likewise a preparation the manager
showed to the coach only was opened to the employee's grantee once the conversation was held.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import magcore
from magcore import (
    CycleDefinition,
    MarkHeld,
    Participant,
    PublishPreparation,
    SavePreparation,
)
from magcore.domain.sharing import GrantSharing
from magcore.model.organisation import Assignment, Organisation, Person, Team
from magcore.testing import approve_cycle

NOW = datetime(2025, 3, 3, 9, tzinfo=UTC)
THREE = CycleDefinition.from_json(
    {
        "id": "three-example",
        "version": 1,
        "name": {"nl": "Gesprek met z'n drieën", "en": "Three of us"},
        "themes": [{"id": "work", "title": {"nl": "Werk", "en": "Work"}}],
        "kinds": [
            {
                "id": "triangle",
                "name": {"nl": "Driegesprek", "en": "Triangle"},
                "pattern": "three_party",
                "cadence": {"kind": "free"},
                "initiators": ["employee"],
                "preparers": ["employee", "manager"],
                "themes": ["work"],
            }
        ],
    }
)


def _service() -> tuple[magcore.Service, str]:
    svc = magcore.open_service("memory://", clock=magcore.FixedClock(NOW))
    approve_cycle(svc, THREE)
    people = [Person(id=p) for p in ("emp", "mgr", "coach", "friend")]
    start = NOW.date().replace(year=2024)
    org = Organisation.build(
        id="org",
        people=people,
        teams=[Team(id="t1", department="d1")],
        assignments=[
            Assignment(person="emp", team="t1", role="member", start=start),
            Assignment(person="friend", team="t1", role="member", start=start),
            Assignment(person="mgr", team="t1", role="manager", start=start),
            Assignment(person="coach", team="t1", role="coach", start=start),
        ],
    )
    svc.import_organisation(org, actor="hr")
    svc.use_organisation("org", {})
    conv = svc.request(
        cycle=THREE,
        kind="triangle",
        participants=(
            Participant("emp", "employee"),
            Participant("mgr", "manager"),
            Participant("coach", "coach"),
        ),
        actor="emp",
    )
    svc.share(
        GrantSharing(
            actor="emp", person="emp", to="friend", what="whole_record", purpose="conversation"
        )
    )
    return svc, conv.id


def _line(svc: magcore.Service, conv: str, author: str) -> Any:
    """The friend's latest audit line about *author*'s preparation."""
    obj = f"conversation:{conv}/preparation:{author}"
    lines = svc.store.read_audit()
    return [line for line in lines if line["object"] == obj and line["actor"] == "friend"][-1]


def test_a_grantee_reads_the_other_sides_preparation_only_once_the_employee_may():
    svc, conv = _service()
    svc.execute(conv, SavePreparation(actor="mgr", answers={"x": "MANAGER-PREP"}))
    svc.execute(conv, PublishPreparation(actor="mgr"))
    assert "mgr" not in svc.view(conv, actor="emp").preparations  # blind for her
    seen = svc.view(conv, actor="friend")
    assert "mgr" not in seen.preparations
    assert "MANAGER-PREP" not in repr(seen)
    assert _line(svc, conv, "mgr")["result"] == "denied"
    # once she has published her own, she reads the manager's, and so does her confidant
    svc.execute(conv, SavePreparation(actor="emp", answers={"x": "MINE"}))
    svc.execute(conv, PublishPreparation(actor="emp"))
    assert "mgr" in svc.view(conv, actor="emp").preparations
    shared = svc.view(conv, actor="friend").preparations
    assert dict(shared["mgr"].answers) == {"x": "MANAGER-PREP"}
    assert dict(shared["emp"].answers) == {"x": "MINE"}
    assert _line(svc, conv, "mgr")["reason"] == "sharing choice 1"


def test_a_grantee_never_reads_a_preparation_shown_to_other_roles_only():
    svc, conv = _service()
    svc.execute(conv, SavePreparation(actor="mgr", answers={"x": "FOR-THE-COACH"}))
    svc.execute(conv, PublishPreparation(actor="mgr", to=("coach",)))
    svc.execute(conv, SavePreparation(actor="emp", answers={"x": "MINE"}))
    svc.execute(conv, PublishPreparation(actor="emp", to=("coach",)))
    svc.execute(conv, MarkHeld(actor="emp", on=NOW.date()))
    assert "mgr" in svc.view(conv, actor="coach").preparations
    assert "mgr" not in svc.view(conv, actor="emp").preparations
    seen = svc.view(conv, actor="friend")
    assert "mgr" not in seen.preparations
    assert "FOR-THE-COACH" not in repr(seen)
    assert _line(svc, conv, "mgr")["result"] == "denied"
    # the employee's own, shown to the coach only, is still hers to share
    assert "emp" in seen.preparations
