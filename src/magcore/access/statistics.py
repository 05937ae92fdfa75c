"""Participation statistics with a minimum group size: the only thing the works council and
researchers see of the cycle.

A report counts, per team, department and the whole organisation, per period and over all
periods, how many conversations were held and how many agreements were made. It counts
participation only: never content, never anything about how well someone does. A cell that
concerns fewer than *k* people (default 5) is suppressed; then, so that no suppressed cell can
be recovered by subtracting published cells from a published total, more cells are suppressed
(complementary suppression) until every additive relation

* department = sum of its teams (per period),
* organisation = sum of its departments (per period),
* any unit over all periods = sum of its periods,

has either no suppressed member or at least two.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date

import attrs

from ..domain.conversation import replay, stream_of
from ..errors import DefinitionError
from ..model.organisation import Organisation
from ..storage.base import Store

__all__ = [
    "ALL",
    "DEFAULT_K",
    "Cell",
    "ParticipationFact",
    "ParticipationReport",
    "facts_from_store",
    "organisation_units",
    "participation_report",
    "quarter",
    "staff_unit",
]

DEFAULT_K = 5
#: The unit id of the whole organisation, and the period label of "all periods".
ALL = "all"


def quarter(day: date) -> str:
    """The period label of *day*: ``2025-Q3``."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _people(value: Iterable[str]) -> frozenset[str]:
    return frozenset(value)


@attrs.frozen(kw_only=True)
class ParticipationFact:
    """One conversation that was held: where, when, with whom, how many agreements."""

    conversation: str
    people: frozenset[str] = attrs.field(converter=_people)
    """The employees it was about (the subject; every member for a team conversation)."""
    team: str
    department: str
    period: str
    agreements: int = 0


@attrs.frozen(kw_only=True)
class Cell:
    """One published or suppressed cell. Suppressed cells carry no numbers at all."""

    level: str
    """``team``, ``department`` or ``organisation``."""
    unit: str
    period: str
    suppressed: bool
    conversations: int | None
    agreements: int | None

    @property
    def key(self) -> tuple[str, str]:
        return (self.unit, self.period)


@attrs.frozen(kw_only=True)
class ParticipationReport:
    """The cells of a participation report and the relations they obey."""

    k: int
    periods: tuple[str, ...]
    cells: tuple[Cell, ...]
    relations: tuple[tuple[tuple[str, str], tuple[tuple[str, str], ...]], ...]
    """(total cell key, part cell keys) for every additive relation in the table."""

    def cell(self, unit: str, period: str = ALL) -> Cell:
        for cell in self.cells:
            if cell.unit == unit and cell.period == period:
                return cell
        raise KeyError((unit, period))

    def rows(self) -> list[dict[str, object]]:
        """The cells as plain rows (for CSV or JSON Lines)."""
        return [attrs.asdict(c) for c in self.cells]


def participation_report(
    facts: Iterable[ParticipationFact],
    *,
    k: int = DEFAULT_K,
    teams: Mapping[str, str] | None = None,
    periods: Iterable[str] | None = None,
) -> ParticipationReport:
    """Count *facts* per team/department/organisation and period, then suppress.

    *teams* maps every team to its department, so that teams without conversations still get a
    (suppressed) cell; by default only teams that appear in *facts* are listed.
    """
    if not isinstance(k, int) or k < 1:
        raise DefinitionError("k must be a whole number of at least 1", pointer="/k")
    facts = list(facts)
    department_of: dict[str, str] = dict(teams or {})
    for fact in facts:
        department_of.setdefault(fact.team, fact.department)
    period_list = sorted(set(periods or ()) | {f.period for f in facts})
    if ALL in period_list:
        raise DefinitionError(f"{ALL!r} is reserved for the total over all periods")
    level: dict[str, str] = dict.fromkeys(department_of, "team")
    for department in department_of.values():
        if department in level and level[department] == "team":
            raise DefinitionError(
                f"{department!r} is both a team and a department; count its own staff as "
                f"{staff_unit(department)!r} (organisation_units does this)"
            )
        level[department] = "department"
    level[ALL] = "organisation"
    people: dict[tuple[str, str], set[str]] = {}
    conversations: dict[tuple[str, str], int] = {}
    agreements: dict[tuple[str, str], int] = {}
    all_periods = (*period_list, ALL)
    for unit in level:
        for period in all_periods:
            people[(unit, period)] = set()
            conversations[(unit, period)] = 0
            agreements[(unit, period)] = 0
    for fact in facts:
        for unit in (fact.team, fact.department, ALL):
            for period in (fact.period, ALL):
                people[(unit, period)] |= fact.people
                conversations[(unit, period)] += 1
                agreements[(unit, period)] += fact.agreements
    relations: list[tuple[tuple[str, str], tuple[tuple[str, str], ...]]] = []
    teams_of: dict[str, list[str]] = {}
    for team, department in department_of.items():
        teams_of.setdefault(department, []).append(team)
    for period in all_periods:
        for department, members in sorted(teams_of.items()):
            relations.append(((department, period), tuple((t, period) for t in sorted(members))))
        relations.append(((ALL, period), tuple((d, period) for d in sorted(teams_of))))
    for unit in sorted(level):
        relations.append(((unit, ALL), tuple((unit, p) for p in period_list)))
    suppressed = {key for key, who in people.items() if len(who) < k}
    _complement(suppressed, relations, conversations)
    cells = tuple(
        Cell(
            level=level[unit],
            unit=unit,
            period=period,
            suppressed=(unit, period) in suppressed,
            conversations=None if (unit, period) in suppressed else conversations[(unit, period)],
            agreements=None if (unit, period) in suppressed else agreements[(unit, period)],
        )
        for unit in sorted(level)
        for period in all_periods
    )
    return ParticipationReport(
        k=k, periods=tuple(period_list), cells=cells, relations=tuple(relations)
    )


def _complement(
    suppressed: set[tuple[str, str]],
    relations: list[tuple[tuple[str, str], tuple[tuple[str, str], ...]]],
    size: Mapping[tuple[str, str], int],
) -> None:
    """Suppress more cells until no relation has exactly one suppressed member.

    In a relation with one suppressed member, the smallest published part is suppressed too
    (the total only when no part is left), which hides as little as possible. Suppressions only
    grow, so the loop ends.
    """
    changed = True
    while changed:
        changed = False
        for total, parts in relations:
            members = (total, *parts)
            hidden = [m for m in members if m in suppressed]
            if len(hidden) != 1:
                continue
            candidates = sorted(
                (p for p in parts if p not in suppressed), key=lambda p: (size[p], p)
            )
            suppressed.add(candidates[0] if candidates else total)
            changed = True


def staff_unit(department: str) -> str:
    """The unit for people who are members of a department itself (its staff)."""
    return f"{department}:staff"


def _departments(organisation: Organisation) -> set[str]:
    return {
        unit
        for team in organisation.teams.values()
        if (unit := team.department or team.parent) is not None
    }


def organisation_units(organisation: Organisation) -> dict[str, str]:
    """Every counting unit and its department: the teams, plus each department's own staff.

    A department's own members (its staff) form the unit :func:`staff_unit`, so a department
    is never also a team of itself. Pass the result as ``teams`` to :func:`participation_report`.
    """
    departments = _departments(organisation)
    units = {
        team.id: team.department or team.parent or team.id
        for team in organisation.teams.values()
        if team.id not in departments
    }
    for department in sorted(departments):
        units[staff_unit(department)] = department
    return units


def facts_from_store(
    store: Store,
    organisation: Organisation,
    *,
    period_of: Callable[[date], str] = quarter,
    held_from: date | None = None,
    held_until: date | None = None,
) -> list[ParticipationFact]:
    """One fact per held conversation in *store*, placed in the subject's team on the day held.

    Reads the read model and counts agreements by replaying each conversation; no content leaves
    this function. Conversations whose team is unknown on that day are left out.
    """
    facts: list[ParticipationFact] = []
    departments = _departments(organisation)
    for row in store.conversations(held_from=held_from, held_until=held_until):
        if row.held_on is None:
            continue
        team = row.team
        if team is None and row.subject is not None:
            team = organisation.team_of(row.subject, row.held_on)
        if team is None or team not in organisation.teams:
            continue
        info = organisation.teams[team]
        department = info.department or info.parent or team
        if team in departments:
            team, department = staff_unit(team), team
        events = store.read(stream_of(row.id))
        if not events or events[0].type != "conversation.requested":
            continue
        try:
            count = len(replay(events).agreements)
        except ValueError:
            count = 0
        people: set[str] = {row.subject} if row.subject else set(row.participants)
        facts.append(
            ParticipationFact(
                conversation=row.id,
                people=frozenset(people),
                team=team,
                department=department,
                period=period_of(row.held_on),
                agreements=count,
            )
        )
    return facts
