"""Helpers for the store contract: a cycle, events and audit records to write, and a driver that
takes conversations through the real aggregate."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ..domain.conversation import (
    Command,
    ConfirmRecord,
    Conversation,
    DraftRecord,
    MarkHeld,
    PublishPreparation,
    RequestConversation,
    Schedule,
    apply,
    decide,
    read_model,
    stream_of,
)
from ..events import Event
from ..model.cycle import CycleDefinition
from ..model.records import Agreement, Participant
from ..storage.base import AuditRecord, Store, StreamWrite

__all__ = ["CONTRACT_CYCLE", "ConversationDriver", "audit_record", "event"]

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

#: A small cycle (one employee-manager kind, both prepare) used by the suite.
CONTRACT_CYCLE: dict[str, Any] = {
    "id": "contract-cycle",
    "version": 1,
    "name": {"nl": "Testcyclus", "en": "Test cycle"},
    "themes": [
        {"id": "learning", "title": {"nl": "Leren", "en": "Learning"}},
        {"id": "vitality", "title": {"nl": "Vitaliteit", "en": "Vitality"}},
    ],
    "kinds": [
        {
            "id": "yearly",
            "name": {"nl": "Jaargesprek", "en": "Yearly conversation"},
            "pattern": "employee_manager",
            "cadence": {"kind": "per_year", "per_year": 1},
            "initiators": ["employee", "manager"],
            "preparers": ["employee", "manager"],
            "applies_to": "with_manager",
        }
    ],
}


def event(stream: str, version: int, type_: str = "note.added", **data: Any) -> Event:
    """A plain event for stream tests (any type: stores do not interpret most of them)."""
    return Event(
        stream=stream,
        version=version,
        type=type_,
        at=T0 + timedelta(minutes=version),
        actor="tester",
        data=data,
    )


def audit_record(n: int, *, action: str = "read") -> AuditRecord:
    """An audit record numbered *n* (its object and time differ per *n*)."""
    return AuditRecord(
        at=(T0 + timedelta(seconds=n)).isoformat(),
        actor=f"person-{n % 3}",
        action=action,
        object=f"conversation:c-{n}/record",
        result="allowed",
        origin="api",
        purpose="conversation",
    )


class ConversationDriver:
    """Drives one conversation through the real aggregate and writes its events to a store."""

    def __init__(
        self,
        store: Store,
        conversation_id: str,
        *,
        employee: str,
        manager: str,
        team: str | None = "team-1",
        now: datetime = T0,
    ) -> None:
        self.store = store
        self.id = conversation_id
        self.employee = employee
        self.manager = manager
        self.now = now
        self.cycle = CycleDefinition.from_json(CONTRACT_CYCLE)
        self.state: Conversation | None = None
        self.send(
            RequestConversation(
                actor=manager,
                conversation_id=conversation_id,
                cycle=self.cycle,
                kind="yearly",
                participants=(Participant(employee, "employee"), Participant(manager, "manager")),
                team=team,
                themes=("learning",),
            )
        )

    def send(self, command: Command) -> tuple[Event, ...]:
        """Decide *command*, append its events with the expected version, fold them in."""
        self.now += timedelta(hours=1)
        events = decide(self.state, command, now=self.now)
        expected = self.state.version if self.state is not None else 0
        state = self.state
        for item in events:
            state = apply(item, state)
        assert state is not None
        rows = read_model(state)
        self.store.append([StreamWrite(stream_of(self.id), expected, events, read_model=rows)])
        self.state = state
        return events

    def hold_and_agree(self, held_on: date, agreements: Sequence[Agreement]) -> None:
        """Schedule, prepare (both), hold, record *agreements* and confirm (both)."""
        self.send(Schedule(actor=self.manager, on=datetime.combine(held_on, T0.timetz())))
        self.send(PublishPreparation(actor=self.employee))
        self.send(PublishPreparation(actor=self.manager))
        self.send(MarkHeld(actor=self.manager, on=held_on))
        self.send(DraftRecord(actor=self.manager, agreements=tuple(agreements)))
        assert self.state is not None
        assert self.state.record is not None
        revision = self.state.record.revision
        self.send(ConfirmRecord(actor=self.manager, revision=revision))
        self.send(ConfirmRecord(actor=self.employee, revision=revision))


def _agreement(agreement_id: str, owner: str = "employee") -> Agreement:
    return Agreement(id=agreement_id, text=f"Afspraak {agreement_id}", owner=owner)
