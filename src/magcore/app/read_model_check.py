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

__all__ = ["Rebuilt", "read_model_problems", "rebuild_read_models"]


@attrs.frozen(kw_only=True)
class Rebuilt:
    """The read models the conversation streams' events give, as one pass read them."""

    models: Mapping[str, ReadModel]
    """By conversation id: the rows its events fold into."""
    kept: frozenset[str]
    """Conversations whose stream was replaced by a tombstone alone: their remaining row
    cannot be rebuilt, and is kept as it is."""
    unfolded: Mapping[str, str]
    """Conversations whose events cannot be folded, with why (their rows are not compared)."""
    versions: Mapping[str, int]
    """Each conversation stream's version as read."""


def rebuild_read_models(store: Store) -> Rebuilt:
    """Fold every conversation stream of *store* again into the read model the lists read, as
    :mod:`magcore.domain.conversation.read_model` does after each command (a destroyed one
    into what remains of it). Used by :func:`read_model_problems` and by the repair
    (:mod:`magcore.app.read_model_repair`)."""
    models: dict[str, ReadModel] = {}
    kept: set[str] = set()
    unfolded: dict[str, str] = {}
    versions: dict[str, int] = {}
    for stream in store.streams("conversation:"):
        ident = stream.partition(":")[2]
        events = store.read(stream)
        if not events:
            continue
        versions[stream] = events[-1].version
        try:
            if events[-1].type == DESTROYED_EVENT:
                before = events[:-1]
                if before:
                    models[ident] = destroyed_read_model(replay(before), events[-1].version)
                else:
                    kept.add(ident)
            else:
                models[ident] = read_model(replay(events))
        except (MagcoreError, ValueError, KeyError, TypeError) as exc:
            unfolded[ident] = f"stream {stream}: its events cannot be folded ({exc})"
    return Rebuilt(models=models, kept=frozenset(kept), unfolded=unfolded, versions=versions)


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
    rebuilt = rebuild_read_models(store)
    problems = list(rebuilt.unfolded.values())
    stored: dict[str, ConversationRow] = {row.id: row for row in store.conversations()}
    known = rebuilt.models
    unknown = rebuilt.kept | set(rebuilt.unfolded)
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
    problems.extend(_people_problems(store, rebuilt))
    return problems


def _people_problems(store: Store, rebuilt: Rebuilt) -> list[str]:
    """Each row of the people index (``conversation_people``: who takes part, which the
    guarded listing reads) that differs from the events, where the store keeps one; named as
    ``magcore store repair-read-models`` writes it back."""
    read = getattr(store, "stored_read_models", None)
    people = read().people if callable(read) else None
    if people is None:
        return []
    want = {
        f"{ident}/{person}": ident
        for ident, model in rebuilt.models.items()
        for person in model.conversation.participants
    }
    skip = rebuilt.kept | set(rebuilt.unfolded)
    got = {
        f"{ident}/{person}": ident
        for ident, held in people.items()
        if ident not in skip
        for person in held
    }
    problems: list[str] = []
    _compare("conversation_people", want, got, problems)
    return problems


def _names(values: Iterable[str | None]) -> set[str]:
    return {v for v in values if v is not None}
