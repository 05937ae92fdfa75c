"""A profile read from a preparation the employee showed to some roles only (review of
2026-12-06).

Attack: in a three-party kind whose profile comes from the employee's preparation, the
employee published her preparation to the coach alone (``PublishPreparation(to=("coach",))``),
so the manager never saw it in that conversation. In her next conversation the manager was
shown it as "last time you wrote", audited as "participant (of ..., where it was agreed)":
taking part where it was written was enough, whether it was shown to them there or not.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from magcore import get_plugin_manager, open_service
from magcore.clock import FixedClock
from magcore.domain.conversation import (
    ConfirmRecord,
    DraftRecord,
    MarkHeld,
    PublishPreparation,
    SavePreparation,
)
from magcore.model.organisation import Assignment, Organisation, Person, Team
from magcore.model.records import Participant
from magcore.testing import approve_cycle

from .test_profiles import T0, _Forms

CYCLE: dict[str, Any] = {
    "id": "talent",
    "version": 1,
    "name": {"nl": "Talent", "en": "Talent"},
    "kinds": [
        {
            "id": "trio",
            "name": {"nl": "Driegesprek", "en": "Trio"},
            "pattern": "three_party",
            "cadence": {"kind": "free"},
            "initiators": ["employee"],
            "preparers": ["employee", "manager"],
            "preparation_form": "talent-prep",
            "profile": {"id": "talents", "source": "preparation", "fields": ["talents"]},
        }
    ],
}
PEOPLE = (Participant("e1", "employee"), Participant("m1", "manager"), Participant("c1", "coach"))


def _service():
    start = date(2024, 1, 1)
    org = Organisation.build(
        id="org",
        people=[Person(id=p) for p in ("e1", "m1", "c1")],
        teams=[Team(id="t1")],
        assignments=[
            Assignment(person="m1", team="t1", role="manager", start=start),
            Assignment(person="e1", team="t1", role="member", start=start),
            Assignment(person="c1", team="t1", role="coach", start=start),
        ],
    )
    host = get_plugin_manager(load_entry_points=False, extra=[("talent-forms", _Forms())])
    svc = open_service("memory://", clock=FixedClock(T0), host=host)
    approve_cycle(svc, svc.add_cycle(CYCLE))
    svc.import_organisation(org, actor="hr")
    svc.use_organisation("org")
    return svc


def _agreed(svc, shown_to: tuple[str, ...]) -> str:
    conv = svc.request(cycle=svc.cycle("talent@1"), kind="trio", participants=PEOPLE, actor="e1")
    svc.execute(conv.id, SavePreparation(actor="e1", answers={"talents": "FOR-THE-COACH"}))
    svc.execute(conv.id, PublishPreparation(actor="e1", to=shown_to))
    svc.execute(conv.id, MarkHeld(actor="e1", on=svc.clock.now().date()))
    drafted = svc.execute(conv.id, DraftRecord(actor="e1", summary="samen gesproken"))
    for who in ("e1", "m1", "c1"):
        svc.execute(conv.id, ConfirmRecord(actor=who, revision=drafted.revision))
    svc.clock.current += timedelta(days=1)
    return conv.id


def test_a_profile_shown_to_the_coach_only_is_not_shown_to_the_manager_next_time():
    svc = _service()
    first = _agreed(svc, ("coach",))
    assert "e1" not in svc.view(first, actor="m1").preparations
    second = svc.request(
        cycle=svc.cycle("talent@1"), kind="trio", participants=PEOPLE, actor="e1"
    ).id
    manager = svc.profile(second, actor="m1")
    assert not manager.shown
    assert "FOR-THE-COACH" not in repr(manager)
    assert manager.decisions[0][1].reason.startswith("denied")
    lines = [
        line
        for line in svc.store.read_audit()
        if line["actor"] == "m1" and line["object"] == f"conversation:{first}/profile:talents"
    ]
    assert [line["result"] for line in lines] == ["denied"]
    for who in ("e1", "c1"):  # the author, and the role she showed it to
        assert dict(svc.profile(second, actor=who).answers) == {"talents": "FOR-THE-COACH"}


def test_a_profile_shown_to_everyone_is_shown_to_everyone_who_was_there():
    svc = _service()
    _agreed(svc, ())
    second = svc.request(
        cycle=svc.cycle("talent@1"), kind="trio", participants=PEOPLE, actor="e1"
    ).id
    for who in ("e1", "m1", "c1"):
        assert dict(svc.profile(second, actor=who).answers) == {"talents": "FOR-THE-COACH"}
