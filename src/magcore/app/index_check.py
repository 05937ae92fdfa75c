"""The guarded listing's index and the key table checked against the record that explains them.

``magcore store check`` (:func:`magcore.app.maintenance.check_store`) calls these:

* :func:`listing_index_problems` folds every ``person:`` stream again, as a write does
  (:func:`magcore.domain.sharing.listing_rows`, sealed by
  :func:`magcore.storage.listing_sql.person_table_rows`), and names each row of
  ``sharing_choice``, ``restriction`` and ``listing_person`` that differs from what the events
  give: missing, held with no event behind it, or with its columns named. A listing believes
  only rows that verify (:mod:`magcore.access.listing_trust`); this finds every edit, also one
  that only narrows (a choice deleted), and says where.
* :func:`key_problems` names every data key destroyed with no ``destroy`` or ``erase`` line for
  its owner in the audit log (:mod:`magcore.access.key_audit`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from ..access.key_audit import destroy_owners, unexplained_keys
from ..domain.sharing import listing_rows
from ..domain.sharing import replay as replay_sharing
from ..errors import MagcoreError
from ..storage.listing_sql import CHOICE_COLUMNS, person_table_rows

__all__ = ["key_problems", "listing_index_problems"]

_PERSON_COLUMNS = ("subject", "version", "restricted", "seal")


def _plain(value: Any) -> Any:
    """A value as compared: a day as ISO 8601 text (a ``date`` column on PostgreSQL)."""
    return value.isoformat() if isinstance(value, date) else value


def _keyed(
    rows: Sequence[Sequence[Any]], key: Any
) -> tuple[dict[str, tuple[Any, ...]], dict[str, int]]:
    found: dict[str, tuple[Any, ...]] = {}
    times: dict[str, int] = {}
    for row in rows:
        plain = tuple(_plain(v) for v in row)
        name = key(plain)
        found[name] = plain
        times[name] = times.get(name, 0) + 1
    return found, times


def _compare(
    table: str,
    columns: Sequence[str],
    want: Mapping[str, tuple[Any, ...]],
    got: Mapping[str, tuple[Any, ...]],
    times: Mapping[str, int],
    seal_id: str,
    problems: list[str],
) -> None:
    for name in sorted(set(want) | set(got)):
        where = f"listing index table {table}, row {name}"
        if name not in got:
            problems.append(f"{where}: missing (the events hold it)")
            continue
        if name not in want:
            problems.append(f"{where}: the events hold no such row")
            continue
        if times.get(name, 1) > 1:
            problems.append(f"{where}: held {times[name]} times")
        differ = [
            column
            for column, a, b in zip(columns, want[name], got[name], strict=True)
            if a != b and not (column == "seal" and not str(b).startswith(seal_id))
        ]
        if differ:
            problems.append(f"{where}: {', '.join(differ)} do not match the events")


def listing_index_problems(store: Any) -> list[str]:
    """Every row of the listing index of *store* that differs from what the people's events
    fold into, named by table and key (``<person>#<choice>``, ``<person>#<conversation>``
    with ``*`` for the whole record, ``<person>``); ``[]`` for a store without the index (the
    memory store lists from the events) or one whose index still waits to be filled.

    A choice's details are sealed with the person's key in the events: a store that cannot open
    them (no content codec: :class:`~magcore.access.content.ContentStore`) has its
    ``restriction`` and ``listing_person`` rows compared, and of its ``sharing_choice`` rows the
    person and the version (a row of a person without a stream, or not at their version).
    """
    index = getattr(store, "listing_index", None)
    kept = index() if callable(index) else None
    if kept is None or kept.pending:
        return []
    dialect, fetch, key = kept.dialect, kept.fetch, kept.key
    opened = getattr(store, "codec", None) is not None
    problems: list[str] = []
    choices: list[tuple[Any, ...]] = []
    held: list[tuple[Any, ...]] = []
    persons: list[tuple[Any, ...]] = []
    versions: dict[str, int] = {}
    for stream in store.streams("person:"):
        person = stream[7:]
        events = store.read(stream)
        if not events:
            continue
        versions[person] = events[-1].version
        try:
            rows = listing_rows(replay_sharing(person, events))
        except (MagcoreError, ValueError, KeyError, TypeError) as exc:
            problems.append(f"stream {stream}: its events cannot be folded ({exc})")
            continue
        mine, restricted, row = person_table_rows(rows, events[-1].version, dialect, key)
        choices.extend(mine)
        held.extend(restricted)
        persons.append(row)
    seal_id = f"{key.id}:" if key is not None else ":"  # seals compared under this key only

    def choice_key(row: tuple[Any, ...]) -> str:
        return f"{row[1]}#{row[0]}"

    def held_key(row: tuple[Any, ...]) -> str:
        return f"{row[0]}#{row[1] if row[1] is not None else '*'}"

    def person_key(row: tuple[Any, ...]) -> str:
        return str(row[0])

    tables: list[tuple[str, Sequence[str], list[tuple[Any, ...]], Any]] = [
        ("restriction", ("subject", "conversation"), held, held_key),
        ("listing_person", _PERSON_COLUMNS, persons, person_key),
    ]
    if opened:
        tables.insert(0, ("sharing_choice", CHOICE_COLUMNS, choices, choice_key))
    else:
        for subject, number, version in fetch(
            f"SELECT subject, choice, version FROM {dialect.table('sharing_choice')}", ()
        ):
            if version != versions.get(subject):
                problems.append(
                    f"listing index table sharing_choice, row {subject}#{number}: version "
                    f"{version} does not match the events ({versions.get(subject, 0)})"
                )
    for table, columns, want, name in tables:
        stored = list(fetch(f"SELECT {', '.join(columns)} FROM {dialect.table(table)}", ()))
        got, times = _keyed(stored, name)
        wanted, _ = _keyed(want, name)
        _compare(table, columns, wanted, got, times, seal_id, problems)
    return problems


def key_problems(store: Any, *, limit: int = 50) -> list[str]:
    """Every data key of *store* destroyed with no ``destroy`` or ``erase`` line for its owner
    in the audit log, or whose row's two halves disagree (:mod:`magcore.access.key_audit`)."""
    if not callable(getattr(store, "list_keys", None)):
        return []
    return unexplained_keys(store, destroy_owners(store.read_audit()), limit=limit)
