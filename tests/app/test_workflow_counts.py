"""The 'agreements from last time' message counts, per recipient, only the open agreements the
gateway lets them be told of; its ``has_open_agreements`` condition decides from the same.

Before, the count and the condition took every open agreement of the employee from the log:
the new manager, with no handover choice and no part in the earlier conversations, was told
"3" of a restricted conversation and of one of a special-category kind with a former manager.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from magcore import (
    Agreement,
    ConfirmRecord,
    DraftRecord,
    FixedClock,
    MarkHeld,
    Participant,
    Schedule,
    get_plugin_manager,
    open_service,
)
from magcore.access.restriction import restriction_event
from magcore.app.workflows import run_workflows
from magcore.domain.sharing import GrantSharing, person_stream
from magcore.model.organisation import Assignment, Organisation, Person, Team
from magcore.storage.base import StreamWrite
from magcore.testing import approve_cycle

from ..sharing.support import MAG_CYCLE

MOVE = date(2025, 2, 1)
START = date(2024, 1, 1)
CARRY = {
    "id": "carry",
    "name": {"nl": "Afspraken", "en": "Agreements"},
    "trigger": {"type": "before_conversation", "days": 7},
    "condition": {"has_open_agreements": True},
    "actions": [{"do": "carry_forward", "to": "participants"}],
}


def _org() -> Organisation:
    return Organisation.build(
        id="g",
        people=[Person(id=p) for p in ("anna", "oldm", "newm", "piet", "c1")],
        teams=[Team(id="t1"), Team(id="t2"), Team(id="t0")],
        assignments=[
            Assignment(person="oldm", team="t1", role="manager", start=START),
            Assignment(person="newm", team="t2", role="manager", start=START),
            Assignment(person="c1", team="t0", role="coach", start=START),
            Assignment(person="anna", team="t1", role="member", start=START, end=MOVE),
            Assignment(person="anna", team="t2", role="member", start=MOVE),
        ],
    )


def _agreed(svc, clock, conv: str, kind: str, agreements: int) -> None:
    people = [Participant("anna", "employee"), Participant("oldm", "manager")]
    if kind == "stress":
        people.append(Participant("c1", "coach"))
    svc.request(cycle="mag@1", kind=kind, participants=people, actor="anna", conversation_id=conv)
    svc.execute(conv, MarkHeld(actor="oldm", on=clock.now().date()))
    svc.execute(
        conv,
        DraftRecord(
            actor="oldm",
            summary="s",
            agreements=[
                Agreement(id=f"a{i}", text=f"t{i}", owner="employee")
                for i in range(1, agreements + 1)
            ],
        ),
    )
    for person in [p.person for p in people]:
        svc.execute(conv, ConfirmRecord(actor=person, revision=1))


@pytest.fixture
def world():
    """Anna: an ordinary conversation with her former manager (1 open agreement), one the
    privacy officer restricted (2), one of a special-category kind (3); then she moves to
    newm, who plans a conversation with her."""
    clock = FixedClock(datetime(2025, 1, 6, 9, 0, tzinfo=UTC))
    svc = open_service("memory://", clock=clock, host=get_plugin_manager(load_entry_points=False))
    approve_cycle(svc, svc.add_cycle(MAG_CYCLE))
    svc.import_organisation(_org(), actor="hr")
    svc.use_organisation("g", {"piet": ("privacy_officer",)})
    _agreed(svc, clock, "plain", "mag", 1)
    _agreed(svc, clock, "shut", "mag", 2)
    _agreed(svc, clock, "health", "stress", 3)
    stream = person_stream("anna")
    version = svc.store.version(stream)
    event = restriction_event(
        "anna", version + 1, actor="piet", now=clock.now(), conversation="shut", reason="dispute"
    )
    svc.commit([StreamWrite(stream, version, (event,))])
    clock.set(datetime(2025, 3, 1, 9, 0, tzinfo=UTC))
    new = [Participant("anna", "employee"), Participant("newm", "manager")]
    svc.request(cycle="mag@1", kind="mag", participants=new, actor="newm", conversation_id="next")
    on = datetime(2025, 3, 17, 10, 0, tzinfo=UTC)
    svc.execute("next", Schedule(actor="newm", on=on))
    clock.set(on - timedelta(days=7))
    yield svc
    svc.close()


def _counts(report) -> dict[str, int | None]:
    return {n.recipient: n.count for n in report.notifications}


def test_the_new_manager_is_told_no_count_the_gateway_does_not_show_him(world):
    report = run_workflows(world, workflows=[CARRY])
    # anna is told of her ordinary conversation only: not the restricted one, not the
    # special-category kind; newm of nothing, so the condition sends him nothing at all
    assert _counts(report) == {"anna": 1}
    refused = {
        line["object"]
        for line in world.store.read_audit()
        if line["actor"] == "newm" and line["purpose"] == "handover"
    }
    assert refused == {
        "conversation:plain/agreement:a1",
        *(f"conversation:shut/agreement:a{i}" for i in (1, 2)),
        *(f"conversation:health/agreement:a{i}" for i in (1, 2, 3)),
    }
    assert {
        line["result"]
        for line in world.store.read_audit()
        if line["actor"] == "newm" and line["purpose"] == "handover"
    } == {"denied"}


def test_a_handover_choice_lets_the_new_manager_be_told_what_it_opens(world):
    world.share(
        GrantSharing(
            actor="anna", person="anna", to="next_manager", what="agreements", purpose="handover"
        )
    )
    report = run_workflows(world, workflows=[CARRY])
    assert _counts(report) == {"anna": 1, "newm": 1}
