"""Organisation facts column by column: the coding of batch events and their fold into tables.

The batch events of a large first import (``teams.added``, ``people.joined``; see
:mod:`magcore.domain.orgbulk`) hold their facts column by column. Ids are lists; every other
column is coded: its distinct values once (``values``) and, unless there is only one, each
row's index into them (``codes``), or, when most values differ, the plain ``list``. Dates are
ISO texts. A role names the index of its person (or team) in the event (``owner``, left out
when it is 0, 1, 2...). A column of ids is one text, an id a line.

:class:`BulkFold` folds such events straight into the columns of a
:class:`~magcore.model.orgtables.PeopleTable` and a :class:`~magcore.model.orgtables.RoleTable`
(no value per person is made); :func:`apply_bulk` folds one into the value-by-value state of
:class:`~magcore.domain.organisation.OrgState`, as the single events would be. Pure: no I/O.

An e-mail address read back from stored events or a snapshot passes :func:`stored_email`:
stores written before the stricter rules of the input policy may hold one they refuse.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, Protocol

from ..model.input_policy import is_email
from ..model.organisation import Assignment, Organisation, Person, Return, Role, Team, _role_key
from ..model.orgtables import PeopleTable, RoleTable, ids_problem, trusted_team

__all__ = [
    "PEOPLE_JOINED",
    "TEAMS_ADDED",
    "BulkFold",
    "apply_bulk",
    "decode_column",
    "encode_column",
    "join_ids",
    "split_ids",
    "stored_email",
    "stored_emails",
]

#: The batch event types (their names in :class:`~magcore.domain.organisation.OrganisationEvent`).
TEAMS_ADDED = "teams.added"
PEOPLE_JOINED = "people.joined"
_ROLES = {role.value: role for role in Role}

_DAYS: dict[str, date] = {}
"""Dates read from events, by their text: a stream repeats a few thousand dates at most."""


def _date(text: str) -> date:
    """``date.fromisoformat`` for the text of an event, remembered (bounded)."""
    day = _DAYS.get(text)
    if day is None:
        day = date.fromisoformat(text)
        if len(_DAYS) < 50_000:
            _DAYS[text] = day
    return day


def _day(value: Any) -> date | None:
    return None if value is None else _date(value)


_JSON_LEAVES = frozenset({str, int, bool, type(None)})


def _plain(value: Any) -> Any:
    """A value as JSON keeps it: a date as its ISO text, a role as its name."""
    if isinstance(value, date):
        return value.isoformat()
    return value.value if isinstance(value, Role) else value


def encode_column(
    values: Sequence[Any], *, ids: bool = False, constant: bool | None = None
) -> dict[str, Any]:
    """*values* coded: ``{"values": distinct}``, with ``"codes"`` unless there is one value;
    ``{"list": values}`` when most of them differ (coding would not make it shorter), or
    ``{"lines": text}`` for ids (*ids*: every value is an id, :func:`join_ids`). *constant*:
    whether every value is known to be the same (``None``: find out)."""
    if not values:
        return {"values": []}
    first = values[0]
    if constant or (constant is None and values.count(first) == len(values)):
        return {"values": [_plain(first)]}
    sample = values[:256]
    varied = len(set(sample)) * 4 > len(sample)  # most values differ: coding would not help
    distinct = values if varied else list(dict.fromkeys(values))
    if len(distinct) * 4 > len(values):
        if ids:
            return {"lines": join_ids(values)}
        if set(map(type, values)) <= _JSON_LEAVES:
            return {"list": list(values)}
        return {"list": list(map(_plain, values))}
    index = {value: number for number, value in enumerate(distinct)}
    return {"values": list(map(_plain, distinct)), "codes": list(map(index.__getitem__, values))}


def join_ids(ids: Sequence[str]) -> str:
    """A column of ids as one text, one id a line (an id never holds a line break): stored and
    read back as one value instead of one per id."""
    return "\n".join(ids)


def split_ids(text: str, count: int) -> list[str]:
    """The *count* ids of :func:`join_ids`."""
    ids = text.split("\n") if text else []
    if len(ids) != count:
        raise ValueError(f"a column of {count} ids with {len(ids)} lines")
    return ids


def decode_column(data: Mapping[str, Any], count: int, *, dates: bool = False) -> list[Any]:
    """The *count* values of a coded column (dates made from their text when *dates*)."""
    if "lines" in data:
        return split_ids(data["lines"], count)
    if "list" in data:
        plain = list(data["list"])
        if len(plain) != count:
            raise ValueError(f"a column of {count} rows with {len(plain)} values")
        return [None if value is None else _date(value) for value in plain] if dates else plain
    values = list(data["values"])
    if dates:
        values = [None if value is None else _date(value) for value in values]
    codes = data.get("codes")
    if codes is None:
        if count and len(values) != 1:
            raise ValueError(f"a column of {count} rows with {len(values)} values and no codes")
        return values * count
    if len(codes) != count:
        raise ValueError(f"a column of {count} rows with {len(codes)} codes")
    return list(map(values.__getitem__, codes))


def _owners(data: Mapping[str, Any]) -> list[int]:
    owner = data.get("owner")
    return list(range(int(data["count"]))) if owner is None else list(owner)


def stored_email(value: Any) -> str | None:
    """An e-mail address read back from a store, under the rules for *new* input.

    Stores written before these rules may hold an address with a character they refuse (a
    direction mark pasted from a spreadsheet). Such an organisation must still load: the
    address is read without its control, format (direction) and surrogate characters, in NFC,
    when that leaves an address; otherwise as no address (``None``), also when it is no text.
    What is stored is not changed; an ASCII address
    :func:`~magcore.model.input_policy.is_email` takes comes back as it is, any other in NFC
    (as the rules keep new ones).
    """
    if not isinstance(value, str):
        return None
    if value.isascii() and is_email(value):
        return value
    kept = "".join(
        character
        for character in value
        if unicodedata.category(character) not in _NOT_IN_AN_ADDRESS
    )
    cleaned = unicodedata.normalize("NFC", kept)
    return cleaned if is_email(cleaned) else None


#: The characters :func:`stored_email` leaves out: controls, format characters (the direction
#: marks among them) and lone surrogates.
_NOT_IN_AN_ADDRESS = frozenset({"Cc", "Cf", "Cs"})


def stored_emails(column: Iterable[Any]) -> list[str | None]:
    """Each address of a stored column as :func:`stored_email` reads it; the common one (an
    ASCII address :func:`~magcore.model.input_policy.is_email` takes) without the cleaning
    (snapshots are read on every command)."""
    return [
        value
        if value is None or (type(value) is str and value.isascii() and is_email(value))
        else stored_email(value)
        for value in column
    ]


class BulkFold:
    """Batch events folded column by column into tables (no value per person is made)."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.hired_on: list[date | None] = []
        self.left_on: list[date | None] = []
        self.email: list[str | None] = []
        self.returns: dict[str, tuple[Return, ...]] = {}
        self.teams: dict[str, Team] = {}
        self.role_columns: list[list[Any]] = [[], [], [], [], []]

    def apply(self, kind: str, data: Mapping[str, Any]) -> None:
        """Fold one batch event's *data* in."""
        if kind == TEAMS_ADDED:
            self._teams(data)
        elif kind == PEOPLE_JOINED:
            self._people(data)
        else:
            raise ValueError(f"{kind!r} is not a batch event")

    def _teams(self, data: Mapping[str, Any]) -> None:
        columns, count = data["teams"], int(data["count"])
        ids = split_ids(columns["id"], count)
        names = decode_column(columns["name"], count)
        departments = decode_column(columns["department"], count)
        parents = decode_column(columns["parent"], count)
        steering = decode_column(columns["self_steering"], count)
        for tid, name, department, parent, steers in zip(
            ids, names, departments, parents, steering, strict=True
        ):
            self.teams[tid] = trusted_team(tid, name, department, parent, bool(steers))
        managers, held = data["managers"], int(data["managers"]["count"])
        self._add_roles(
            split_ids(managers["person"], held),
            [ids[number] for number in _owners(managers)],
            [Role.MANAGER] * held,
            managers,
        )

    def _people(self, data: Mapping[str, Any]) -> None:
        columns, count = data["people"], int(data["count"])
        ids = split_ids(columns["id"], count)
        self.ids.extend(ids)
        self.hired_on.extend(decode_column(columns["hired_on"], count, dates=True))
        self.left_on.extend(decode_column(columns["left_on"], count, dates=True))
        self.email.extend(stored_emails(decode_column(columns["email"], count)))
        for pid, backs in data.get("returns", {}).items():
            self.returns[pid] = tuple(Return(on=_date(on), absent_days=n) for on, n in backs)
        roles, held = data["roles"], int(data["roles"]["count"])
        owner = roles.get("owner")
        self._add_roles(
            ids[:held] if owner is None else [ids[number] for number in owner],
            decode_column(roles["team"], held),
            [_ROLES.get(value, value) for value in decode_column(roles["role"], held)],
            roles,
        )

    def _add_roles(
        self, person: list[str], team: list[str], role: list[str], data: Mapping[str, Any]
    ) -> None:
        count = len(person)
        start = decode_column(data["start"], count, dates=True)
        end = decode_column(data["end"], count, dates=True)
        columns: tuple[list[Any], ...] = (person, team, role, start, end)
        for column, values in zip(self.role_columns, columns, strict=True):
            column.extend(values)

    def organisation(self, org_id: str, name: str) -> Organisation:
        """The organisation folded so far, its people's and roles' columns and its team ids
        checked as a whole (events are read from a store a plugin may also write to; a
        snapshot, sealed, is not checked again)."""
        people = PeopleTable(self.ids, self.hired_on, self.left_on, self.email, self.returns)
        person, team, role, start, end = self.role_columns
        roles = RoleTable(person, team, role, start, end)
        if person == self.ids:  # one role per person, in order: share the people's id column,
            # so that the organisation need not look up every role's person again
            roles = RoleTable.trusted(people.ids, team, roles.role, start, end)
        problem = ids_problem(list(self.teams), "teams")
        if problem is not None:
            raise problem
        teams = dict(self.teams)
        return Organisation(id=org_id, name=name, people=people, teams=teams, assignments=roles)


class _State(Protocol):
    """What :func:`apply_bulk` changes of an :class:`~magcore.domain.organisation.OrgState`."""

    people: dict[str, Person]
    teams: dict[str, Team]
    roles: dict[str, list[Assignment]]
    managers: dict[str, list[Assignment]]
    joined: dict[str, date | None]
    left: dict[str, date]


def apply_bulk(state: _State, kind: str, data: Mapping[str, Any]) -> None:
    """Fold one batch event into *state*, as its single events would be folded."""
    fold = BulkFold()
    fold.apply(kind, data)
    person, team, role, start, end = fold.role_columns
    held: dict[str, list[Assignment]] = {}
    key = "team" if kind == TEAMS_ADDED else "person"
    for values in zip(person, team, role, start, end, strict=True):
        assignment = Assignment(
            person=values[0], team=values[1], role=values[2], start=values[3], end=values[4]
        )
        held.setdefault(getattr(assignment, key), []).append(assignment)
    if kind == TEAMS_ADDED:
        for tid, team_value in fold.teams.items():
            state.teams[tid] = Team(
                id=tid,
                name=team_value.name,
                department=team_value.department,
                parent=team_value.parent,
                self_steering=team_value.self_steering,
            )
            state.managers[tid] = sorted(held.get(tid, ()), key=_role_key)
        return
    for number, pid in enumerate(fold.ids):
        state.people[pid] = Person(
            id=pid,
            hired_on=fold.hired_on[number],
            left_on=fold.left_on[number],
            email=fold.email[number],
            returns=fold.returns.get(pid, ()),
        )
        state.joined[pid] = fold.hired_on[number]
        gone = fold.left_on[number]
        if gone is not None:
            state.left[pid] = gone
        roles = sorted(held.get(pid, ()), key=_role_key)
        if roles:
            state.roles[pid] = roles
        else:
            state.roles.pop(pid, None)
