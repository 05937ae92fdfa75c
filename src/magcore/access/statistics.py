"""Participation statistics that cannot be differenced: the only thing the works council and
researchers see of the cycle.

A report counts how many conversations were held and how many agreements were made, per unit
of the organisation (team, department, the whole organisation) and per calendar month, quarter
or year (:mod:`magcore.access.statistics_grid`). It counts participation only: never content, never
anything about a person. Every count of one calendar year belongs to one table (all units x
the year, its quarters and its months), and suppression is decided once on that whole table:

* *primary*: a cell about fewer people than the minimum group size *k* (zero included);
* *complementary*: more cells, until in every additive relation (a unit is the sum of the units
  under it, a year of its quarters, a quarter of its months) no suppressed cell is alone and the
  suppressed parts of a published total add up to at least the protection level;
* *audit*: the interval check (:mod:`magcore.access.statistics_audit`) solves, for every suppressed
  cell, its smallest and largest possible value given all published cells; while one is
  narrower than the protection level, a neighbouring cell is suppressed too.

The decision is remembered in the store (stream ``statistics:<year>``, one event per decision,
with the table's fingerprint), so every later report over the same data hides the same cells,
whatever its grain or units: together they never publish more than one safe table. Every report
leaves an audit line (who asked, which grid, which units).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date

import attrs

from ..errors import DefinitionError, MagcoreError
from ..events import canonical_json
from .statistics_audit import EarlierRounds, History, Relation, narrow_cells, solver_available
from .statistics_grid import (
    ALL,
    NO_TEAM,
    UnitTree,
    period_of,
    period_relations,
    periods_of_year,
)

__all__ = [
    "ALL",
    "DEFAULT_K",
    "CannotProtectError",
    "Cell",
    "CountTable",
    "MinimumGroupError",
    "ParticipationFact",
    "RegulationMinimumError",
    "check_minimum",
    "count_table",
    "decide_suppression",
]

#: The minimum group size the regulation states (``research_k`` in
#: :func:`magcore.policy.policy_source`): no report may use a smaller one.
DEFAULT_K = 5

Key = tuple[str, str]
"""``(unit, period)``: one cell of a table."""


class MinimumGroupError(MagcoreError, ValueError):
    """A report asked for a smaller minimum group size than the regulation allows."""


class CannotProtectError(MinimumGroupError):
    """A cell this minimum group size must hide can be worked out from published cells.

    That happens when an earlier report over the same data, with a smaller minimum group size,
    already showed the cells around it: a later report cannot take them back. Nothing of the
    report is shown; the earlier minimum still gives a report. The message does not name the
    cells (which ones could not be hidden says something about them); :attr:`cells` does, for
    the code that asked.
    """

    def __init__(self, year: int, k: int, cells: frozenset[Key], earlier: bool) -> None:
        self.year = year
        self.k = k
        self.cells = cells
        if earlier:
            why = (
                "reports made earlier over the same data, with a smaller minimum group size, "
                "already show enough to work them out; ask with the minimum group size used then"
            )
        else:
            why = "the published cells around them give them away"
        super().__init__(
            f"{year}: the minimum group size {k} cannot be kept for {len(cells)} "
            f"{'cell' if len(cells) == 1 else 'cells'}: {why}"
        )


class RegulationMinimumError(MinimumGroupError):
    """A caller stated the regulation's minimum group size itself, below the regulation's.

    The regulation's minimum (:data:`DEFAULT_K`, what the works council approved) is the
    service's, not the caller's: a caller may ask a report to hide more, never say that the
    regulation allows less.
    """


def check_minimum(k: int | None, regulation_k: int = DEFAULT_K) -> int:
    """The minimum group size to use: *k* if given, else the regulation's; never below it.

    *regulation_k* may only raise the floor above the regulation's :data:`DEFAULT_K` (a value
    below it is refused with :class:`RegulationMinimumError`): no caller lowers what the
    regulation sets.
    """
    if isinstance(regulation_k, bool) or not isinstance(regulation_k, int):
        raise RegulationMinimumError("the regulation's minimum group size must be a whole number")
    if regulation_k < DEFAULT_K:
        raise RegulationMinimumError(
            f"the regulation sets a minimum group size of {DEFAULT_K}; a caller may not state "
            f"a smaller one ({regulation_k}): a report may hide more, never less"
        )
    if k is None:
        return regulation_k
    if isinstance(k, bool) or not isinstance(k, int):
        raise MinimumGroupError("the minimum group size must be a whole number")
    if k < regulation_k:
        raise MinimumGroupError(
            f"the minimum group size {k} is below the {regulation_k} the regulation sets; "
            f"a report may hide more, never less (use {regulation_k} or higher)"
        )
    return k


def _people(value: Iterable[str]) -> frozenset[str]:
    return frozenset(value)


@attrs.frozen(kw_only=True)
class ParticipationFact:
    """One conversation that was held: in which unit, on which day, about how many people."""

    conversation: str
    people: frozenset[str] = attrs.field(converter=_people)
    """Who it was about (the subject; every member for a team conversation). Only counted."""
    unit: str
    """The unit (a leaf of the :class:`~magcore.access.statistics_grid.UnitTree`) it counts in."""
    held_on: date
    agreements: int = 0


@attrs.frozen(kw_only=True)
class Cell:
    """One cell of a report. A suppressed cell carries no numbers at all."""

    level: str
    """``team``, ``department`` or ``organisation``."""
    unit: str
    name: str
    """The unit's name, as people know it."""
    period: str
    suppressed: bool
    conversations: int | None
    agreements: int | None

    @property
    def key(self) -> Key:
        return (self.unit, self.period)


@attrs.frozen(kw_only=True)
class CountTable:
    """Every count of one calendar year, for every unit and every period of the grid."""

    year: int
    tree: UnitTree
    people: Mapping[Key, int]
    conversations: Mapping[Key, int]
    agreements: Mapping[Key, int]
    relations: tuple[Relation, ...]
    source: str = ""
    """A SHA-256 over the facts counted (conversation ids, units, days, agreement counts)."""

    def fingerprint(self) -> str:
        """A SHA-256 over the units and the facts counted: equal for the same data.

        It is taken over conversation ids rather than over the counts, so that whoever sees a
        stored decision cannot try out values for the suppressed cells against it.
        """
        units = sorted([u.id, u.parent or ""] for u in self.tree.units.values())
        payload = canonical_json({"year": self.year, "units": units, "facts": self.source})
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _ancestors(tree: UnitTree, unit: str) -> list[str]:
    chain = []
    current: str | None = unit
    while current is not None:
        chain.append(current)
        current = tree.units[current].parent
    return chain


def count_table(facts: Iterable[ParticipationFact], tree: UnitTree, year: int) -> CountTable:
    """Count the *facts* held in *year* in every unit and period of the grid."""
    periods = periods_of_year(year)
    facts = [f for f in facts if f.held_on.year == year]
    if any(f.unit == NO_TEAM for f in facts) and NO_TEAM not in tree.units:
        raise DefinitionError(f"a fact counts in {NO_TEAM!r} but the tree has no such unit")
    units = [u for u in tree.units if u != NO_TEAM or any(f.unit == NO_TEAM for f in facts)]
    people: dict[Key, set[str]] = {(u, p): set() for u in units for p in periods}
    conversations = dict.fromkeys(people, 0)
    agreements = dict.fromkeys(people, 0)
    for fact in facts:
        if fact.unit not in tree.units:
            raise DefinitionError(f"conversation {fact.conversation} counts in unknown unit")
        when = [period_of(fact.held_on, g) for g in ("year", "quarter", "month")]
        for unit in _ancestors(tree, fact.unit):
            for period in when:
                people[(unit, period)] |= fact.people
                conversations[(unit, period)] += 1
                agreements[(unit, period)] += fact.agreements
    relations: list[Relation] = []
    children = {
        parent: tuple(k for k in kids if k in units)
        for parent, kids in tree.children().items()
        if parent in units
    }
    for period in periods:
        for parent, kids in sorted(children.items()):
            if kids:
                relations.append(((parent, period), tuple((k, period) for k in kids)))
    for unit in units:
        for total, parts in period_relations(year):
            relations.append(((unit, total), tuple((unit, p) for p in parts)))
    return CountTable(
        year=year,
        tree=tree,
        people={key: len(who) for key, who in people.items()},
        conversations=conversations,
        agreements=agreements,
        relations=tuple(relations),
        source=hashlib.sha256(
            canonical_json(
                sorted(
                    [f.conversation, f.unit, f.held_on.isoformat(), f.agreements, sorted(f.people)]
                    for f in facts
                )
            ).encode("utf-8")
        ).hexdigest(),
    )


def _hide_one(
    candidates: Iterable[Key],
    values: Mapping[Key, int],
    short: int,
    hidden: Collection[Key],
    known: Collection[Key] = (),
) -> Key | None:
    """The published cell to suppress next: the smallest that makes up *short*, else the
    largest. A *known* cell (shown by an earlier report) is never chosen: hiding it protects
    nothing."""
    shown = [c for c in candidates if c not in hidden and c not in known]
    if not shown:
        return None
    enough = [c for c in shown if values[c] >= short]
    if enough:
        return min(enough, key=lambda c: (values[c], c))
    return max(shown, key=lambda c: (values[c], c))


def _complement(
    hidden: set[Key],
    relations: Sequence[Relation],
    values: Mapping[Key, int],
    protection: int,
    known: Collection[Key] = (),
) -> None:
    """Suppress more cells until no relation has one suppressed member alone, and the
    suppressed parts of a published total add up to at least *protection*.

    Suppressions only grow and every round adds one, so this ends. A *known* cell counts as
    published, whether it is suppressed now or not, and is never added.
    """
    member_of: dict[Key, list[int]] = {}
    for index, (total, parts) in enumerate(relations):
        for member in (total, *parts):
            member_of.setdefault(member, []).append(index)
    queue = list(range(len(relations)))
    while queue:
        total, parts = relations[queue.pop()]
        hidden_parts = [p for p in parts if p in hidden and p not in known]
        if total in hidden and total not in known:
            if hidden_parts:
                continue
            added = _hide_one(parts, values, 0, hidden, known)  # the total alone: hide a part
        else:
            if not hidden_parts:
                continue
            remainder = sum(values[p] for p in hidden_parts)
            if len(hidden_parts) >= 2 and remainder >= protection:
                continue
            short = protection - remainder
            added = _hide_one(parts, values, short, hidden, known) or total
        if added is None or added in hidden or added in known:
            continue
        hidden.add(added)
        queue.extend(member_of.get(added, ()))


def decide_suppression(
    table: CountTable,
    *,
    k: int,
    protection: int | None = None,
    already: Collection[Key] = (),
    known: Collection[Key] = (),
    floors: Mapping[Key, int] | None = None,
    audit: bool = True,
    history: History | None = None,
) -> frozenset[Key]:
    """The cells of *table* to suppress: primary, complementary, then by the interval check.

    *already* are cells an earlier decision over the same data suppressed: they stay
    suppressed, so the new decision only ever adds. *known* are cells earlier reports over the
    same data showed: the new decision treats them as published, whatever it hides now, and
    never hides one to protect another. *floors* are counts earlier reports over earlier data
    of the year showed: lower bounds of cells that have grown since, which the interval check
    takes as known to whoever kept those reports. *history* joins the earlier states of the
    year's data to this table by the conversations they share
    (:mod:`magcore.access.statistics_history`): every count an earlier report showed, grown or
    shrunk, enters the interval check, and every atom it protects must stay as wide as a
    suppressed cell. *protection* (default *k*) is how wide the
    interval of every suppressed cell's conversations must stay. With ``audit=False`` (no
    solver installed) only the first two steps run; the decision is then marked unaudited.

    Raises :class:`CannotProtectError` when a cell the decision must hide (for a larger *k*
    than before) can already be worked out from what earlier reports showed.
    """
    if k < 1:
        raise MinimumGroupError("the minimum group size must be at least 1")
    protection = k if protection is None else protection
    values = table.conversations
    known = frozenset(key for key in known if key in values)
    hidden = {key for key, count in table.people.items() if count < k}
    hidden |= {key for key in already if key in values}
    _complement(hidden, table.relations, values, protection, known)
    if not audit:
        return frozenset(hidden)
    relations = table.relations
    every: Mapping[Key, int] = values
    extra: frozenset[Key] = frozenset()
    if history is not None:
        relations = (*relations, *history.relations)
        every = {**history.values, **values}
        extra = history.variables
    member_of: dict[Key, list[Relation]] = {}
    for relation in relations:
        for member in (relation[0], *relation[1]):
            member_of.setdefault(member, []).append(relation)
    earlier = EarlierRounds()  # what one round solved, for the next (hidden only grows)
    while narrow := _narrow(every, hidden, known, relations, protection, floors, earlier, history):
        added = _widen(narrow, hidden, known, member_of, values, protection, extra)
        if not added:
            raise CannotProtectError(table.year, k, frozenset(narrow), bool(known))
        hidden |= added
        _complement(hidden, table.relations, values, protection, known)
    return frozenset(hidden)


def _narrow(
    values: Mapping[Key, int],
    hidden: set[Key],
    known: frozenset[Key],
    relations: Sequence[Relation],
    protection: int,
    floors: Mapping[Key, int] | None,
    earlier: EarlierRounds,
    history: History | None,
) -> dict[Key, tuple[float, float]]:
    """The suppressed cells (and, with a *history*, the atoms it protects) narrower than
    *protection*, given the published cells and every count earlier reports showed."""
    if history is None:
        return narrow_cells(values, hidden - known, relations, protection, floors, earlier)
    unknown = (hidden - known) | history.variables
    found = narrow_cells(values, unknown, relations, protection, floors, earlier)
    wanted = (hidden - known) | history.protect
    return {key: interval for key, interval in found.items() if key in wanted}


def _widen(
    narrow: Mapping[Key, tuple[float, float]],
    hidden: set[Key],
    known: frozenset[Key],
    member_of: Mapping[Key, list[Relation]],
    values: Mapping[Key, int],
    protection: int,
    extra: frozenset[Key] = frozenset(),
) -> set[Key]:
    """For every too narrow cell, one published cell next to it to suppress as well: a part of
    a relation it is in (the smallest that makes up what is missing), else a total, else the
    same one step further along the suppressed cells it is joined to. *Known* cells are
    neither chosen nor walked through; the *extra* unknowns of earlier states and atoms are
    walked through, never chosen (only cells of this table can be hidden now)."""
    unknown = (hidden - known) | extra
    added: set[Key] = set()
    for key in sorted(narrow):
        low, high = narrow[key]
        short = max(1, int(protection - (high - low)))
        seen = {key}
        frontier = [key]
        walk: set[Key] = set()
        choice: Key | None = None
        while frontier and choice is None:
            parts_near: set[Key] = set()
            totals_near: set[Key] = set()
            for cell in frontier:
                for total, parts in member_of.get(cell, ()):
                    parts_near.update(p for p in parts if p in values)
                    if total in values:
                        totals_near.add(total)
                    walk.update(m for m in (total, *parts) if m not in values)
            blocked = hidden | added | known
            choice = _hide_one(sorted(parts_near - blocked), values, short, blocked)
            choice = choice or _hide_one(sorted(totals_near - blocked), values, short, blocked)
            frontier = sorted(((parts_near | totals_near | walk) & unknown) - seen)
            seen.update(frontier)
        if choice is not None:
            added.add(choice)
    return added


def audit_available() -> bool:
    """Whether the interval check can run here (the ``statistics`` extra is installed)."""
    return solver_available()
