"""A participation report from a store: counts on the grid, suppression remembered, audited.

:func:`participation_report` reads which conversations were held (the read model; no content),
counts them per unit and calendar period (:func:`magcore.access.statistics.count_table`),
takes the suppression decided earlier over the same data from the store or decides it now
(:func:`magcore.access.statistics.decide_suppression`) and stores it, and writes an audit line
saying who asked for which grid and which units.
"""

from __future__ import annotations

import warnings
from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime

import attrs

from ..clock import as_utc
from ..domain.conversation import ConversationEvent, replay, stream_of
from ..errors import ConflictError, DefinitionError, MagcoreError
from ..events import Event
from ..model.input_policy import check_id, check_period
from ..model.organisation import Organisation, Role
from ..storage.base import Store, StreamWrite
from .audit import AuditRecord
from .statistics import (
    DEFAULT_K,
    Cell,
    CountTable,
    MinimumGroupError,
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
from .statistics_history import history, population, salt_of

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
    published: frozenset[tuple[str, str]] = frozenset()
    """The cells reports over this table have shown so far."""
    earlier_known: frozenset[tuple[str, str]] = frozenset()
    """Cells reports over earlier data of the year showed with the count they have now: whoever
    kept those reports knows them."""
    earlier_floors: Mapping[tuple[str, str], int] = attrs.field(factory=dict)
    """Counts reports over earlier data of the year showed of cells that have grown since:
    lower bounds whoever kept those reports knows."""


def _earlier(
    events: Sequence[Event], table: CountTable, fingerprint: str
) -> tuple[frozenset[tuple[str, str]], dict[tuple[str, str], int]]:
    """What decisions over other data of the year stored *without* their population (made
    before decisions kept it) showed that still has the same count, and the counts they
    showed of cells that have grown since (lower bounds). A decision that stored its
    population enters the interval check whole
    (:func:`~magcore.access.statistics_history.history`), grown or shrunk. What they hid is
    not carried over: a month still to come is hidden at first because it holds nothing, and
    must be shown once it does. Decisions stored before they kept their counts (no
    ``values``) give neither."""
    known: set[tuple[str, str]] = set()
    floors: dict[tuple[str, str], int] = {}
    for event in events:
        if event.type != SUPPRESSION_DECIDED or event.data.get("fingerprint") == fingerprint:
            continue
        if "population" in event.data:
            continue
        for u, p, count in event.data.get("values", ()):
            key = (str(u), str(p))
            now = table.conversations.get(key)
            if now == count:
                known.add(key)
            elif isinstance(count, int) and now is not None and count < now:
                floors[key] = max(floors.get(key, 0), count)
    return frozenset(known), floors


def stored_decision(store: Store, table: CountTable) -> StoredDecision:
    """The latest decision the store holds for exactly this table (same fingerprint)."""
    events = store.read(_stream(table.year))
    fingerprint = table.fingerprint()
    earlier_known, earlier_floors = _earlier(events, table, fingerprint)
    for event in reversed(events):
        if event.type == SUPPRESSION_DECIDED and event.data.get("fingerprint") == fingerprint:
            hidden = frozenset((str(u), str(p)) for u, p in event.data["hidden"])
            if "published" in event.data:
                published = frozenset((str(u), str(p)) for u, p in event.data["published"])
            else:  # a decision from before reports were remembered: any cell may have been shown
                published = frozenset(table.conversations) - hidden
            return StoredDecision(
                hidden=hidden,
                audited=bool(event.data.get("audited")),
                version=len(events),
                exists=True,
                published=published,
                earlier_known=earlier_known,
                earlier_floors=earlier_floors,
            )
    return StoredDecision(
        hidden=frozenset(),
        audited=False,
        version=len(events),
        exists=False,
        earlier_known=earlier_known,
        earlier_floors=earlier_floors,
    )


@attrs.frozen(kw_only=True)
class _YearReport:
    cells: Sequence[Cell]
    audited: bool
    write: StreamWrite | None
    """The decision to remember, if it is new or the report shows cells not shown before."""


def _decide(
    store: Store,
    table: CountTable,
    facts: Sequence[ParticipationFact],
    *,
    k: int,
    audit: bool,
    asker: str,
    at: datetime,
    periods: Collection[str],
    levels: Collection[str],
) -> _YearReport:
    """The year's cells under its decision: the stored one if it already hides every cell
    about fewer than *k* people, else one made now on top of it. Cells shown by earlier
    reports count as known to whoever reads this one, so a larger *k* than before cannot
    hide a cell they give away (:class:`~magcore.access.statistics.CannotProtectError`)."""
    found = stored_decision(store, table)
    events = store.read(_stream(table.year))
    primary = {key for key, count in table.people.items() if count < k}
    if found.exists and primary <= found.hidden and (found.audited or not audit):
        hidden, audited = found.hidden, found.audited  # decided before, for this k or more
    else:
        # Over new data of the year (conversations held, erased or moved since), every count
        # earlier reports showed is an equation over the conversations it counted: a report
        # made after the data changed cannot be set against one made before.
        before = history(events, table, facts, event_type=SUPPRESSION_DECIDED, k=k)
        hidden = decide_suppression(
            table,
            k=k,
            already=found.hidden,
            known=found.published | found.earlier_known | (before.known if before else set()),
            floors=found.earlier_floors,
            audit=audit,
            history=before,
        )
        audited = audit or (found.audited and hidden == found.hidden)
    cells = _cells(table, hidden, periods, levels)
    published = found.published | {c.key for c in cells if not c.suppressed}
    unchanged = hidden == found.hidden and audited == found.audited
    if found.exists and unchanged and published == found.published:
        return _YearReport(cells=cells, audited=audited, write=None)
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
            "published": sorted([u, p] for u, p in published),
            # the counts those cells show (published already): a report over later data of
            # the year knows which of them are still known to whoever kept this one
            "values": sorted([u, p, table.conversations[(u, p)]] for u, p in published),
            # what they were counted over: a report over changed data is checked against them
            "population": population(table, facts, salt_of(events, SUPPRESSION_DECIDED)),
        },
    )
    return _YearReport(
        cells=cells, audited=audited, write=StreamWrite(_stream(table.year), found.version, [event])
    )


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
    regulation_k: int | None = None,
    levels: Collection[str] = LEVELS,
    require_audit: bool = True,
    language: str = "en",
) -> ParticipationReport:
    """Conversations held and agreements made per unit and calendar period, never content.

    *start* and *end* (not included) must lie on the grid of *grain*
    (:func:`~magcore.access.statistics_grid.grid_periods`), at most 50 years apart (else
    :class:`~magcore.errors.InputRefused`, before anything is written). *k* may be larger than
    the regulation's minimum group size (:data:`~magcore.access.statistics.DEFAULT_K`, the
    ``research_k`` of the regulation the bodies approved), never smaller. *asker* and *origin* go
    into the audit line. Without the solver (``magcore[statistics]``) the report is refused,
    unless ``require_audit=False``: then only primary and complementary suppression run and
    the report says it is not audited. *language* names a department's own staff and "no team".

    The decision for each year and the cells this report shows are remembered in one
    transaction with the audit line. A refused report (a minimum group size below the
    regulation's, or a larger one that earlier reports make impossible to keep) shows nothing,
    stores nothing but its audit line, and raises
    :class:`~magcore.access.statistics.MinimumGroupError`.

    .. deprecated:: 0.3
       *regulation_k*: the regulation's minimum group size is the service's, not the
       caller's. A value below the regulation's is refused
       (:class:`~magcore.access.statistics.RegulationMinimumError`, audited like any refused
       report); a higher one still raises the floor, with a ``DeprecationWarning`` (ask with
       *k* instead).
    """
    check_id(asker, pointer="/asker")
    at = as_utc(at)
    grain = Grain(grain)
    check_period(start, end)
    periods = grid_periods(start, end, grain)
    unknown = set(levels) - set(LEVELS)
    if unknown:
        raise DefinitionError(f"unknown levels {sorted(unknown)}; use {', '.join(LEVELS)}")
    asked = k or regulation_k or DEFAULT_K
    record = AuditRecord(
        at=at.isoformat(),
        actor=asker,
        action="report",
        object=f"statistics:participation/{grain.value}/{start}/{end}",
        result="done",
        origin=origin,
        reason=f"units: {', '.join(sorted(levels))}; minimum group {asked}",
        purpose="statistics",
    )
    if regulation_k is not None:
        warnings.warn(
            "participation_report(regulation_k=...) is deprecated: the regulation's minimum "
            "group size is the service's; ask for a larger one with k=",
            DeprecationWarning,
            stacklevel=2,
        )
    try:
        k = check_minimum(k, DEFAULT_K if regulation_k is None else regulation_k)
    except MinimumGroupError as error:
        store.append_audit([attrs.evolve(record, result="refused", reason=str(error))])
        raise
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
    tables = [count_table(facts, tree, year) for year in years]
    for _attempt in range(3):
        try:
            reports = [
                _decide(
                    store,
                    table,
                    [f for f in facts if f.held_on.year == table.year],
                    k=k,
                    audit=audit,
                    asker=asker,
                    at=at,
                    periods=periods,
                    levels=levels,
                )
                for table in tables
            ]
        except MinimumGroupError as error:
            store.append_audit([attrs.evolve(record, result="refused", reason=str(error))])
            raise
        writes = [r.write for r in reports if r.write is not None]
        try:
            if writes:
                store.append(writes, audit=[record])
            else:
                store.append_audit([record])
        except ConflictError:
            continue  # someone else decided at the same time: take theirs into account
        return ParticipationReport(
            k=k,
            grain=grain.value,
            start=start,
            end=end,
            periods=periods,
            cells=tuple(cell for r in reports for cell in r.cells),
            audited=all(r.audited for r in reports),
        )
    raise MagcoreError(f"the suppression of {', '.join(map(str, years))} kept changing")


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
