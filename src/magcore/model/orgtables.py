"""People and roles held column by column: a large organisation without a million objects.

An :class:`~magcore.model.organisation.Organisation` of a million people holds a million
:class:`~magcore.model.organisation.Person` and a million
:class:`~magcore.model.organisation.Assignment` values when its ``people`` is a dict and its
``assignments`` a tuple: building them takes longer than reading the file they come from.
:class:`PeopleTable` (a ``Mapping`` of person id to ``Person``) and :class:`RoleTable` (a
``Sequence`` of ``Assignment``) hold the same facts as lists, one per field, and make a value
only when it is asked for. An organisation built from them is the same value: it compares
equal to one built from dicts and tuples, and every query answers the same.

Both check their columns as a whole when they are made (ids by the input policy, dates, e-mail
addresses, a person's dates in order, roles that end after they start) and raise
:class:`~magcore.errors.DefinitionError` naming the field and the row.
:meth:`PeopleTable.trusted` and :meth:`RoleTable.trusted` skip those checks: for columns this
library checked itself (the CSV reader) or sealed itself (an organisation snapshot).

>>> from datetime import date
>>> from magcore.model.organisation import Organisation, Team
>>> people = PeopleTable(["p1", "p2"], hired_on=[date(2024, 1, 1), None])
>>> roles = RoleTable(["p1", "p2"], ["t1", "t1"], ["manager", "member"],
...                   [date(2024, 1, 1), date(2024, 3, 1)])
>>> org = Organisation(id="org", people=people, teams={"t1": Team(id="t1")}, assignments=roles)
>>> org.manager_of("p2", date(2024, 6, 1))
'p1'
>>> org.people["p1"].hired_on
datetime.date(2024, 1, 1)
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import operator
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any, overload

import attrs

from ..errors import DefinitionError
from .input_policy import email_problem, id_problem, is_email, normalise
from .organisation import (
    Assignment,
    Organisation,
    PeopleColumns,
    Person,
    Return,
    Role,
    RoleColumns,
    Team,
)
from .orgroles import as_org_role, org_role_problem

__all__ = [
    "PeopleTable",
    "RoleTable",
    "cyclic_gc_paused",
    "ids_problem",
    "trusted_organisation",
    "trusted_team",
]

_set = object.__setattr__
_NO_RETURNS: tuple[Return, ...] = ()
_NOT_ID_CHARACTER = re.compile(r"[^A-Za-z0-9._:@#\n-]")
"""A character no id has (the newline joins the ids)."""
_BAD_SEGMENT_START = re.compile(r"[\n#][^A-Za-z0-9]")
"""An id, or a part after ``#``, that does not start with a letter or digit (or is empty)."""
_SEGMENT = 128


_FIELDS: dict[type, tuple[str, ...]] = {}


def _made(kind: type[Any], values: tuple[Any, ...]) -> Any:
    """A frozen attrs value of *kind* from *values* already checked, one per field in the order
    the class declares them (no validator or converter runs; a field added to the class and
    not given here is an error, not a value left half-made)."""
    names = _FIELDS.get(kind)
    if names is None:
        names = _FIELDS[kind] = tuple(field.name for field in attrs.fields(kind))
    made = object.__new__(kind)
    for name, value in zip(names, values, strict=True):
        _set(made, name, value)
    return made


def _person(
    pid: str,
    hired_on: date | None,
    left_on: date | None,
    email: str | None,
    returns: tuple[Return, ...],
) -> Person:
    """A Person from values already checked. Made for every row read from a table, so its
    fields are set one by one (:func:`_made` costs three times as much per value)."""
    person = object.__new__(Person)
    _set(person, "id", pid)
    _set(person, "hired_on", hired_on)
    _set(person, "left_on", left_on)
    _set(person, "email", email)
    _set(person, "returns", returns)
    return person


def _assignment(person: str, team: str, role: str, start: date, end: date | None) -> Assignment:
    """An Assignment from values already checked, made for every role read from a table (as
    :func:`_person`)."""
    made = object.__new__(Assignment)
    _set(made, "person", person)
    _set(made, "team", team)
    _set(made, "role", role)
    _set(made, "start", start)
    _set(made, "end", end)
    return made


def _same_fields(kind: type, *names: str) -> None:
    """The makers here set every field of *kind* in this order: a field added, renamed or moved
    in the class must be changed here too."""
    fields = tuple(field.name for field in attrs.fields(kind))
    if fields != names:  # pragma: no cover - a guard for whoever changes the value
        raise RuntimeError(f"orgtables makes {kind.__name__} with {names}, not {fields}")


_same_fields(Person, "id", "hired_on", "left_on", "email", "returns")
_same_fields(Assignment, "person", "team", "role", "start", "end")
_same_fields(Team, "id", "name", "department", "parent", "self_steering")
_same_fields(Organisation, "id", "name", "people", "teams", "assignments")


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a large organisation is read, imported
    or loaded (or a large batch of events is sealed and written,
    :meth:`magcore.access.content.ContentStore.append`), and resumed after (unless it was off
    already).

    Columns of a million values are long lists; every full collection walks them again, and
    objects made meanwhile (teams, events) set off collections: reading a million-row file took
    about a tenth longer with the collector on. These steps make no reference cycles, and
    reference counting frees everything as usual.
    """
    was_on = gc.isenabled()
    if was_on:
        gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def trusted_team(
    tid: str, name: str, department: str | None, parent: str | None, self_steering: bool
) -> Team:
    """A Team from values already checked (ids, NFC texts by the input policy)."""
    team: Team = _made(Team, (tid, name, department, parent, self_steering))
    return team


def trusted_organisation(
    org_id: str,
    name: str,
    people: Mapping[str, Person],
    teams: Mapping[str, Team],
    assignments: Sequence[Assignment],
) -> Organisation:
    """An Organisation of parts this library checked or sealed itself, made without checking
    them again (its indexes are still made when first asked for)."""
    org: Organisation = _made(Organisation, (org_id, name, people, teams, assignments))
    return org


def ids_problem(
    values: Iterable[Any], field: str, *, texts: bool = False, longest: int | None = None
) -> DefinitionError | None:
    """Why one of *values* is not an id (naming *field* and the row), or ``None``: the whole
    column is searched at once, each value only when something is found. *texts*: every value
    is known to be a text; *longest*: no value is known to be longer."""
    column = values if isinstance(values, list | tuple) else list(values)
    if texts or set(map(type, column)) <= {str}:
        text = "\n" + "\n".join(column) + "\n"
        if longest is None:
            longest = max(map(len, column), default=0)
        if (
            longest <= _SEGMENT
            and text.count("\n") == len(column) + 1  # no value holds the joining newline
            and not _NOT_ID_CHARACTER.search(text)
            and not _BAD_SEGMENT_START.search(text)
        ):
            return None
    for row, value in enumerate(column):
        problem = id_problem(value, pointer=f"/{field}/{row}")
        if problem is not None:
            return DefinitionError(f"{field} {problem.message}", pointer=problem.pointer)
    return None  # pragma: no cover - the regular expression and id_problem agree


def _dates_problem(column: Sequence[Any], field: str, *, optional: bool) -> DefinitionError | None:
    allowed = {date, type(None)} if optional else {date}
    if set(map(type, column)) <= allowed:
        return None
    for row, value in enumerate(column):
        if type(value) not in allowed:
            return DefinitionError(
                f"{field} must be a date{' or null' if optional else ''}, not {value!r}",
                pointer=f"/{field}/{row}",
            )
    return None  # pragma: no cover


def _lengths(columns: Mapping[str, Sequence[Any]]) -> int:
    sizes = {name: len(column) for name, column in columns.items()}
    count = next(iter(sizes.values()))
    for name, size in sizes.items():
        if size != count:
            raise DefinitionError(
                f"{name} has {size} values, not {count} like the others", pointer=f"/{name}"
            )
    return count


def _list(values: Iterable[Any] | None, count: int) -> list[Any]:
    return [None] * count if values is None else list(values)


class PeopleTable(PeopleColumns):
    """People as columns (``ids``, ``hired_on``, ``left_on``, ``email``; ``returns`` by id),
    a read-only ``Mapping`` of id to :class:`~magcore.model.organisation.Person` that makes a
    ``Person`` when one is asked for. Equal to any mapping with the same people."""

    __slots__ = ("_index", "email", "hired_on", "ids", "left_on", "returns")

    ids: list[str]
    hired_on: list[date | None]
    left_on: list[date | None]
    email: list[str | None]
    returns: Mapping[str, tuple[Return, ...]]
    _index: dict[str, int] | None

    def __init__(
        self,
        ids: Iterable[str],
        hired_on: Iterable[date | None] | None = None,
        left_on: Iterable[date | None] | None = None,
        email: Iterable[str | None] | None = None,
        returns: Mapping[str, Iterable[Return]] | None = None,
    ) -> None:
        people = list(ids)
        count = len(people)
        columns = {
            "ids": people,
            "hired_on": _list(hired_on, count),
            "left_on": _list(left_on, count),
            "email": _list(email, count),
        }
        _lengths(columns)
        problem = ids_problem(people, "ids")
        for field in ("hired_on", "left_on"):
            problem = problem or _dates_problem(columns[field], field, optional=True)
        if problem is not None:
            raise problem
        _check_emails(columns["email"])
        if len(set(people)) != count:
            seen: set[str] = set()
            twice = next(pid for pid in people if pid in seen or seen.add(pid))  # type: ignore[func-returns-value]
            raise DefinitionError(f"person {twice} appears twice", pointer="/people")
        backs = {pid: _returns(pid, found) for pid, found in (returns or {}).items()}
        self._fill(people, columns["hired_on"], columns["left_on"], columns["email"], backs)
        _check_people(self)

    @classmethod
    def trusted(
        cls,
        ids: list[str],
        hired_on: list[date | None],
        left_on: list[date | None],
        email: list[str | None],
        returns: Mapping[str, tuple[Return, ...]] | None = None,
    ) -> PeopleTable:
        """A table of columns this library checked or sealed itself: no check at all (the ids
        must be unique)."""
        table = cls.__new__(cls)
        table._fill(ids, hired_on, left_on, email, dict(returns or {}))
        return table

    @classmethod
    def of(cls, people: Mapping[str, Person]) -> PeopleTable:
        """The table of *people* (itself if it is one)."""
        if isinstance(people, PeopleTable):
            return people
        values = list(people.values())
        return cls.trusted(
            [p.id for p in values],
            [p.hired_on for p in values],
            [p.left_on for p in values],
            [p.email for p in values],
            {p.id: p.returns for p in values if p.returns},
        )

    def _fill(
        self,
        ids: list[str],
        hired_on: list[date | None],
        left_on: list[date | None],
        email: list[str | None],
        returns: Mapping[str, tuple[Return, ...]],
    ) -> None:
        self.ids, self.hired_on, self.left_on, self.email = ids, hired_on, left_on, email
        self.returns, self._index = returns, None
        unknown = returns.keys() - self.index.keys() if returns else ()
        if unknown:
            raise DefinitionError(
                f"returns name unknown person {min(unknown)!r}", pointer="/returns"
            )

    @property
    def index(self) -> dict[str, int]:
        """The row of each person's id (made when first needed)."""
        index = self._index
        if index is None:
            index = self._index = dict(zip(self.ids, range(len(self.ids)), strict=True))
        return index

    def __getitem__(self, pid: str) -> Person:
        row = self.index[pid]
        return _person(
            pid,
            self.hired_on[row],
            self.left_on[row],
            self.email[row],
            self.returns.get(pid, _NO_RETURNS),
        )

    def __contains__(self, pid: object) -> bool:
        return pid in self.index

    def __iter__(self) -> Iterator[str]:
        return iter(self.ids)

    def __len__(self) -> int:
        return len(self.ids)

    def values(self) -> Iterator[Person]:  # type: ignore[override]
        """Every person, made one at a time."""
        returns = self.returns
        found = map(returns.get, self.ids, itertools.repeat(_NO_RETURNS))
        return map(_person, self.ids, self.hired_on, self.left_on, self.email, found)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PeopleTable):
            if self.ids == other.ids:
                return (
                    self.hired_on == other.hired_on
                    and self.left_on == other.left_on
                    and self.email == other.email
                    and dict(self.returns) == dict(other.returns)
                )
            return len(self) == len(other) and dict(self.items()) == dict(other.items())
        if isinstance(other, Mapping):
            return len(self) == len(other) and dict(self.items()) == dict(other.items())
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"PeopleTable({len(self)} people)"

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            PeopleTable.trusted,
            (self.ids, self.hired_on, self.left_on, self.email, dict(self.returns)),
        )


def _returns(pid: str, found: Iterable[Return]) -> tuple[Return, ...]:
    backs = tuple(found)
    for back in backs:
        if not isinstance(back, Return):
            raise DefinitionError(
                f"returns of {pid} must be Return values, not {back!r}", pointer="/returns"
            )
    return tuple(sorted({b.on: b for b in sorted(backs)}.values()))


def _roles(kinds: list[Any]) -> list[str]:
    """The role column: a :class:`~magcore.model.organisation.Role` for a built-in role, else
    the role id (one check per distinct value); a bad one is refused naming its row."""
    known: dict[Any, str] = {}
    try:
        for kind in set(kinds):
            known[kind] = as_org_role(kind)
    except (DefinitionError, TypeError):
        row = next(i for i, kind in enumerate(kinds) if org_role_problem(kind) is not None)
        raise DefinitionError(f"{org_role_problem(kinds[row])}", pointer=f"/role/{row}") from None
    return list(map(known.__getitem__, kinds))


def _check_emails(column: list[str | None]) -> None:
    """Every address in *column* (a list of the table's own) in NFC and by the input policy."""
    for row, value in enumerate(column):
        if value is None:
            continue
        if type(value) is str and not value.isascii():
            value = column[row] = normalise(value)
        if is_email(value):
            continue
        problem = email_problem(value, pointer=f"/email/{row}")
        if problem is not None:
            raise DefinitionError(f"email {problem.message}", pointer=problem.pointer)


def _check_people(table: PeopleTable) -> None:
    """A person's dates in order: not leaving before being hired, returns after the hire."""
    if table.left_on.count(None) != len(table.left_on):
        for row, (hired, left) in enumerate(zip(table.hired_on, table.left_on, strict=True)):
            if hired is not None and left is not None and left < hired:
                pid = table.ids[row]
                raise DefinitionError(
                    f"person {pid} leaves ({left}) before being hired ({hired})",
                    pointer=f"/left_on/{row}",
                )
    for pid, backs in table.returns.items():
        hired = table.hired_on[table.index[pid]]
        for back in backs:
            if hired is not None and back.on <= hired:
                raise DefinitionError(
                    f"person {pid} returns ({back.on}) on or before being hired ({hired})",
                    pointer="/returned_on",
                )


class RoleTable(RoleColumns):
    """Roles as columns (``person``, ``team``, ``role``, ``start``, ``end``), a read-only
    ``Sequence`` of :class:`~magcore.model.organisation.Assignment` that makes one when it is
    asked for. Equal to any sequence of the same assignments in the same order."""

    __slots__ = ("end", "person", "role", "start", "team")

    person: list[str]
    team: list[str]
    role: list[str]
    start: list[date]
    end: list[date | None]

    def __init__(
        self,
        person: Iterable[str],
        team: Iterable[str],
        role: Iterable[Role | str],
        start: Iterable[date],
        end: Iterable[date | None] | None = None,
    ) -> None:
        people, teams, kinds = list(person), list(team), list(role)
        count = len(people)
        starts: list[date] = list(start)
        ends: list[date | None] = _list(end, count)
        columns: dict[str, Sequence[Any]] = {
            "person": people,
            "team": teams,
            "role": kinds,
            "start": starts,
            "end": ends,
        }
        _lengths(columns)
        problem = ids_problem(people, "person") or ids_problem(teams, "team")
        problem = problem or _dates_problem(columns["start"], "start", optional=False)
        problem = problem or _dates_problem(columns["end"], "end", optional=True)
        if problem is not None:
            raise problem
        roles = _roles(kinds)
        if ends.count(None) != count:
            for row, (first, last) in enumerate(zip(starts, ends, strict=True)):
                if last is not None and last <= first:
                    raise DefinitionError(
                        f"assignment of {people[row]} to {teams[row]} ends ({last}) on or "
                        f"before it starts ({first})",
                        pointer=f"/end/{row}",
                    )
        self._fill(people, teams, roles, starts, ends)

    @classmethod
    def trusted(
        cls,
        person: list[str],
        team: list[str],
        role: list[str],
        start: list[date],
        end: list[date | None],
    ) -> RoleTable:
        """A table of columns this library checked or sealed itself (no checks)."""
        table = cls.__new__(cls)
        table._fill(person, team, role, start, end)
        return table

    @classmethod
    def of(cls, assignments: Iterable[Assignment]) -> RoleTable:
        """The table of *assignments* (itself if it is one)."""
        if isinstance(assignments, RoleTable):
            return assignments
        held = list(assignments)
        return cls.trusted(
            [a.person for a in held],
            [a.team for a in held],
            [a.role for a in held],
            [a.start for a in held],
            [a.end for a in held],
        )

    def _fill(
        self,
        person: list[str],
        team: list[str],
        role: list[str],
        start: list[date],
        end: list[date | None],
    ) -> None:
        self.person, self.team, self.role, self.start, self.end = person, team, role, start, end

    @overload
    def __getitem__(self, index: int) -> Assignment: ...

    @overload
    def __getitem__(self, index: slice) -> RoleTable: ...

    def __getitem__(self, index: int | slice) -> Assignment | RoleTable:
        if isinstance(index, slice):
            return RoleTable.trusted(
                self.person[index],
                self.team[index],
                self.role[index],
                self.start[index],
                self.end[index],
            )
        return _assignment(
            self.person[index], self.team[index], self.role[index], self.start[index],
            self.end[index],
        )  # fmt: skip

    def __len__(self) -> int:
        return len(self.person)

    def __iter__(self) -> Iterator[Assignment]:
        return map(_assignment, self.person, self.team, self.role, self.start, self.end)

    def sorted_rows(self) -> list[tuple[str, str, str, date, date]]:
        """Every role as a tuple, in the order of person, team, role, start and end (to compare
        two tables whatever their order)."""
        ends = [date.max if end is None else end for end in self.end]
        kinds = list(map(str, self.role))
        return sorted(zip(self.person, self.team, kinds, self.start, ends, strict=True))

    def rows_of(self, role: str) -> list[int]:
        """The rows holding *role* (without making an ``Assignment`` for the others)."""
        same = operator.is_ if isinstance(role, Role) else operator.eq
        wanted = map(same, self.role, itertools.repeat(role))
        return list(itertools.compress(range(len(self.role)), wanted))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RoleTable):
            return (
                self.person == other.person
                and self.team == other.team
                and self.role == other.role
                and self.start == other.start
                and self.end == other.end
            )
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(self) == len(other) and all(map(operator.eq, self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"RoleTable({len(self)} roles)"

    def __reduce__(self) -> tuple[Any, ...]:
        return (RoleTable.trusted, (self.person, self.team, self.role, self.start, self.end))
