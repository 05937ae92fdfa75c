"""The SQLite store's read models: the rows that conversation and agreement lists are read from."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import date
from typing import Any

from ..domain.conversation import State
from .base import (
    AgreementRow,
    ConversationRow,
    StreamWrite,
)
from .common import (
    EventRow,
    json_list,
)
from .projection import (
    CONVERSATION_PREFIX,
    ConversationView,
    is_projected,
    project_all,
    requested_fields,
    starts_conversation,
)

__all__ = []


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


_INSERT_CONVERSATION = (
    "INSERT INTO conversations (id, cycle, kind, state, subject, team, participants, "
    "requested_on, scheduled_on, held_on, medium, version, preparers, published) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


_INSERT_PERSON = "INSERT INTO conversation_people (person, conversation) VALUES (?, ?)"


_INSERT_AGREEMENT = (
    "INSERT INTO agreements (conversation, position, agreement, subject, owner, status, due, "
    "made_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


class _ReadModels:
    """The read-model rows of one append, built before its transaction, written inside it.

    New conversations (the bulk case: one ``conversation.requested`` per new stream) become
    rows straight from :func:`~magcore.storage.projection.requested_fields`; every other write
    to a conversation stream is folded with :func:`~magcore.storage.projection.project_all`
    inside the transaction, starting from the stored view, because it needs the current state.
    """

    __slots__ = ("new", "pending", "people")

    def __init__(self) -> None:
        self.new: list[tuple[Any, ...]] = []
        self.people: list[tuple[str, str]] = []
        self.pending: list[StreamWrite] = []

    @classmethod
    def build(cls, writes: Sequence[StreamWrite], rows: Sequence[EventRow]) -> _ReadModels:
        models = cls()
        new = models.new
        people = models.people
        pending = models.pending
        index = 0
        for write in writes:
            events = write.events
            if not events:
                continue
            row = rows[index]
            index += len(events)
            if not is_projected(write.stream):
                continue
            if starts_conversation(write.expected_version, events):
                conv_id, cycle, kind, subject, team, participants, preparers = requested_fields(
                    events[0]
                )
                new.append(
                    (
                        conv_id,
                        cycle,
                        kind,
                        _REQUESTED_STATE,
                        subject,
                        team,
                        json_list(participants),
                        row[3][:10],  # the event's UTC date, from its ISO timestamp
                        None,
                        None,
                        None,
                        1,
                        json_list(preparers),
                        "[]",
                    )
                )
                people.extend([(p, conv_id) for p in dict.fromkeys(participants)])
            else:
                pending.append(write)
        return models

    def write(self, cur: sqlite3.Cursor) -> None:
        """Fold the remaining writes, then write every row (in the caller's transaction)."""
        updates: list[ConversationView] = []
        for write in self.pending:
            conv_id = write.stream[len(CONVERSATION_PREFIX) :]
            before = None if write.expected_version == 0 else _load_view(cur, conv_id)
            view = project_all(before, write.events)
            if view is None:
                continue
            if before is None:
                self.new.append(_conversation_values(view))
                self.people.extend((p, conv_id) for p in dict.fromkeys(view.row.participants))
                if view.agreements:
                    updates.append(view)
            else:
                updates.append(view)
        if self.new:
            cur.executemany(_INSERT_CONVERSATION, self.new)
            cur.executemany(_INSERT_PERSON, self.people)
        if not updates:
            return
        cur.executemany(
            "UPDATE conversations SET state = ?, scheduled_on = ?, held_on = ?, medium = ?, "
            "version = ?, published = ? WHERE id = ?",
            [
                (
                    v.row.state,
                    _iso(v.row.scheduled_on),
                    _iso(v.row.held_on),
                    v.row.medium,
                    v.row.version,
                    json_list(v.published),
                    v.row.id,
                )
                for v in updates
            ],
        )
        cur.executemany(
            "DELETE FROM agreements WHERE conversation = ?", [(v.row.id,) for v in updates]
        )
        cur.executemany(
            _INSERT_AGREEMENT,
            [
                (
                    a.conversation,
                    position,
                    a.agreement,
                    a.subject,
                    a.owner,
                    a.status,
                    _iso(a.due),
                    _iso(a.made_on),
                )
                for v in updates
                for position, a in enumerate(v.agreements)
            ],
        )


_REQUESTED_STATE = State.REQUESTED.value


_CONVERSATION_COLUMNS = (
    "c.id, c.cycle, c.kind, c.state, c.subject, c.team, c.participants, c.requested_on, "
    "c.scheduled_on, c.held_on, c.medium, c.version"
)


def _conversation_values(view: ConversationView) -> tuple[Any, ...]:
    row = view.row
    return (
        row.id,
        row.cycle,
        row.kind,
        row.state,
        row.subject,
        row.team,
        json_list(row.participants),
        row.requested_on.isoformat(),
        _iso(row.scheduled_on),
        _iso(row.held_on),
        row.medium,
        row.version,
        json_list(view.preparers),
        json_list(view.published),
    )


def _conversation_row(row: Sequence[Any]) -> ConversationRow:
    return ConversationRow(
        id=row[0],
        cycle=row[1],
        kind=row[2],
        state=row[3],
        subject=row[4],
        team=row[5],
        participants=tuple(json.loads(row[6])),
        requested_on=date.fromisoformat(row[7]),
        scheduled_on=_date(row[8]),
        held_on=_date(row[9]),
        medium=row[10],
        version=row[11],
    )


def _agreement_row(row: Sequence[Any]) -> AgreementRow:
    return AgreementRow(
        conversation=row[0],
        agreement=row[1],
        subject=row[2],
        owner=row[3],
        status=row[4],
        due=_date(row[5]),
        made_on=_date(row[6]),
    )


def _load_view(cur: sqlite3.Cursor, conv_id: str) -> ConversationView | None:
    found = cur.execute(
        f"SELECT {_CONVERSATION_COLUMNS}, c.preparers, c.published FROM conversations c "
        "WHERE c.id = ?",
        (conv_id,),
    ).fetchone()
    if found is None:
        return None
    agreements = cur.execute(
        "SELECT conversation, agreement, subject, owner, status, due, made_on FROM agreements "
        "WHERE conversation = ? ORDER BY position",
        (conv_id,),
    ).fetchall()
    return ConversationView(
        row=_conversation_row(found),
        preparers=tuple(json.loads(found[12])),
        published=tuple(json.loads(found[13])),
        agreements=tuple(_agreement_row(a) for a in agreements),
    )
