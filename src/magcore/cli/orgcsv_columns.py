"""The organisation CSV read column by column: a million rows without a million objects.

:func:`read_columns` reads a clean file into an organisation of
:class:`~magcore.model.orgtables.PeopleTable` and :class:`~magcore.model.orgtables.RoleTable`
with whole-column checks (every distinct id, date, role and name once), and gives ``None`` at
the first sign of anything the line-by-line reader (:mod:`magcore.cli.orgcsv`) would report or
treat specially: that reader then reads the file again and reports every problem with its line.
A file both accept gives equal organisations (a property test holds them to it).
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import operator
import re
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from ..errors import DefinitionError
from ..model.input_policy import is_email, normalise, text_problem
from ..model.organisation import Organisation, Role, Team
from ..model.orgroles import org_role_problem
from ..model.orgtables import (
    PeopleTable,
    RoleTable,
    cyclic_gc_paused,
    ids_problem,
    trusted_organisation,
    trusted_team,
)

__all__ = ["COLUMNS", "REQUIRED", "read_columns"]

REQUIRED = ("person_id", "team_id", "role", "start")
COLUMNS = (
    *REQUIRED,
    "end",
    "team_name",
    "department",
    "parent_team_id",
    "self_steering",
    "hired_on",
    "left_on",
    "email",
    "returned_on",
    "absent_days",
)


def _sniff(first: str) -> csv.Dialect | type[csv.Dialect]:
    """The dialect of the file from its first line (comma, semicolon or tab)."""
    try:
        return csv.Sniffer().sniff(first, delimiters=",;\t")
    except csv.Error:
        return csv.excel


#: Rows (csv module) or characters (a file without quotes) turned into columns at a time: few
#: enough that their values are still in the processor's cache when they are converted (a
#: million rows in chunks of 65,536 took twice as long as in chunks of 512).
CHUNK = 512
BLOCK = 32_768
_ROLES = {role.value: role for role in Role}
_YES = {"yes", "ja", "y", "j", "true", "1"}
_NO = {"no", "nee", "n", "false", "0", ""}
_DATES = frozenset({"start", "end", "hired_on", "left_on", "returned_on"})


class _Unclean(Exception):
    """Something the line-by-line reader reports or treats specially: let it read the file."""


def _decoded(raw: bytes) -> str | None:
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    try:
        return raw.removeprefix(codecs.BOM_UTF8).decode("utf-8")
    except UnicodeDecodeError:
        return None


def read_columns(
    *, org_id: str, name: str, raw: bytes | None = None, text: str | None = None
) -> Organisation | None:
    """The organisation of a clean CSV (*raw* bytes of a file, or *text*), or ``None`` when the
    line-by-line reader must read it (a problem to report, or something it treats specially)."""
    text = _decoded(raw or b"") if text is None else text.removeprefix("\ufeff")
    if not text or text.count("\r") != text.count("\r\n"):
        return None
    try:
        with cyclic_gc_paused():
            return _read(text, org_id=org_id, name=name)
    except (_Unclean, csv.Error, DefinitionError):
        return None


def _header(text: str) -> tuple[list[str], csv.Dialect | type[csv.Dialect]]:
    first = text[: text.find("\n") + 1] if "\n" in text else text
    dialect = _sniff(first)
    header = [h.strip() for h in next(csv.reader(io.StringIO(first, newline=""), dialect))]
    return header, dialect


def _split_chunks(
    text: str, delimiter: str, width: int, longest: list[int]
) -> Iterator[list[list[str]]]:
    """Columns of rows without quotes, a block of about :data:`BLOCK` characters at a time:
    each line split on the delimiter, exactly as the csv module splits a line with no quote in
    it. *longest* gets the length of the longest line (no value is longer)."""
    separators = width - 1
    space = re.compile(r"[^\S\n" + re.escape(delimiter) + "]")  # whitespace in a value
    ascii_spaces = [c for c in " \t\x0b\x0c\x1c\x1d\x1e\x1f" if c != delimiter]
    most = 0
    position, size = text.find("\n") + 1, len(text)
    while 0 < position < size:
        end = text.find("\n", position + BLOCK)
        end = size if end < 0 else end + 1
        block = text[position:end].removesuffix("\n")
        position = end
        lines = block.split("\n")
        if set(map(str.count, lines, itertools.repeat(delimiter))) != {separators}:
            raise _Unclean  # a blank line, or a row of another width
        most = max(most, *map(len, lines))
        values = block.replace("\n", delimiter).split(delimiter)
        spaced = any(c in block for c in ascii_spaces) if block.isascii() else space.search(block)
        if spaced:  # a value to strip, or a name with spaces
            values = [value.strip() for value in values]
        yield [values[column::width] for column in range(width)]
    longest.append(most)


def _csv_chunks(
    text: str, dialect: csv.Dialect | type[csv.Dialect], width: int
) -> Iterator[list[list[str]]]:
    """Columns of rows read by the csv module (quoted values), :data:`CHUNK` rows at a time."""
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    next(reader)
    rows = 0
    while chunk := list(itertools.islice(reader, CHUNK)):
        if any(len(row) != width for row in chunk):
            raise _Unclean  # a blank line, or a row of another width
        rows += len(chunk)
        yield [[value.strip() for value in column] for column in zip(*chunk, strict=True)]
    if reader.line_num != rows + 1:
        raise _Unclean  # a value running over more than one line


class _Columns:
    """The file's columns, converted chunk by chunk (repeated texts and dates kept once)."""

    def __init__(self, header: list[str]) -> None:
        if any(column not in header for column in REQUIRED):
            raise _Unclean
        if len(set(header)) != len(header):
            raise _Unclean
        self.width = len(header)
        self.at = {column: header.index(column) for column in COLUMNS if column in header}
        self.values: dict[str, list[Any]] = {column: [] for column in self.at}
        self.count = 0
        self.shared: dict[str, str] = {}
        self.days: dict[str, date | None] = {"": None}
        self.roles: dict[str, str | None] = {}

    def add(self, columns: list[list[str]]) -> None:
        for column in ("returned_on", "absent_days"):
            if column in self.at and any(columns[self.at[column]]):
                raise _Unclean  # returns after an absence: read line by line
        for column in REQUIRED:
            if "" in columns[self.at[column]]:
                raise _Unclean  # an empty value where one is needed
        for column, index in self.at.items():
            values = columns[index]
            if column in _DATES:
                values = _converted(values, self.days, _date)
            elif column == "role":
                values = _converted(values, self.roles, _role)
            elif column == "team_id":
                values = list(map(self.shared.setdefault, values, values))
            self.values[column].extend(values)
        self.count += len(columns[0])

    def column(self, name: str) -> list[Any]:
        found = self.values.get(name)
        if found is not None:
            return found
        return [None if name in _DATES else ""] * self.count


def _converted(
    values: list[str], known: dict[str, Any], convert: Callable[[str], Any]
) -> list[Any]:
    """*values* converted, each distinct one once (kept in *known* for the next chunk)."""
    first = values[0]
    if values.count(first) == len(values):  # one value all along (a start date, a role)
        converted = known.get(first)
        if converted is None and first not in known:
            converted = known[first] = convert(first)
        return [converted] * len(values)
    for value in set(values).difference(known):
        known[value] = convert(value)
    return list(map(known.__getitem__, values))


def _role(raw: str) -> str:
    lower = raw.lower()
    role = _ROLES.get(lower)
    if role is not None:
        return role
    if org_role_problem(lower) is not None:
        raise _Unclean
    return lower  # another role, such as hr_adviser


def _read(text: str, *, org_id: str, name: str) -> Organisation:
    header, dialect = _header(text)
    columns = _Columns(header)
    quote = getattr(dialect, "quotechar", None) or '"'
    longest: list[int] = []
    if quote in text or "\x00" in text or getattr(dialect, "escapechar", None):
        chunks = _csv_chunks(text, dialect, columns.width)
    else:
        text = text.replace("\r\n", "\n")
        chunks = _split_chunks(text, dialect.delimiter, columns.width, longest)
    for chunk in chunks:
        columns.add(chunk)
    count = columns.count
    if count == 0:
        raise _Unclean
    person: list[str] = columns.column("person_id")
    team: list[str] = columns.column("team_id")
    roles: list[str] = columns.column("role")
    start: list[date | None] = columns.column("start")
    end: list[date | None] = columns.column("end")
    most = longest[0] if longest else None
    if ids_problem(list(columns.shared), "team", texts=True, longest=most) is not None:
        raise _Unclean
    if ids_problem(person, "person", texts=True, longest=most) is not None:
        raise _Unclean
    if end.count(None) != count and any(
        last is not None and last <= first  # type: ignore[operator]
        for first, last in zip(start, end, strict=True)
    ):
        raise _Unclean
    teams = _teams(columns, team)
    people = _people(columns, person)
    _check_hired(person, start, people)  # type: ignore[arg-type]
    _check_roles(person, team, roles, start, end, people)  # type: ignore[arg-type]
    table = RoleTable.trusted(person, team, roles, start, end)  # type: ignore[arg-type]
    # Everything Organisation checks is checked above, column by column: every role's person is
    # one of the people (the same column) and its team one of the teams (read from the same
    # rows), parents are teams, one manager at a time. Only the organisation's own id and name
    # are left.
    head = Organisation(id=org_id, name=name)
    return trusted_organisation(head.id, head.name, people, teams, table)


def _date(raw: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise _Unclean from None


def _text(value: str) -> str:
    """A team's name or department as the Team value keeps it (NFC), checked."""
    shown = normalise(value)
    if text_problem(shown, pointer="/name", max_length=200) is not None:
        raise _Unclean
    return str(shown)


def _teams(columns: _Columns, team: list[str]) -> dict[str, Team]:
    """The teams, by the rules of the line-by-line reader: a team's first row gives its
    department and whether it steers itself, its first name and parent are the first ones any
    of its rows gives, and two parents for one team are unclean."""
    values = columns.values
    texts: dict[str, str] = {"": ""}
    for field in ("team_name", "department"):
        for text in set(values.get(field, ())):
            texts[text] = _text(text)
    steering_of = values.get("self_steering")
    if steering_of is not None and not {v.lower() for v in set(steering_of)} <= _YES | _NO:
        raise _Unclean
    names: dict[str, str] = {}
    label_of = values.get("team_name")
    if label_of is not None:
        for row in itertools.compress(range(len(team)), label_of):
            names.setdefault(team[row], texts[label_of[row]])
    parent_of: dict[str, str] = {}
    parent_in = values.get("parent_team_id")
    if parent_in is not None:
        if ids_problem([p for p in set(parent_in) if p], "parent") is not None:
            raise _Unclean
        for row in itertools.compress(range(len(team)), parent_in):
            tid, parent = team[row], parent_in[row]
            if parent == tid or parent_of.setdefault(tid, parent) != parent:
                raise _Unclean  # its own parent, or two parents
    section_of = values.get("department")
    teams: dict[str, Team] = {}
    if section_of is None and steering_of is None:  # nothing that only the first row gives
        for tid in dict.fromkeys(team):
            teams[tid] = trusted_team(tid, names.get(tid, ""), None, parent_of.get(tid), False)
    else:
        first_rows = dict(zip(reversed(team), range(len(team) - 1, -1, -1), strict=True))
        for tid, row in first_rows.items():
            section = texts[section_of[row]] if section_of is not None else ""
            steers = steering_of is not None and steering_of[row].lower() in _YES
            teams[tid] = trusted_team(
                tid, names.get(tid, ""), section or None, parent_of.get(tid), steers
            )
    _check_tree(parent_of, teams)
    return teams


def _check_tree(parent_of: dict[str, str], teams: dict[str, Team]) -> None:
    for parent in parent_of.values():
        if parent not in teams:
            raise _Unclean
    on_top: set[str] = set()  # teams whose parents lead to a team without one
    for start in parent_of:
        seen = {start}
        current = parent_of[start]
        while current in parent_of and current not in on_top:
            if current in seen:
                raise _Unclean  # a circle: the line-by-line reader names it
            seen.add(current)
            current = parent_of[current]
        on_top.update(seen)


def _people(columns: _Columns, person: list[str]) -> PeopleTable:
    hired: list[date | None] = columns.column("hired_on")
    left: list[date | None] = columns.column("left_on")
    raw_email: list[str] = columns.column("email")
    email: list[str | None]
    if any(raw_email):
        for address in set(raw_email):
            if address and not is_email(address):
                raise _Unclean  # the line-by-line reader normalises it, or names the problem
        email = [normalise(address) or None for address in raw_email]
    else:
        email = [None] * len(person)
    if _increasing(person) or len(set(person)) == len(person):  # each person on one row
        ids, hired_on, left_on, emails = person, hired, left, email
    else:
        ids, hired_on, left_on, emails = _merged(person, hired, left, email)
    if left_on.count(None) != len(left_on) and any(
        h is not None and gone is not None and gone < h
        for h, gone in zip(hired_on, left_on, strict=True)
    ):
        raise _Unclean
    return PeopleTable.trusted(ids, hired_on, left_on, emails)


def _check_hired(person: list[str], start: list[date], people: PeopleTable) -> None:
    """No role starts before its person's ``hired_on`` (the line-by-line reader names it)."""
    hired_on = people.hired_on
    if hired_on.count(None) == len(hired_on):
        return
    ids = people.ids
    hired = hired_on if ids is person else [*map(dict(zip(ids, hired_on, strict=True)).get, person)]
    if any(h is not None and s < h for s, h in zip(start, hired, strict=True)):
        raise _Unclean


def _increasing(values: list[str]) -> bool:
    """Whether *values* are in strictly increasing order (so each is there once): a file
    sorted by person id is checked without a set of a million ids."""
    return all(map(operator.lt, values, itertools.islice(values, 1, None)))


def _merged(
    person: list[str], hired: list[date | None], left: list[date | None], email: list[str | None]
) -> tuple[list[str], list[date | None], list[date | None], list[str | None]]:
    """One record per person from their rows, by the line-by-line reader's rules."""
    record: dict[str, tuple[date | None, date | None, str | None]] = {}
    for pid, h, gone, address in zip(person, hired, left, email, strict=True):
        known = record.get(pid)
        if known is None:
            record[pid] = (h, gone, address)
            continue
        if address and known[2] != address:
            if known[2]:
                raise _Unclean
            known = record[pid] = (known[0], known[1], address)
        if (h or gone) and (known[0], known[1]) != (h, gone):
            if known[0] is None and known[1] is None:
                record[pid] = (h, gone, address)
            else:
                raise _Unclean
    ids = list(record)
    values = list(record.values())
    return ids, [v[0] for v in values], [v[1] for v in values], [v[2] for v in values]


def _overlap(a: tuple[date, date | None], b: tuple[date, date | None]) -> bool:
    return (b[1] is None or a[0] < b[1]) and (a[1] is None or b[0] < a[1])


def _check_roles(
    person: list[str],
    team: list[str],
    roles: list[str],
    start: list[date],
    end: list[date | None],
    people: PeopleTable,
) -> None:
    """No role held twice at once by one person; one manager of a team at a time."""
    if len(people) != len(person):
        twice = {pid for pid, n in Counter(person).items() if n > 1}
        held: dict[tuple[str, str, str], list[tuple[date, date | None]]] = {}
        for row in itertools.compress(range(len(person)), map(twice.__contains__, person)):
            key = (person[row], team[row], roles[row])
            period = (start[row], end[row])
            if any(_overlap(period, other) for other in held.get(key, ())):
                raise _Unclean
            held.setdefault(key, []).append(period)
    managing = itertools.compress(
        range(len(roles)), map(operator.is_, roles, itertools.repeat(Role.MANAGER))
    )
    first_of: dict[str, int] = {}
    again: dict[str, list[int]] = {}
    for row in managing:  # most teams have one manager row: only the others are compared
        first = first_of.setdefault(team[row], row)
        if first != row:
            again.setdefault(team[row], [first]).append(row)
    for rows in again.values():
        for at, row in enumerate(rows):
            for other in rows[:at]:
                if person[other] != person[row] and _overlap(
                    (start[row], end[row]), (start[other], end[other])
                ):
                    raise _Unclean
