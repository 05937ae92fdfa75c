"""A participation report from a store: counts on the grid, suppression remembered, audited.

:func:`participation_report` reads which conversations were held (the read model; no content),
counts them per unit and calendar period (:func:`magcore.access.statistics.count_table`),
takes the suppression decided earlier over the same data from the store or decides it now
(:func:`magcore.access.statistics.decide_suppression`) and stores it, and writes an audit line
saying who asked for which grid and which units.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime

import attrs

from ..domain.conversation import ConversationEvent, replay, stream_of
from ..errors import ConflictError, DefinitionError, MagcoreError
from ..events import Event
from ..model.organisation import Organisation, Role
from ..storage.base import Store, StreamWrite
from .audit import AuditRecord
from .statistics import (
    DEFAULT_K,
    Cell,
    CountTable,
    ParticipationFact,
    check_minimum,
    count_table,
    decide_suppression,
)
from .statistics_audit import SolverMissing, solver_available
from .statistics_grid import (
    NO_TEAM,
    Grain,
    Unit,
    UnitTree,
    grid_periods,
    organisation_tree,
    staff_unit,
    year_of,
)

__all__ = [
    "LEVELS",
    "SUPPRESSION_DECIDED",
    "ParticipationReport",
    "StoredDecision",
    "facts_from_store",
    "participation_report",
    "stored_decision",
]

#: The event type of a remembered suppression decision (stream ``statistics:<year>``).
SUPPRESSION_DECIDED = "statistics.suppression_decided"
LEVELS = ("team", "department", "organisation")


def _stream(year: int) -> str:
    return f"statistics:{year}"


@attrs.frozen(kw_only=True)
class ParticipationReport:
    """The published cells of one report, and on which grid they were asked for."""

    k: int
    grain: str
    start: date
    end: date
    periods: tuple[str, ...]
    cells: tuple[Cell, ...]
    audited: bool
    """Whether every suppressed cell passed the interval check."""

    def cell(self, unit: str, period: str) -> Cell:
        for cell in self.cells:
            if cell.unit == unit and cell.period == period:
                return cell
        raise KeyError((unit, period))

    def rows(self) -> list[dict[str, object]]:
        """The cells as plain rows (for CSV or JSON Lines)."""
        return [attrs.asdict(c) for c in self.cells]


def _managed_team(organisation: Organisation, person: str, day: date) -> str | None:
    for assignment in organisation.assignments:
        if (
            assignment.person == person
            and assignment.role is Role.MANAGER
            and assignment.active_on(day)
        ):
            return assignment.team
    return None


def _leaf(tree: UnitTree, team: str) -> str:
    staff = staff_unit(team)
    return staff if staff in tree.units else team


def facts_from_store(
    store: Store,
    organisation: Organisation,
    tree: UnitTree,
    *,
    held_from: date,
    held_until: date,
) -> list[ParticipationFact]:
    """One fact per conversation held in ``[held_from, held_until)``, in the unit of its team.

    The team is the conversation's own, else the subject's team on the day held, else the team
    the subject managed that day (a manager's own conversation), else :data:`NO_TEAM`. Only
    the read model and the agreement count leave this function; never content.
    """
    facts: list[ParticipationFact] = []
    for row in store.conversations(held_from=held_from, held_until=held_until):
        if row.held_on is None:
            continue
        team = row.team
        if team is None and row.subject is not None:
            team = organisation.team_of(row.subject, row.held_on) or _managed_team(
                organisation, row.subject, row.held_on
            )
        unit = _leaf(tree, team) if team is not None and team in tree.units else NO_TEAM
        events = store.read(stream_of(row.id))
        count = 0
        if events and events[0].type == ConversationEvent.REQUESTED:
            try:
                count = len(replay(events).agreements)
            except ValueError:
                count = 0
        people = {row.subject} if row.subject else set(row.participants)
        facts.append(
            ParticipationFact(
                conversation=row.id,
                people=people,
                unit=unit,
                held_on=row.held_on,
                agreements=count,
            )
        )
    return facts


@attrs.frozen(kw_only=True)
class StoredDecision:
    """A suppression decision found in the store for one table."""

    hidden: frozenset[tuple[str, str]]
    audited: bool
    version: int
    exists: bool


def stored_decision(store: Store, table: CountTable) -> StoredDecision:
    """The latest decision the store holds for exactly this table (same fingerprint)."""
    events = store.read(_stream(table.year))
    fingerprint = table.fingerprint()
    for event in reversed(events):
        if event.type == SUPPRESSION_DECIDED and event.data.get("fingerprint") == fingerprint:
            hidden = frozenset((str(u), str(p)) for u, p in event.data["hidden"])
            return StoredDecision(
                hidden=hidden,
                audited=bool(event.data.get("audited")),
                version=len(events),
                exists=True,
            )
    return StoredDecision(hidden=frozenset(), audited=False, version=len(events), exists=False)


def _decide_and_remember(
    store: Store,
    table: CountTable,
    *,
    k: int,
    audit: bool,
    asker: str,
    at: datetime,
    record: AuditRecord,
) -> tuple[frozenset[tuple[str, str]], bool, bool]:
    """The year's decision (stored, or made now and stored with the audit line); whether it
    is audited; whether the audit line was written."""
    for _attempt in range(3):
        found = stored_decision(store, table)
        primary = {key for key, count in table.people.items() if count < k}
        if found.exists and primary <= found.hidden and (found.audited or not audit):
            return found.hidden, found.audited, False  # decided before, for this k or more
        hidden = decide_suppression(table, k=k, already=found.hidden, audit=audit)
        audited = audit or (found.audited and hidden == found.hidden)
        if hidden == found.hidden and audited == found.audited and found.exists:
            return hidden, audited, False
        event = Event(
            stream=_stream(table.year),
            version=found.version + 1,
            type=SUPPRESSION_DECIDED,
            at=at,
            actor=asker,
            data={
                "year": table.year,
                "fingerprint": table.fingerprint(),
                "k": k,
                "audited": audited,
                "hidden": sorted([u, p] for u, p in hidden),
            },
        )
        try:
            store.append([StreamWrite(_stream(table.year), found.version, [event])], audit=[record])
        except ConflictError:
            continue  # someone else decided at the same time: take theirs into account
        return hidden, audited, True
    raise MagcoreError(f"the suppression of {table.year} kept changing while it was decided")


def participation_report(
    store: Store,
    organisation: Organisation,
    *,
    start: date,
    end: date,
    grain: Grain | str = Grain.QUARTER,
    asker: str,
    at: datetime,
    origin: str = "api",
    k: int | None = None,
    regulation_k: int = DEFAULT_K,
    levels: Collection[str] = LEVELS,
    require_audit: bool = True,
    language: str = "en",
) -> ParticipationReport:
    """Conversations held and agreements made per unit and calendar period, never content.

    *start* and *end* (not included) must lie on the grid of *grain*
    (:func:`~magcore.access.statistics_grid.grid_periods`). *k* may be larger than the regulation's
    minimum group size *regulation_k*, never smaller. *asker* and *origin* go into the audit
    line. Without the solver (``magcore[statistics]``) the report is refused, unless
    ``require_audit=False``: then only primary and complementary suppression run and the
    report says it is not audited. *language* names a department's own staff and "no team".
    """
    k = check_minimum(k, regulation_k)
    grain = Grain(grain)
    periods = grid_periods(start, end, grain)
    unknown = set(levels) - set(LEVELS)
    if unknown:
        raise DefinitionError(f"unknown levels {sorted(unknown)}; use {', '.join(LEVELS)}")
    audit = solver_available()
    if require_audit and not audit:
        raise SolverMissing()
    tree = organisation_tree(organisation, language=language)
    years = sorted({year_of(p) for p in periods})
    facts = facts_from_store(
        store,
        organisation,
        tree,
        held_from=date(years[0], 1, 1),
        held_until=date(years[-1] + 1, 1, 1),
    )
    record = AuditRecord(
        at=at.isoformat(),
        actor=asker,
        action="report",
        object=f"statistics:participation/{grain.value}/{start}/{end}",
        result="done",
        origin=origin,
        reason=f"units: {', '.join(sorted(levels))}; minimum group {k}",
        purpose="statistics",
    )
    wanted = set(periods)
    cells: list[Cell] = []
    audited_all = True
    logged = False
    for year in years:
        table = count_table(facts, tree, year)
        hidden, audited, wrote = _decide_and_remember(
            store, table, k=k, audit=audit, asker=asker, at=at, record=record
        )
        logged = logged or wrote
        audited_all = audited_all and audited
        cells.extend(_cells(table, hidden, wanted, levels))
    if not logged:
        store.append_audit([record])
    return ParticipationReport(
        k=k,
        grain=grain.value,
        start=start,
        end=end,
        periods=periods,
        cells=tuple(cells),
        audited=audited_all,
    )


def _cells(
    table: CountTable,
    hidden: frozenset[tuple[str, str]],
    periods: Collection[str],
    levels: Collection[str],
) -> Sequence[Cell]:
    units: list[Unit] = [
        u
        for u in table.tree.units.values()
        if u.level in levels and (u.id, str(table.year)) in table.people
    ]
    units.sort(key=lambda u: (LEVELS.index(u.level) * -1, u.name, u.id))
    result = []
    for unit in units:
        for period in sorted(p for p in periods if year_of(p) == table.year):
            key = (unit.id, period)
            shown = key not in hidden
            result.append(
                Cell(
                    level=unit.level,
                    unit=unit.id,
                    name=unit.name,
                    period=period,
                    suppressed=not shown,
                    conversations=table.conversations[key] if shown else None,
                    agreements=table.agreements[key] if shown else None,
                )
            )
    return result
