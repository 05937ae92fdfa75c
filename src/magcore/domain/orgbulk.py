"""A large first import as a few events: people who joined and teams added, in batches.

The first import of an organisation of a million people would be a million ``person.joined``
events: minutes to write, audit and fold back. When a first import brings at least
:data:`BULK_FROM` people, it is recorded instead as ``teams.added`` events (up to
:data:`BATCH` teams each, with their managers) and ``people.joined`` events (up to
:data:`BATCH` people each, with their member and coach roles). They are differences like any
other: each person in a ``people.joined`` joined, as a ``person.joined`` would say (their
first working day is their ``hired_on``, else their first role's start), and a person with a
``left_on`` has their leave announced. Every event is audited like any other; the fold gives
the same organisation as the single events would (a property test holds it to that).

Each event holds its facts column by column (:mod:`magcore.domain.orgcolumns` says how, and
folds them back into tables without a value per person). Pure: no I/O.
"""

from __future__ import annotations

import bisect
import itertools
import operator
from collections.abc import Iterator
from datetime import date
from typing import Any

from ..model.organisation import Organisation, Role
from ..model.orgtables import PeopleTable, RoleTable
from .organisation import OrganisationEvent
from .orgchanges import OrgChange
from .orgcolumns import encode_column, join_ids

__all__ = ["BATCH", "BULK_FROM", "BULK_TYPES", "bulk_changes"]

#: A first import of at least this many people is written in batches.
BULK_FROM = 10_000
#: People (or teams) per batch event.
BATCH = 20_000
#: The batch event types.
BULK_TYPES = frozenset({OrganisationEvent.TEAMS_ADDED, OrganisationEvent.PEOPLE_JOINED})


def _people_rows(org: Organisation) -> tuple[PeopleTable, RoleTable, list[int]]:
    """The people and roles as tables, and the rows of manager roles."""
    people, roles = PeopleTable.of(org.people), RoleTable.of(org.assignments)
    return people, roles, roles.rows_of(Role.MANAGER)


def _others(managers: list[int], first: int, last: int) -> list[int]:
    """The rows from *first* to *last* that are not in (sorted) *managers*."""
    skip = managers[_after(managers, first - 1) : _after(managers, last - 1)]
    if not skip:
        return list(range(first, last))
    skipped = set(skip)
    return [row for row in range(first, last) if row not in skipped]


def bulk_changes(org: Organisation, *, today: date) -> Iterator[OrgChange]:
    """The changes of a first import of *org*, in batches: its teams (with their managers),
    then its people (with their member and coach roles)."""
    on = today.isoformat()
    if org.name:
        yield OrgChange(OrganisationEvent.RENAMED, {"on": on, "name": org.name, "previous": ""})
    people, roles, managers = _people_rows(org)
    teams = [org.teams[tid] for tid in sorted(org.teams)]
    by_team: dict[str, list[int]] = {}
    for row in managers:
        by_team.setdefault(roles.team[row], []).append(row)
    for first in range(0, len(teams), BATCH):
        some = teams[first : first + BATCH]
        rows = [row for team in some for row in by_team.get(team.id, ())]
        where = {team.id: number for number, team in enumerate(some)}
        yield OrgChange(
            OrganisationEvent.TEAMS_ADDED,
            {
                "on": on,
                "count": len(some),
                "teams": {
                    "id": join_ids([t.id for t in some]),
                    "name": encode_column([t.name for t in some]),
                    "department": encode_column([t.department for t in some]),
                    "parent": encode_column([t.parent for t in some]),
                    "self_steering": encode_column([t.self_steering for t in some]),
                },
                "managers": _manager_columns(roles, rows, [where[roles.team[r]] for r in rows]),
            },
        )
    aligned = roles.person is people.ids or roles.person == people.ids
    by_person: dict[str, list[int]] = {}
    if not aligned:
        for row in _others(managers, 0, len(roles)):
            by_person.setdefault(roles.person[row], []).append(row)
    same = {
        field: _same(column)
        for field, column in (
            ("hired_on", people.hired_on),
            ("left_on", people.left_on),
            ("email", people.email),
            ("team", roles.team),
            ("role", roles.role),
            ("start", roles.start),
            ("end", roles.end),
        )
    }
    for first in range(0, len(people), BATCH):
        last = min(first + BATCH, len(people))
        ids = people.ids[first:last]
        codes: list[int] | None
        if aligned:  # row r of the roles is person r's only role
            rows = _others(managers, first, last)
            whole = len(rows) == last - first  # every one of them has their role: 0, 1, 2...
            codes = None if whole else list(map(operator.sub, rows, itertools.repeat(first)))
        else:
            rows, codes = [], []
            for number, pid in enumerate(ids):
                held = by_person.get(pid, ())
                rows.extend(held)
                codes.extend([number] * len(held))
        backs = people.returns
        returns = {pid: backs[pid] for pid in ids if pid in backs} if backs else {}
        yield OrgChange(
            OrganisationEvent.PEOPLE_JOINED,
            {
                "on": on,
                "count": len(ids),
                "people": {
                    "id": join_ids(ids),
                    **{
                        field: _column(column, first, last, same[field])
                        for field, column in (
                            ("hired_on", people.hired_on),
                            ("left_on", people.left_on),
                            ("email", people.email),
                        )
                    },
                },
                "returns": {
                    pid: [[back.on.isoformat(), back.absent_days] for back in backs]
                    for pid, backs in returns.items()
                },
                "roles": _member_columns(roles, rows, codes, same, increasing=aligned),
            },
        )


def _after(rows: list[int], value: int) -> int:
    """How many of the sorted *rows* are at most *value*."""
    return bisect.bisect_right(rows, value)


def _pick(values: list[Any], rows: list[int], *, increasing: bool = False) -> list[Any]:
    """The *values* in *rows*, in that order (*increasing*: the rows are known to be)."""
    run = bool(rows) and rows[-1] - rows[0] + 1 == len(rows)
    if run and (increasing or rows == list(range(rows[0], rows[0] + len(rows)))):  # a slice
        return values[rows[0] : rows[0] + len(rows)]
    if len(rows) > 1:
        return list(operator.itemgetter(*rows)(values))
    return [values[row] for row in rows]


def _owned(data: dict[str, Any], owners: list[int] | None) -> dict[str, Any]:
    """*data* with ``owner``: the index in the event of each role's person (or team), left out
    when it is 0, 1, 2... (the roles of the first people, one each, in order)."""
    if owners is not None and owners != list(range(len(owners))):
        data["owner"] = owners
    return data


def _member_columns(
    roles: RoleTable,
    rows: list[int],
    owners: list[int] | None,
    same: dict[str, bool],
    *,
    increasing: bool,
) -> dict[str, Any]:
    """The member and coach roles in *rows*: each one's team, role, start and end (*same*:
    the columns whose every value is the same; *increasing*: whether *rows* are)."""
    return _owned(
        {
            "count": len(rows),
            "team": _picked(roles.team, rows, same["team"], increasing, ids=True),
            "role": _picked(roles.role, rows, same["role"], increasing),
            "start": _picked(roles.start, rows, same["start"], increasing),
            "end": _picked(roles.end, rows, same["end"], increasing),
        },
        owners,
    )


def _same(column: list[Any]) -> bool:
    """Whether every value of *column* is the same (then no batch needs to look at it)."""
    return not column or column.count(column[0]) == len(column)


def _column(values: list[Any], first: int, last: int, same: bool) -> dict[str, Any]:
    """Rows *first* to *last* of *values*, coded (not copied when they are all the same)."""
    if same:
        return encode_column(values[first : first + 1] if last > first else [], constant=True)
    return encode_column(values[first:last])


def _picked(
    values: list[Any], rows: list[int], same: bool, increasing: bool, *, ids: bool = False
) -> dict[str, Any]:
    """The *values* in *rows*, coded (not copied when they are all the same)."""
    if same:
        return encode_column([values[rows[0]]] if rows else [], constant=True)
    return encode_column(_pick(values, rows, increasing=increasing), ids=ids)


def _manager_columns(roles: RoleTable, rows: list[int], owners: list[int]) -> dict[str, Any]:
    """The manager roles in *rows*: each one's person, start and end."""
    return _owned(
        {
            "count": len(rows),
            "person": join_ids(_pick(roles.person, rows)),
            "start": encode_column(_pick(roles.start, rows)),
            "end": encode_column(_pick(roles.end, rows)),
        },
        owners,
    )
