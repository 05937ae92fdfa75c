"""Read an organisation from CSV as HR systems export it: one row per role a person holds.

Columns (the first line names them; order does not matter, extra columns are ignored):

============== ======== ===================================================================
column         needed   meaning
============== ======== ===================================================================
person_id      yes      a stable pseudonymous id (never a name or BSN)
team_id        yes      the team the role is in
role           yes      ``member``, ``manager``, ``coach`` or another role id (``hr_adviser``)
start          yes      first day of the role (YYYY-MM-DD)
end            no       first day the role no longer holds (empty: still holds)
team_name      no       the team's name
department     no       the department the team belongs to (a label)
parent_team_id no       the team whose manager manages this team's manager
self_steering  no       ``yes`` for a team without a manager (Dutch ``ja`` works too)
hired_on       no       the person's first working day
left_on        no       the person's first day no longer employed
email          no       the person's work e-mail address (calendar invitations go to it)
returned_on    no       the first day back at work after a long absence (with absent_days)
absent_days    no       how many days that absence lasted (never its reason)
============== ======== ===================================================================

Commas, semicolons (Dutch spreadsheet exports) and tabs are recognised; UTF-8 with or without a
byte-order mark, and Windows (CRLF) line ends, are read alike. The file is read line by line, so
a bad byte is reported on its own line. Every problem is reported with its line number (up to
:data:`MAX_PROBLEMS`), and nothing is imported then: a value that is not UTF-8, a quote that is
not closed, a value longer than the csv module's limit, a row with more values than columns, a
duplicate role, a role that starts before its person's ``hired_on``, a team that is its own
parent and teams whose parents form a circle.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

import attrs

from ..errors import DefinitionError, MagcoreError, Problem
from ..model.input_files import read_limited
from ..model.organisation import Assignment, Organisation, Person, Return, Role, Team
from ..model.orgroles import org_role_problem
from .orgcsv_columns import COLUMNS, REQUIRED, _sniff, read_columns

__all__ = [
    "COLUMNS",
    "MAX_CSV_BYTES",
    "MAX_PROBLEMS",
    "REQUIRED",
    "OrgCsvError",
    "read_line_by_line",
    "read_organisation_csv",
]

#: Reading stops after this many problems (fix these first; the rest are likely the same kind).
MAX_PROBLEMS = 50

#: The largest organisation file read (512 MiB: several million people); a larger file, a
#: device or a pipe that does not end is refused without being read into memory first.
MAX_CSV_BYTES = 512 * 1024 * 1024
_YES = {"yes", "ja", "y", "j", "true", "1"}
_NO = {"no", "nee", "n", "false", "0", ""}
_YES_NO = _YES | _NO
_ROLES = {role.value: role for role in Role}
_UTF16 = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class OrgCsvError(MagcoreError, ValueError):
    """The CSV cannot be imported; ``problems`` lists every bad line (pointer ``line N``).

    ``stopped`` is true when reading stopped at :data:`MAX_PROBLEMS` problems.
    """

    def __init__(self, source: str, problems: Iterable[Problem], *, stopped: bool = False) -> None:
        self.source = source
        self.problems = tuple(problems)
        self.stopped = stopped
        shown = "; ".join(f"{p.pointer}: {p.message}" for p in self.problems[:5])
        more = f" (+{len(self.problems) - 5} more)" if len(self.problems) > 5 else ""
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        stop = f" (reading stopped after {count}: fix these first)" if stopped else ""
        super().__init__(f"{source}: {count} {noun}{stop}, nothing imported — {shown}{more}")


_Held = tuple[str, str, date, "date | None", int]
"""A role read: team, role, start, end and its line."""


class _Enough(Exception):
    """Raised inside the reader when :data:`MAX_PROBLEMS` problems have been found."""


@attrs.define
class _Collect:
    limit: int
    people: dict[str, Person] = attrs.Factory(dict)
    teams: dict[str, Team] = attrs.Factory(dict)
    assignments: list[Assignment] = attrs.Factory(list)
    problems: list[Problem] = attrs.Factory(list)
    parents: dict[str, tuple[str, int]] = attrs.Factory(dict)
    """team → (parent, line where it was set)."""
    roles: dict[str, _Held | list[_Held]] = attrs.Factory(dict)
    """person → the role(s) read so far (one tuple for most people: a list costs more)."""
    managers: dict[str, list[tuple[date, date | None, int, str]]] = attrs.Factory(dict)
    names: dict[str, str] = attrs.Factory(dict)
    """One copy of each team id read."""
    days: dict[str, date] = attrs.Factory(dict)
    """Dates read so far, by their text (a file repeats a few thousand dates at most)."""
    team_rows: dict[str, tuple[str, str, str, str]] = attrs.Factory(dict)
    """team → the last team columns that made a valid team (not checked again when repeated)."""

    def bad(self, line: int, message: str) -> None:
        self.problems.append(Problem(pointer=f"line {line}", message=message))
        if len(self.problems) >= self.limit:
            raise _Enough


def _date(row: dict[str, str], column: str, line: int, out: _Collect) -> date | None:
    raw = row.get(column)
    if not raw:
        return None
    known = out.days.get(raw)
    if known is not None:
        return known
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        out.bad(line, f"{column} {raw!r} is not a date (write YYYY-MM-DD)")
        return None
    if len(out.days) < 100_000:
        out.days[raw] = day
    return day


def _return(row: dict[str, str], line: int, out: _Collect) -> tuple[Return, ...]:
    """The return after a long absence a row tells (``returned_on`` with ``absent_days``)."""
    back = _date(row, "returned_on", line, out)
    raw = (row.get("absent_days") or "").strip()
    if back is None and not raw:
        return ()
    if back is None or not raw:
        out.bad(line, "returned_on and absent_days go together: fill in both or neither")
        return ()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 5 or int(raw) < 1:
        out.bad(line, f"absent_days {raw!r} is not a whole number of days, 1 or more")
        return ()
    return (Return(on=back, absent_days=int(raw)),)


def _file_lines(path: Path, out: _Collect, bad_lines: set[int]) -> Iterator[str]:
    """The lines of *path* as text, decoded one by one: a bad byte is reported on its line."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1:
                if raw.startswith(_UTF16):
                    out.bad(1, "the file is UTF-16 text: save it as 'CSV UTF-8' and try again")
                    return
                raw = raw.removeprefix(codecs.BOM_UTF8)
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                bad_lines.add(number)
                out.bad(
                    number,
                    f"byte 0x{raw[exc.start]:02X} at position {exc.start + 1} is not UTF-8 text "
                    "(save the file as 'CSV UTF-8')",
                )
                yield raw.decode("utf-8", errors="replace")


def _text_lines(text: str) -> Iterator[str]:
    return iter(io.StringIO(text.removeprefix("\ufeff"), newline=""))


def read_organisation_csv(
    source: str | Path,
    *,
    org_id: str,
    name: str = "",
    text: str | None = None,
    max_problems: int = MAX_PROBLEMS,
) -> Organisation:
    """Build an :class:`~magcore.model.organisation.Organisation` from the CSV at *source*.

    Pass *text* to parse a string instead of reading the file (then *source* is only a label
    in messages). Raises :class:`OrgCsvError` listing every problem with its line (at most
    *max_problems*); nothing is returned half-built. A clean file is read column by column
    (:mod:`magcore.cli.orgcsv_columns`: a million rows in seconds, people and roles held as
    tables); any other file line by line (:func:`read_line_by_line`), with the same result.
    """
    raw = read_limited(source, MAX_CSV_BYTES, what=f"{source}") if text is None else None
    clean = read_columns(org_id=org_id, name=name, raw=raw, text=text)
    if clean is not None:  # a clean file, read column by column
        return clean
    del raw
    return read_line_by_line(source, org_id=org_id, name=name, text=text, max_problems=max_problems)


def read_line_by_line(
    source: str | Path,
    *,
    org_id: str,
    name: str = "",
    text: str | None = None,
    max_problems: int = MAX_PROBLEMS,
) -> Organisation:
    """:func:`read_organisation_csv` line by line: every problem with its line (the column-wise
    reader gives way to this one for any file it does not find clean)."""
    label = str(source)
    out = _Collect(limit=max(1, max_problems))
    bad_lines: set[int] = set()
    try:
        lines = _text_lines(text) if text is not None else _file_lines(Path(source), out, bad_lines)
        _read(lines, out, bad_lines)
        if not out.problems:
            _check_hired(out)
        if not out.problems:
            _check_tree(out)
    except _Enough:
        raise OrgCsvError(label, out.problems, stopped=True) from None
    if out.problems:
        raise OrgCsvError(label, out.problems)
    try:
        return Organisation.build(
            id=org_id,
            name=name,
            people=out.people.values(),
            teams=out.teams.values(),
            assignments=out.assignments,
        )
    except DefinitionError as exc:
        raise OrgCsvError(label, [Problem("file", exc.message)]) from None


def _read(lines: Iterator[str], out: _Collect, bad_lines: set[int]) -> None:
    first = next(lines, None)
    if first is None:
        if not out.problems:
            out.bad(1, "the file is empty: the first line must name the columns")
        return
    reader = csv.reader(itertools.chain([first], lines), dialect=_sniff(first))
    try:
        header = [h.strip() for h in next(reader)]
    except csv.Error as exc:
        out.bad(1, f"the first line cannot be read as column names ({exc})")
        return
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        out.bad(
            1,
            f"missing column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(m) for m in missing)} (needed: {', '.join(REQUIRED)})",
        )
        return
    twice = sorted({h for h in header if h and header.count(h) > 1})
    if twice:
        out.bad(1, f"column{'s' if len(twice) > 1 else ''} {', '.join(twice)} appear(s) twice")
        return
    rows = 0
    while True:
        line = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            limit = csv.field_size_limit()
            if "field limit" in str(exc):
                out.bad(
                    line,
                    f'a value is longer than {limit} characters: is a quote (") not closed?',
                )
            else:
                out.bad(line, f"the line cannot be read as CSV ({exc})")
            return  # what follows a broken line cannot be trusted
        last = reader.line_num
        if not any(v.strip() for v in values):
            continue
        rows += 1
        if line in bad_lines:
            continue  # already reported: a value that is not UTF-8
        if last > line:
            out.bad(
                line,
                f'a value runs on from line {line} to line {last}: is a quote (") not closed?',
            )
            continue
        if len(values) > len(header):
            out.bad(
                line,
                f"more values than the {len(header)} columns: put quotes "
                "around a value that holds the separator",
            )
            continue
        row = {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header)}
        _read_row(row, line, out)
    if rows == 0 and not out.problems:
        out.bad(2, "no rows: the file has a header line but nobody in it")


def _overlaps(start: date, end: date | None, other_start: date, other_end: date | None) -> bool:
    return (other_end is None or start < other_end) and (end is None or other_start < end)


def _read_row(row: dict[str, str], line: int, out: _Collect) -> None:
    problems_before = len(out.problems)
    person_id, team_id = row.get("person_id", ""), row.get("team_id", "")
    team_id = out.names.setdefault(team_id, team_id)  # one copy of an id that many rows repeat
    for column in REQUIRED:
        if not row.get(column):
            out.bad(line, f"{column} is empty")
    role_raw = row.get("role", "").lower()
    role: str | None = None
    if role_raw:
        role = _ROLES.get(role_raw)
        if role is None:
            problem = org_role_problem(role_raw)
            if problem is None:
                role = role_raw  # another role, such as hr_adviser
            else:
                out.bad(line, problem)
    start = _date(row, "start", line, out)
    end = _date(row, "end", line, out)
    hired_on = _date(row, "hired_on", line, out)
    left_on = _date(row, "left_on", line, out)
    returns = _return(row, line, out)
    steering_raw = row.get("self_steering", "").lower()
    if steering_raw not in _YES_NO:
        out.bad(line, f"self_steering {steering_raw!r} is not yes or no")
    parent = row.get("parent_team_id") or None
    if parent is not None and parent == team_id:
        out.bad(line, f"team {team_id} names itself as its parent_team_id")
    if len(out.problems) > problems_before:
        return
    assert role is not None
    assert start is not None
    try:
        person = Person(
            id=person_id,
            hired_on=hired_on,
            left_on=left_on,
            email=row.get("email") or None,
            returns=returns,
        )
        columns = (row.get("team_name", ""), row.get("department", ""), parent or "", steering_raw)
        team: Team | None = None
        if out.team_rows.get(team_id) != columns:  # the same columns again: valid already
            team = Team(
                id=team_id,
                name=columns[0],
                department=columns[1] or None,
                parent=parent,
                self_steering=steering_raw in _YES,
            )
        assignment = Assignment(person=person_id, team=team_id, role=role, start=start, end=end)
    except DefinitionError as exc:
        out.bad(line, exc.message)
        return
    if not _check_role(assignment, line, out):
        return
    known = out.people.get(person_id)
    if known is not None and person.email and known.email != person.email:
        if known.email:
            out.bad(line, f"person {person_id} has another email on an earlier line")
            return
        known = out.people[person_id] = attrs.evolve(known, email=person.email)
    if known is not None and person.returns and known.returns != person.returns:
        if known.returns:
            out.bad(line, f"person {person_id} has another returned_on on an earlier line")
            return
        known = out.people[person_id] = attrs.evolve(known, returns=person.returns)
    if known is None:
        out.people[person_id] = person
    elif (hired_on or left_on) and (known.hired_on, known.left_on) != (hired_on, left_on):
        if known.hired_on is None and known.left_on is None:
            out.people[person_id] = person
        else:
            out.bad(line, f"person {person_id} has other hired_on/left_on dates on an earlier line")
            return
    if parent is not None:
        earlier = out.parents.get(team_id)
        if earlier is not None and earlier[0] != parent:
            out.bad(
                line,
                f"team {team_id} has parent_team_id {parent} here but {earlier[0]} on line "
                f"{earlier[1]}",
            )
            return
        out.parents.setdefault(team_id, (parent, line))
    if team is None:  # the team's columns as on an earlier line of the same team
        out.assignments.append(assignment)
        return
    out.team_rows[team_id] = columns
    known_team = out.teams.get(team_id)
    if known_team is None:
        out.teams[team_id] = team
    else:
        if not known_team.name and team.name:
            known_team = attrs.evolve(known_team, name=team.name)
        if known_team.parent is None and parent is not None:
            known_team = attrs.evolve(known_team, parent=parent)
        out.teams[team_id] = known_team
    out.assignments.append(assignment)


def _check_role(assignment: Assignment, line: int, out: _Collect) -> bool:
    """Refuse a role held twice at once, and a second manager of a team at the same time."""
    a = assignment
    held = out.roles.get(a.person)
    earlier_roles = [] if held is None else [held] if isinstance(held, tuple) else held
    for team, role, start, end, earlier in earlier_roles:
        if team == a.team and role == a.role and _overlaps(a.start, a.end, start, end):
            out.bad(
                line,
                f"person {a.person} is already {a.role} of team {a.team} on line "
                f"{earlier} for an overlapping period (a duplicate row?)",
            )
            return False
    if a.role is Role.MANAGER:
        for start, end, earlier, manager in out.managers.get(a.team, []):
            if manager != a.person and _overlaps(a.start, a.end, start, end):
                out.bad(
                    line,
                    f"team {a.team} already has manager {manager} on line {earlier} for an "
                    "overlapping period (one manager at a time)",
                )
                return False
        out.managers.setdefault(a.team, []).append((a.start, a.end, line, a.person))
    this = (a.team, a.role, a.start, a.end, line)
    if held is None:
        out.roles[a.person] = this
    elif isinstance(held, tuple):
        out.roles[a.person] = [held, this]
    else:
        held.append(this)
    return True


def _check_hired(out: _Collect) -> None:
    """Refuse a role that starts before its person's first working day (``hired_on``), naming
    the role's line: checked once every line is read, since any of a person's lines may give
    the day."""
    found: list[tuple[int, str]] = []
    for person_id, held in out.roles.items():
        hired = out.people[person_id].hired_on
        if hired is None:
            continue
        for _team, _role, start, _end, line in [held] if isinstance(held, tuple) else held:
            if start < hired:
                found.append(
                    (
                        line,
                        f"start {start} is before hired_on {hired} of person {person_id}: a "
                        "role starts on or after the person's first working day",
                    )
                )
    for line, message in sorted(found):
        out.bad(line, message)


def _check_tree(out: _Collect) -> None:
    """Every parent is a team of the file, and no team is its own ancestor."""
    for team_id, (parent, line) in out.parents.items():
        if parent not in out.teams:
            out.bad(
                line,
                f"team {team_id} has unknown parent {parent!r} (no row has team_id {parent})",
            )
    reported: set[str] = set()
    for team_id in out.parents:
        path = [team_id]
        seen = {team_id}
        current = out.parents[team_id][0]
        while current in out.parents and current not in seen:
            path.append(current)
            seen.add(current)
            current = out.parents[current][0]
        if current in seen and current not in reported:
            circle = path[path.index(current) :]
            reported.update(circle)
            line = min(out.parents[t][1] for t in circle)
            shown = " → ".join([*circle, current])
            out.bad(line, f"the parents of teams {shown} form a circle (no team is on top)")
