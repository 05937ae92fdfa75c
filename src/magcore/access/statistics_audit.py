"""The interval check statistical offices run on a suppressed table (audit by linear
programming).

Someone who wants a suppressed cell knows every published cell of the table and how the table
adds up (a department is the sum of its units, a year the sum of its quarters, a quarter the
sum of its months; no count is negative). With those facts the cell lies somewhere between a
smallest and a largest value: this module computes both with the HiGHS solver (``highspy``,
from the ``statistics`` extra) and finds the cells whose interval is narrower than the
protection level the regulation asks for. Only the cells joined to it through suppressed cells
matter for one cell, so the table is solved in small independent parts.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from ..errors import ExtraMissingError, MagcoreError

__all__ = [
    "EarlierRounds",
    "History",
    "Interval",
    "Relation",
    "SolverMissing",
    "intervals",
    "narrow_cells",
    "solver_available",
]

Key = tuple[str, str]
Relation = tuple[Key, tuple[Key, ...]]
"""``(total, parts)``: the total cell is the sum of its part cells."""
Interval = tuple[float, float]

_EPSILON = 1e-6


@attrs.define
class EarlierRounds:
    """What the rounds of one suppression decision solved, for the next round (the cells
    suppressed only grow from round to round, over the same values and relations).

    A part of the table whose suppressed cells did not change has the same intervals. And a
    value a cell took in a solution of an earlier round is one it can take now too (a cell
    suppressed since adds a variable, it takes no constraint away): each cell's earlier
    interval is a range it is known to span, so a cell that spanned enough then is not
    solved again.
    """

    parts: dict[Any, dict[Key, Interval]] = attrs.field(factory=dict)
    """The intervals of each part solved, by its relations, suppressed cells and floors."""
    spans: dict[Key, Interval] = attrs.field(factory=dict)
    """The range each cell was seen to span in an earlier round."""


@attrs.frozen(kw_only=True)
class History:
    """The earlier states of the year as cells and sums the interval check adds to today's
    (made by :func:`magcore.access.statistics_history.history`)."""

    values: Mapping[Key, int]
    """Every cell of the earlier states and every atom, with its true count."""
    relations: tuple[Relation, ...]
    variables: frozenset[Key]
    """Cells whose count no report showed: unknowns of the interval check."""
    protect: frozenset[Key]
    """Atoms that must stay at least the protection level wide."""
    known: frozenset[Key] = frozenset()
    """Cells of today's table that count exactly the conversations the same cell counted when
    an earlier report showed it: their count is known whether this report shows them or not."""


class SolverMissing(ExtraMissingError):
    """The interval check needs the ``statistics`` extra (the HiGHS solver)."""

    def __init__(self) -> None:
        super().__init__(
            "statistics", "the interval check of participation statistics", ["highspy"]
        )

    def __reduce__(self) -> tuple[type[SolverMissing], tuple[()]]:
        return (type(self), ())


def solver_available() -> bool:
    """Whether ``highspy`` can be imported."""
    try:
        import highspy  # noqa: F401
    except ImportError:
        return False
    return True


_BANNER_SHOWN = False


def _quiet_highs(highspy: Any) -> Any:
    """A HiGHS instance that prints nothing.

    HiGHS prints its banner to the process's standard output when the first instance is made,
    before any option can be set; that would end up inside ``magcore report --json``. So the
    first instance is made with file descriptor 1 pointed at ``/dev/null``.
    """
    global _BANNER_SHOWN
    if not _BANNER_SHOWN:
        sys.stdout.flush()
        saved = os.dup(1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
            h = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(devnull)
        _BANNER_SHOWN = True
    else:
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    # Dual simplex: measured fastest here (bench/participation.py), now that most cells are
    # settled by the solutions already found and few solves remain.
    h.setOptionValue("simplex_strategy", 1)
    return h


def _components(hidden: Iterable[Key], relations: Sequence[Relation]) -> list[list[int]]:
    """Indices of the relations, grouped so that groups share no suppressed cell."""
    parent: dict[Key, Key] = {key: key for key in hidden}

    def find(key: Key) -> Key:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    touching: list[tuple[int, Key]] = []
    for index, (total, parts) in enumerate(relations):
        members = [m for m in (total, *parts) if m in parent]
        if not members:
            continue
        root = find(members[0])
        for member in members[1:]:
            other = find(member)
            if other != root:
                parent[other] = root
        touching.append((index, members[0]))
    groups: dict[Key, list[int]] = {}
    for index, member in touching:
        groups.setdefault(find(member), []).append(index)
    return list(groups.values())


def intervals(
    values: Mapping[Key, int],
    hidden: Iterable[Key],
    relations: Sequence[Relation],
    *,
    protection: float = math.inf,
    floors: Mapping[Key, float] | None = None,
    earlier: EarlierRounds | None = None,
) -> dict[Key, Interval]:
    """The smallest and largest value every *hidden* cell can have, given the published ones.

    *values* holds every cell's true value; only the published ones (not in *hidden*) are used
    as known. *floors* are lower bounds whoever reads the report may know of hidden cells (a
    count an earlier report showed, which can only have grown since). A cell in no relation
    at all is unbounded (its floor, ``inf``). With a *protection*, a cell found at least that
    wide may get a narrower (but still wide enough) interval than the exact one, which saves
    half the work. *earlier*, kept by the caller between calls over the same *values*,
    *relations*, *floors* and *protection* in which the *hidden* cells only grow (the rounds of
    one decision), saves solving again what an earlier call settled (:class:`EarlierRounds`).
    """
    hidden = set(hidden)
    # a floor above a cell's count (conversations erased since) says nothing of it now
    floors = {k: f for k, f in (floors or {}).items() if k in hidden and f <= values.get(k, 0)}
    result: dict[Key, Interval] = {key: (float(floors.get(key, 0)), math.inf) for key in hidden}
    for group in _components(hidden, relations):
        rows = [relations[i] for i in group]
        if all(m in hidden for total, parts in rows for m in (total, *parts)):
            continue  # nothing published nearby: every cell can be as large as one likes
        part: dict[Key, Interval] | None = None
        if earlier is not None:
            members = frozenset(m for total, parts in rows for m in (total, *parts) if m in hidden)
            memo = (tuple(group), members, frozenset(floors.items()), protection)
            part = earlier.parts.get(memo)
        if part is None:
            spans = earlier.spans if earlier is not None else {}
            part = _solve(values, hidden, rows, protection, floors, spans)
            if earlier is not None:
                earlier.parts[memo] = part
                earlier.spans.update(part)
        result.update(part)
    return result


def _solve(
    values: Mapping[Key, int],
    hidden: set[Key],
    rows: Sequence[Relation],
    protection: float = math.inf,
    floors: Mapping[Key, float] | None = None,
    spans: Mapping[Key, Interval] | None = None,
) -> dict[Key, Interval]:
    """Each hidden cell's interval in one part of the table (each at least its floor).

    With a finite *protection*, a cell shown to be at least that wide (by the values it took in
    the solutions found so far, or by its largest value) is not solved further: its interval is
    then a part of the exact one, and still at least *protection* wide. *spans* are ranges
    cells were seen to span in solutions of an earlier round (:class:`EarlierRounds`).
    """
    try:
        import highspy
        import numpy  # highspy's own dependency
    except ImportError:
        raise SolverMissing() from None
    h = _quiet_highs(highspy)
    variables = sorted({m for total, parts in rows for m in (total, *parts) if m in hidden})
    column = {key: i for i, key in enumerate(variables)}
    n = len(variables)
    lowest = [float((floors or {}).get(key, 0)) for key in variables]
    h.addVars(n, lowest, [highspy.kHighsInf] * n)
    for total, parts in rows:
        coefficients: dict[int, float] = {}
        known = 0.0
        for member, sign in ((total, 1.0), *((p, -1.0) for p in parts)):
            if member in hidden:
                coefficients[column[member]] = coefficients.get(column[member], 0.0) + sign
            else:
                known -= sign * values[member]
        indices = sorted(coefficients)
        h.addRow(known, known, len(indices), indices, [coefficients[i] for i in indices])
    # Every solution found is a table the published cells allow, and so is the true one: the
    # range of values seen so far is inside each cell's interval. A cell already seen that far
    # apart needs no solve of its own (with many suppressed cells this saves most of them).
    seen_low = numpy.array([float(values[key]) for key in variables])
    seen_high = seen_low.copy()
    for index, key in enumerate(variables):
        span = (spans or {}).get(key)
        if span is not None:
            seen_low[index] = min(seen_low[index], span[0])
            seen_high[index] = max(seen_high[index], span[1])

    def remember() -> None:
        solution = numpy.asarray(h.getSolution().col_value, dtype=float)
        numpy.minimum(seen_low, solution, out=seen_low)
        numpy.maximum(seen_high, solution, out=seen_high)

    result: dict[Key, Interval] = {}
    every = list(range(n))
    for index, key in enumerate(variables):
        low_seen, high_seen = float(seen_low[index]), float(seen_high[index])
        if high_seen - low_seen >= protection:
            result[key] = (low_seen, high_seen)
            continue
        costs = [0.0] * n
        costs[index] = 1.0
        high = _optimum(h, highspy, every, costs, highspy.ObjSense.kMaximize, key)
        if math.isinf(high):
            if math.isinf(protection):  # the exact interval: its smallest value too
                low = _optimum(h, highspy, every, costs, highspy.ObjSense.kMinimize, key)
                remember()
                result[key] = (low, high)
            else:  # wide enough whatever the smallest is
                result[key] = (float(seen_low[index]), high)
            continue
        remember()
        if high - float(seen_low[index]) >= protection:
            result[key] = (float(seen_low[index]), high)  # wide enough whatever the smallest is
            continue
        low = _optimum(h, highspy, every, costs, highspy.ObjSense.kMinimize, key)
        remember()
        result[key] = (low, high)
    return result


def _optimum(
    h: Any, highspy: Any, columns: list[int], costs: list[float], sense: Any, key: Key | None
) -> float:
    h.changeColsCost(len(columns), columns, costs)
    h.changeObjectiveSense(sense)
    h.run()
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kOptimal:
        return float(h.getInfo().objective_function_value)
    if status == highspy.HighsModelStatus.kUnbounded:
        return math.inf
    raise MagcoreError(f"the interval check of cell {key} ended in {h.modelStatusToString(status)}")


def narrow_cells(
    values: Mapping[Key, int],
    hidden: Iterable[Key],
    relations: Sequence[Relation],
    protection: int,
    floors: Mapping[Key, float] | None = None,
    earlier: EarlierRounds | None = None,
) -> dict[Key, Interval]:
    """The suppressed cells whose interval is narrower than *protection*, with their interval
    (*floors*: lower bounds known of hidden cells; *earlier*: what earlier rounds of the same
    decision solved; see :func:`intervals`)."""
    found = intervals(
        values, hidden, relations, protection=protection, floors=floors, earlier=earlier
    )
    return {
        key: (low, high) for key, (low, high) in found.items() if high - low < protection - _EPSILON
    }
