"""Whom a guarded listing lists as a participant: as the conversations' events say.

The participant part of a listing ("the conversations I take part in") comes from the
read-model tables ``conversations`` and ``conversation_people``, which a database administrator
can write without any key: a row naming someone in another person's conversation would list it
to them as a participant (its kind, state and subject), the reads behind it still refused. The
people of a conversation, whom it is about, its cycle and its kind are fixed by its first event
(``conversation.requested``), which the keyed audit chain covers; :func:`confirmed_participations`
keeps a row only when that event names the person and agrees with the row, in one indexed query
per 500 conversations. A row that does not agree is left out and named (the listing's doubts),
and the conversation is listed as its events give it when they name the person.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ..domain.conversation.state import subject_of
from ..storage.base import ConversationRow
from ..storage.read_model_rows import Dialect

__all__ = ["confirmed_participations"]

_CHUNK = 500

Fetch = Callable[[str, Sequence[Any]], Iterable[Sequence[Any]]]


def _first_events(
    dialect: Dialect, fetch: Fetch, conversations: Sequence[str]
) -> dict[str, Mapping[str, Any]]:
    """The data of each conversation's first event, by conversation id."""
    found: dict[str, Mapping[str, Any]] = {}
    mark = dialect.placeholder
    for start in range(0, len(conversations), _CHUNK):
        chunk = conversations[start : start + _CHUNK]
        marks = ", ".join([mark] * len(chunk))
        for stream, data in fetch(
            f"SELECT stream, data FROM {dialect.table('events')} "
            f"WHERE version = 1 AND stream IN ({marks})",
            [f"conversation:{c}" for c in chunk],
        ):
            try:
                parsed = json.loads(data) if isinstance(data, str | bytes) else data
            except ValueError:
                continue
            if isinstance(parsed, Mapping):
                found[str(stream).partition(":")[2]] = parsed
    return found


def _people(data: Mapping[str, Any]) -> set[str]:
    people = data.get("participants")
    if not isinstance(people, list | tuple):
        return set()
    return {
        p["person"] for p in people if isinstance(p, Mapping) and isinstance(p.get("person"), str)
    }


def confirmed_participations(
    person: str,
    rows: Iterable[ConversationRow],
    dialect: Dialect,
    fetch: Fetch,
    problems: list[str],
) -> list[ConversationRow]:
    """The rows of *rows* (the conversations the read model says *person* takes part in) whose
    first event names *person* and agrees with the row's subject, cycle and kind; each other
    row is named in *problems* and left out."""
    listed = list(rows)
    if not listed:
        return listed
    first = _first_events(dialect, fetch, sorted({row.id for row in listed}))
    kept: list[ConversationRow] = []
    for row in listed:
        data = first.get(row.id)
        if data is None:
            problems.append(
                f"conversation {row.id}: the read model lists {person} in it, and the event log "
                "holds no such conversation: left out"
            )
        elif person not in _people(data):
            problems.append(
                f"conversation {row.id}: the read model lists {person} in it, and its events do "
                "not (an edited people row): left out"
            )
        elif (row.subject, row.cycle, row.kind) != (
            subject_of(data),
            data.get("cycle"),
            data.get("kind"),
        ):
            problems.append(
                f"conversation {row.id}: its read-model row differs from its events (whom it is "
                "about, its cycle or kind): left out; run `magcore store check`"
            )
        else:
            kept.append(row)
    return kept
