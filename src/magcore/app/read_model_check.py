"""The read models checked against the events: every row rebuilt, every difference named.

The read-model tables (``conversations``, ``agreements``) are not authenticated: the keyed
audit chain covers the events, not the rows folded from them. The library decides nothing
about who reads or what is erased on a row alone (the events decide), but the lists, the
plans and the statistics read the rows, and an edited row is a sign of someone writing in the
database. :func:`read_model_problems` folds every conversation stream again, as
:mod:`magcore.domain.conversation.read_model` does after each command, and names each row that
differs from what the events give: its table, its key and the columns that differ.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from ..access.policy import DESTROYED_EVENT
from ..domain.conversation import destroyed_read_model, read_model, replay
from ..errors import MagcoreError
from ..read_models import AgreementRow, ConversationRow, ReadModel
from ..storage.base import Store

__all__ = ["read_model_problems"]


def _rebuilt(store: Store, problems: list[str]) -> dict[str, ReadModel | None]:
    """The read model each conversation stream's events give (``None`` for a stream whose
    events were replaced by a tombstone: its remaining row cannot be rebuilt, and is kept)."""
    rebuilt: dict[str, ReadModel | None] = {}
    for stream in store.streams("conversation:"):
        ident = stream.partition(":")[2]
        events = store.read(stream)
        try:
            if events and events[-1].type == DESTROYED_EVENT:
                kept = events[:-1]
                rebuilt[ident] = (
                    destroyed_read_model(replay(kept), events[-1].version) if kept else None
                )
            elif events:
                rebuilt[ident] = read_model(replay(events))
        except (MagcoreError, ValueError, KeyError, TypeError) as exc:
            problems.append(f"stream {stream}: its events cannot be folded ({exc})")
            rebuilt[ident] = None
    return rebuilt


def _differing(want: Any, got: Any) -> str:
    names = [
        f.name for f in attrs.fields(type(want)) if getattr(want, f.name) != getattr(got, f.name)
    ]
    return ", ".join(names)


def _stored_agreement_subjects(store: Store) -> set[str]:
    """Every subject the ``agreements`` table names, where the store can say (an SQL store):
    an agreement row moved to a name no conversation has is found too."""
    fetch = getattr(store, "_fetch_rows", None)
    dialect = getattr(store, "dialect", None)
    if fetch is None or dialect is None:
        return set()
    rows = fetch(f"SELECT DISTINCT subject FROM {dialect.table('agreements')}", ())
    return {row[0] for row in rows if isinstance(row[0], str)}


def _compare(
    table: str,
    want: Mapping[str, Any],
    got: Mapping[str, Any],
    problems: list[str],
) -> None:
    for key in sorted(set(want) | set(got)):
        if key not in got:
            problems.append(f"read model table {table}, row {key}: missing (the events hold it)")
        elif key not in want:
            problems.append(f"read model table {table}, row {key}: the events hold no such row")
        elif want[key] != got[key]:
            problems.append(
                f"read model table {table}, row {key}: {_differing(want[key], got[key])} "
                "do not match the events"
            )


def read_model_problems(store: Store) -> list[str]:
    """Every row of the ``conversations`` table and every open agreement the ``agreements``
    table gives that differs from what the conversations' events fold into, named by table and
    key (``<conversation>`` or ``<conversation>#<agreement>``)."""
    problems: list[str] = []
    rebuilt = _rebuilt(store, problems)
    stored: dict[str, ConversationRow] = {row.id: row for row in store.conversations()}
    known = {i: m for i, m in rebuilt.items() if m is not None}
    unknown = {i for i, m in rebuilt.items() if m is None}
    _compare(
        "conversations",
        {i: m.conversation for i, m in known.items()},
        {i: row for i, row in stored.items() if i not in unknown},
        problems,
    )
    subjects = (
        _names(m.conversation.subject for m in known.values())
        | _names(row.subject for row in stored.values())
        | _stored_agreement_subjects(store)
    )
    # the open agreements the events give, by subject: one pass over the conversations
    wanted: dict[str, dict[str, AgreementRow]] = {}
    for m in known.values():
        subject = m.conversation.subject
        if subject is None or m.conversation.state != "agreed":
            continue
        mine = wanted.setdefault(subject, {})
        mine.update(
            (f"{a.conversation}#{a.agreement}", a) for a in m.agreements if a.status == "open"
        )
    for subject in sorted(subjects):
        want = wanted.get(subject, {})
        got = {
            f"{a.conversation}#{a.agreement}": a
            for a in store.open_agreements(subject)
            if a.conversation not in unknown
        }
        _compare("agreements", want, got, problems)
    return problems


def _names(values: Iterable[str | None]) -> set[str]:
    return {v for v in values if v is not None}
