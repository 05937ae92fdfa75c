"""The fixed grid participation statistics are published on: calendar periods and the
organisation's own units.

Counts are only ever published for calendar months, quarters and years, and for the units of
the organisation as they stand (teams, departments, the whole organisation). A report over
"10 February to 3 May" would let someone subtract it from a report over the quarter and learn
about a handful of people, so such a period is refused (:class:`GridError` names the nearest
periods on the grid). Every cell of a year belongs to one table: the year, its four quarters and
its twelve months, for every unit; suppression is decided on that whole table at once (see
:mod:`magcore.access.statistics`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from datetime import date

import attrs

from ..errors import DefinitionError, MagcoreError
from ..i18n import table
from ..languages import pick
from ..model.organisation import Organisation

__all__ = [
    "ALL",
    "NO_TEAM",
    "Grain",
    "GridError",
    "Unit",
    "UnitTree",
    "grid_periods",
    "organisation_tree",
    "period_of",
    "period_relations",
    "periods_of_year",
    "snap",
    "staff_unit",
    "year_of",
]

#: The unit id of the whole organisation.
ALL = "all"
#: The unit of conversations held with someone who was in no team on that day.
NO_TEAM = "no-team"


class GridError(MagcoreError, ValueError):
    """A report was asked for a period that is not on the calendar grid."""


class Grain(enum.StrEnum):
    """How fine the periods of a report are."""

    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


def period_of(day: date, grain: Grain | str) -> str:
    """The label of the period of *grain* holding *day*: ``2025-03``, ``2025-Q1``, ``2025``."""
    grain = Grain(grain)
    if grain is Grain.MONTH:
        return f"{day.year}-{day.month:02d}"
    if grain is Grain.QUARTER:
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return str(day.year)


def year_of(period: str) -> int:
    """The calendar year a period label belongs to."""
    return int(period[:4])


def periods_of_year(year: int) -> tuple[str, ...]:
    """Every period of *year* on the grid: the year, its quarters, its months."""
    quarters = tuple(f"{year}-Q{q}" for q in range(1, 5))
    months = tuple(f"{year}-{m:02d}" for m in range(1, 13))
    return (str(year), *quarters, *months)


def period_relations(year: int) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The additive relations in time: the year is the sum of its quarters, a quarter of its
    months."""
    relations: list[tuple[str, tuple[str, ...]]] = [
        (str(year), tuple(f"{year}-Q{q}" for q in range(1, 5)))
    ]
    for q in range(1, 5):
        months = tuple(f"{year}-{m:02d}" for m in range(3 * q - 2, 3 * q + 1))
        relations.append((f"{year}-Q{q}", months))
    return tuple(relations)


_MONTHS = {Grain.MONTH: 1, Grain.QUARTER: 3, Grain.YEAR: 12}


def _starts(day: date, grain: Grain) -> bool:
    return day.day == 1 and (day.month - 1) % _MONTHS[grain] == 0


def _floor(day: date, grain: Grain) -> date:
    month = day.month - (day.month - 1) % _MONTHS[grain]
    return date(day.year, month, 1)


def _next(day: date, grain: Grain) -> date:
    month = day.month - 1 + _MONTHS[grain]
    return date(day.year + month // 12, month % 12 + 1, 1)


def snap(start: date, end: date, grain: Grain | str) -> tuple[date, date]:
    """The smallest period on the grid that holds ``[start, end)``."""
    grain = Grain(grain)
    first = _floor(start, grain)
    last = _floor(end, grain)
    if last < end:
        last = _next(last, grain)
    return first, max(last, _next(first, grain))


def grid_periods(start: date, end: date, grain: Grain | str) -> tuple[str, ...]:
    """The period labels of *grain* from *start* up to the day *end* (not included).

    Both days must begin a period of *grain*; otherwise :class:`GridError` says which
    period on the grid holds the one asked for.
    """
    try:
        grain = Grain(grain)
    except ValueError:
        raise GridError(
            f"grain must be one of {', '.join(g.value for g in Grain)}, not {grain!r}"
        ) from None
    if end <= start:
        raise GridError(f"the end {end} must be after the start {start}")
    for name, day in (("start", start), ("end", end)):
        if not _starts(day, grain):
            first, last = snap(start, end, grain)
            raise GridError(
                f"statistics are only published per calendar {grain.value}: the {name} {day} "
                f"is not the first day of a {grain.value}. The nearest period on the grid is "
                f"{first} up to {last} (the end day not included)"
            )
    labels: list[str] = []
    day = start
    while day < end:
        labels.append(period_of(day, grain))
        day = _next(day, grain)
    return tuple(labels)


@attrs.frozen(kw_only=True)
class Unit:
    """One unit of the organisation a count is published for."""

    id: str
    name: str
    level: str
    """``team``, ``department`` or ``organisation``."""
    parent: str | None


@attrs.frozen(kw_only=True)
class UnitTree:
    """The organisation's units as they stand, each under its parent; the root is :data:`ALL`."""

    units: Mapping[str, Unit]

    def children(self) -> dict[str, tuple[str, ...]]:
        """Every unit with children, and its children (sorted)."""
        result: dict[str, list[str]] = {}
        for unit in self.units.values():
            if unit.parent is not None:
                result.setdefault(unit.parent, []).append(unit.id)
        return {parent: tuple(sorted(kids)) for parent, kids in result.items()}

    def leaves(self) -> Iterator[str]:
        """The units counts are placed in (the ones without children)."""
        parents = self.children()
        return (u for u in sorted(self.units) if u not in parents)

    def name(self, unit: str) -> str:
        return self.units[unit].name


def staff_unit(department: str) -> str:
    """The unit of the people who are members of a department itself (its own staff)."""
    return f"{department}:staff"


#: Unit names per language (``locale/*/magcore.po``, ids ``statistics.*``).
_WORDS = table("statistics")


def organisation_tree(organisation: Organisation, *, language: str = "en") -> UnitTree:
    """The units of *organisation*: the whole organisation, departments and teams.

    A team's parent is its ``parent`` team, else its ``department`` (a unit of that name),
    else the whole organisation: an organisation without departments has teams only. A team
    that other teams sit under is a department; its own members count in its staff unit
    (:func:`staff_unit`), named after it. Conversations with someone in no team on the day
    they were held count in the unit :data:`NO_TEAM`, directly under the organisation.
    *language* (``en`` or ``nl``) is the language of the names of those two kinds of unit.
    """
    words = _WORDS[pick(language, _WORDS)]  # a language without these words falls back
    teams = organisation.teams
    for reserved in (ALL, NO_TEAM):
        if reserved in teams:
            raise DefinitionError(
                f"team id {reserved!r} is reserved in participation statistics; "
                "give the team another id"
            )
    parent: dict[str, str] = {}
    names: dict[str, str] = {ALL: organisation.name or organisation.id}
    for team in teams.values():
        names[team.id] = team.name or team.id
        above = team.parent or team.department
        if above is not None and above != team.id:
            parent[team.id] = above
            names.setdefault(above, above)
    for label in set(parent.values()) - set(teams):
        parent[label] = ALL  # a department known by name only
    has_children = set(parent.values())
    units: dict[str, Unit] = {ALL: Unit(id=ALL, name=names[ALL], level="organisation", parent=None)}
    for unit_id in sorted(set(names) - {ALL}):
        above = parent.get(unit_id, ALL)
        if above not in names:
            raise DefinitionError(f"team {unit_id!r} sits under unknown unit {above!r}")
        level = "department" if unit_id in has_children else "team"
        units[unit_id] = Unit(id=unit_id, name=names[unit_id], level=level, parent=above)
        if unit_id in has_children and unit_id in teams:
            staff = staff_unit(unit_id)
            units[staff] = Unit(
                id=staff,
                name=words["staff"].format(name=names[unit_id]),
                level="team",
                parent=unit_id,
            )
    units[NO_TEAM] = Unit(id=NO_TEAM, name=words["no_team"], level="team", parent=ALL)
    _check_acyclic(units)
    return UnitTree(units=units)


def _check_acyclic(units: Mapping[str, Unit]) -> None:
    for unit in units.values():
        seen = {unit.id}
        above = unit.parent
        while above is not None:
            if above in seen:
                raise DefinitionError(f"team {unit.id!r} sits under itself (via {above!r})")
            seen.add(above)
            above = units[above].parent
