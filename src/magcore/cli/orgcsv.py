"""Read an organisation from CSV as HR systems export it: one row per role a person holds.

Columns (the first line names them; order does not matter, extra columns are ignored):

============== ======== ===================================================================
column         needed   meaning
============== ======== ===================================================================
person_id      yes      a stable pseudonymous id (never a name or BSN)
team_id        yes      the team the role is in
role           yes      ``member``, ``manager`` or ``coach``
start          yes      first day of the role (YYYY-MM-DD)
end            no       first day the role no longer holds (empty: still holds)
team_name      no       the team's name
department     no       the department the team belongs to (a label)
parent_team_id no       the team whose manager manages this team's manager
self_steering  no       ``yes`` for a team without a manager (Dutch ``ja`` works too)
hired_on       no       the person's first working day
left_on        no       the person's first day no longer employed
email          no       the person's work e-mail address (calendar invitations go to it)
============== ======== ===================================================================

Commas, semicolons (Dutch spreadsheet exports) and tabs are recognised; a UTF-8 byte-order mark
is ignored. Every bad row is reported with its line number, and nothing is imported then.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import attrs

from ..errors import DefinitionError, MagcoreError, Problem
from ..model.organisation import Assignment, Organisation, Person, Role, Team

__all__ = ["COLUMNS", "REQUIRED", "OrgCsvError", "read_organisation_csv"]

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
)
_YES = {"yes", "ja", "y", "j", "true", "1"}
_NO = {"no", "nee", "n", "false", "0", ""}


class OrgCsvError(MagcoreError, ValueError):
    """The CSV cannot be imported; ``problems`` lists every bad line (pointer ``line N``)."""

    def __init__(self, source: str, problems: Iterable[Problem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        shown = "; ".join(f"{p.pointer}: {p.message}" for p in self.problems[:5])
        more = f" (+{len(self.problems) - 5} more)" if len(self.problems) > 5 else ""
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"{source}: {count} {noun}, nothing imported — {shown}{more}")


@attrs.define
class _Collect:
    people: dict[str, Person] = attrs.Factory(dict)
    teams: dict[str, Team] = attrs.Factory(dict)
    assignments: list[Assignment] = attrs.Factory(list)
    problems: list[Problem] = attrs.Factory(list)

    def bad(self, line: int, message: str) -> None:
        self.problems.append(Problem(pointer=f"line {line}", message=message))


def _date(row: dict[str, str], column: str, line: int, out: _Collect) -> date | None:
    raw = (row.get(column) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        out.bad(line, f"{column} {raw!r} is not a date (write YYYY-MM-DD)")
        return None


def _sniff(text: str) -> csv.Dialect | type[csv.Dialect]:
    first = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(first, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def read_organisation_csv(
    source: str | Path, *, org_id: str, name: str = "", text: str | None = None
) -> Organisation:
    """Build an :class:`~magcore.model.organisation.Organisation` from the CSV at *source*.

    Pass *text* to parse a string instead of reading the file (then *source* is only a label
    in messages). Raises :class:`OrgCsvError` listing every bad line; nothing is returned
    half-built.
    """
    label = str(source)
    if text is None:
        try:
            text = Path(source).read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise OrgCsvError(
                label, [Problem("line 1", f"not UTF-8 text ({exc.reason})")]
            ) from None
    text = text.removeprefix("\ufeff")
    reader = csv.DictReader(io.StringIO(text), dialect=_sniff(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        raise OrgCsvError(
            label,
            [
                Problem(
                    "line 1",
                    f"missing column{'s' if len(missing) > 1 else ''} "
                    f"{', '.join(repr(m) for m in missing)} "
                    f"(needed: {', '.join(REQUIRED)})",
                )
            ],
        )
    reader.fieldnames = header
    out = _Collect()
    rows = 0
    for raw_row in reader:
        line = reader.line_num
        extra = raw_row.get(None)  # values beyond the header's columns
        row = {k: (v or "").strip() for k, v in raw_row.items() if k is not None}
        if not any(row.values()) and not extra:
            continue
        rows += 1
        if extra:
            out.bad(
                line,
                f"more values than the {len(header)} columns: put quotes "
                "around a value that holds the separator",
            )
            continue
        _read_row(row, line, out)
    if rows == 0 and not out.problems:
        out.bad(2, "no rows: the file has a header line but nobody in it")
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


def _read_row(row: dict[str, str], line: int, out: _Collect) -> None:
    problems_before = len(out.problems)
    person_id, team_id = row.get("person_id", ""), row.get("team_id", "")
    for column in REQUIRED:
        if not row.get(column):
            out.bad(line, f"{column} is empty")
    role_raw = row.get("role", "").lower()
    role: Role | None = None
    if role_raw:
        try:
            role = Role(role_raw)
        except ValueError:
            out.bad(line, f"role {role_raw!r} is not one of member, manager, coach")
    start = _date(row, "start", line, out)
    end = _date(row, "end", line, out)
    hired_on = _date(row, "hired_on", line, out)
    left_on = _date(row, "left_on", line, out)
    steering_raw = row.get("self_steering", "").lower()
    if steering_raw not in _YES | _NO:
        out.bad(line, f"self_steering {steering_raw!r} is not yes or no")
    if len(out.problems) > problems_before:
        return
    assert role is not None
    assert start is not None
    try:
        person = Person(
            id=person_id, hired_on=hired_on, left_on=left_on, email=row.get("email") or None
        )
        team = Team(
            id=team_id,
            name=row.get("team_name", ""),
            department=row.get("department") or None,
            parent=row.get("parent_team_id") or None,
            self_steering=steering_raw in _YES,
        )
        assignment = Assignment(person=person_id, team=team_id, role=role, start=start, end=end)
    except DefinitionError as exc:
        out.bad(line, exc.message)
        return
    known = out.people.get(person_id)
    if known is not None and person.email and known.email != person.email:
        if known.email:
            out.bad(line, f"person {person_id} has another email on an earlier line")
            return
        known = out.people[person_id] = attrs.evolve(known, email=person.email)
    if known is None:
        out.people[person_id] = person
    elif (hired_on or left_on) and (known.hired_on, known.left_on) != (hired_on, left_on):
        if known.hired_on is None and known.left_on is None:
            out.people[person_id] = person
        else:
            out.bad(line, f"person {person_id} has other hired_on/left_on dates on an earlier line")
            return
    known_team = out.teams.get(team_id)
    if known_team is None or (not known_team.name and team.name):
        out.teams[team_id] = (
            team if known_team is None else attrs.evolve(known_team, name=team.name)
        )
    out.assignments.append(assignment)
