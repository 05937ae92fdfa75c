"""Outcome figures of a run, per calendar year, that published statistics can be held against.

Unlike :func:`magcore.simulate.metrics.summarise`, which needs the whole run in memory, these
are counts that add up over blocks of people, so :mod:`magcore.simulate.stream` computes them
while it writes the log, block by block. The organisation's figures come from its history,
which is simulated once for the whole run.

Per year (clipped to the simulated period):

* ``headcount_start`` / ``headcount_end``: employed on the first and the last day;
  ``headcount_growth`` = end / start - 1;
* ``inflow_rate``, ``outflow_rate``, ``internal_move_rate``: hires, leavers and moves to another
  team, over the average of the two headcounts (as the Personeelsmonitor relates flows to the
  staff);
* ``manager_change_rate``: the share of the average headcount whose manager changed;
* ``span_of_control``: on the last day, employees in teams with a manager per such team;
* ``absence_rate``: the share of planned conversation dates on which the employee was off sick;
* ``coverage``: of those employed on the last day, the share who had a conversation held that
  year; ``offered``: the share for whom one was asked for (by either side) that year;
* ``held_per_employee``: conversations held that year (every kind) over the average headcount;
  ``conversations_per_manager``: conversations held with a manager that year per team with a
  manager on the last day (about: per manager). Participation counts, never about one person;
* ``coverage_12m`` (monthly): at each month end, of the people employed for at least a year,
  the share with a conversation held in the twelve months before.

Groups smaller than ``min_group_size`` are suppressed (``None``), as in the summary.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from ..domain.planning import add_months
from .config import SimulationConfig
from .engine import DAY, Conversations
from .org import ORG_MOVED, OrgHistory, day_number

__all__ = ["YEAR_METRICS", "BlockCounts", "flatten", "org_counts", "outcomes", "periods"]

I64 = npt.NDArray[np.int64]

#: The yearly outcome figures, in the order reports show them.
YEAR_METRICS = (
    "headcount_growth",
    "inflow_rate",
    "outflow_rate",
    "internal_move_rate",
    "manager_change_rate",
    "span_of_control",
    "absence_rate",
    "coverage",
    "offered",
    "held_per_employee",
    "conversations_per_manager",
)


def periods(config: SimulationConfig) -> list[tuple[str, int, int]]:
    """(year, first day, day after) of every calendar year the run touches, clipped to it."""
    start, end = config.start, config.end
    result = []
    for year in range(start.year, end.year + 1):
        a = max(start, date(year, 1, 1))
        b = min(end, date(year + 1, 1, 1))
        if a < b:
            result.append((str(year), day_number(a), day_number(b)))
    return result


def month_ends(config: SimulationConfig) -> list[int]:
    """The last day of every simulated month."""
    return [day_number(add_months(config.start, m)) - 1 for m in range(1, 12 * config.years + 1)]


def org_counts(config: SimulationConfig, org: OrgHistory) -> dict[str, I64]:
    """The organisation's yearly counts (headcounts, flows, span), from its whole history."""
    spans = periods(config)
    names = ("start", "end", "hires", "leavers", "moves", "changed", "managed", "managed_teams")
    out = {n: np.zeros(len(spans), dtype=np.int64) for n in names}
    everyone = np.arange(org.n_people, dtype=np.int64)
    moved_day = org.events["day"][org.events["type"] == ORG_MOVED]
    for i, (_, a, b) in enumerate(spans):
        out["start"][i] = int(((org.hired <= a) & (a < org.left)).sum())
        employed = (org.hired <= b - 1) & (b - 1 < org.left)
        out["end"][i] = int(employed.sum())
        out["hires"][i] = int(((org.hired >= max(a, org.start_day)) & (org.hired < b)).sum())
        out["leavers"][i] = int(((org.left >= a) & (org.left < b)).sum())
        out["moves"][i] = int(((moved_day >= a) & (moved_day < b)).sum())
        hit = (org.change_day >= a) & (org.change_day < b)
        out["changed"][i] = len(np.unique(org.change_person[hit]))
        who = everyone[employed]
        team = org.team_of(who, np.full(len(who), b - 1, dtype=np.int64))
        size = np.bincount(team, minlength=org.n_teams)
        managed = (
            org.manager_of_team(np.arange(org.n_teams), np.full(org.n_teams, b - 1)) >= 0
        ) & (size > 0)
        out["managed"][i] = int(size[managed].sum())
        out["managed_teams"][i] = int(managed.sum())
    return out


class BlockCounts:
    """Counts over the conversations of blocks of people; :meth:`add` one block at a time."""

    def __init__(self, config: SimulationConfig) -> None:
        self.config = config
        self.spans = periods(config)
        self.ends = np.asarray(month_ends(config), dtype=np.int64)
        n, m = len(self.spans), len(self.ends)
        names = ("covered", "offered", "absent", "held", "manager_held")
        self.years = {n_: np.zeros(n, dtype=np.int64) for n_ in names}
        self.years["attempts"] = np.zeros(n, dtype=np.int64)
        self.monthly = {"population": np.zeros(m, dtype=np.int64), "covered": np.zeros(m, np.int64)}

    def _year_index(self, days: I64) -> I64:
        """Each day's year (an index of ``spans``); -1 before the run, ``len(spans)`` after it
        (a conversation moved past the end: it was counted in the last year)."""
        starts = np.asarray([a for _, a, _ in self.spans], dtype=np.int64)
        result: I64 = np.searchsorted(starts, days, side="right") - 1
        result[days >= self.spans[-1][2]] = len(self.spans)
        return result

    def add(self, org: OrgHistory, c: Conversations, lo: int, hi: int) -> None:
        """Count the conversations *c* of the people ``lo <= person < hi``."""
        people = np.arange(lo, hi, dtype=np.int64)
        local = c.person - lo
        held = c.held
        req_day = c.t_req // DAY
        for i, (_, a, b) in enumerate(self.spans):
            employed = (org.hired[people] <= b - 1) & (b - 1 < org.left[people])
            had = np.zeros(hi - lo, dtype=bool)
            had[local[held & (c.held_day >= a) & (c.held_day < b)]] = True
            asked = np.zeros(hi - lo, dtype=bool)
            asked[local[(req_day >= a) & (req_day < b)]] = True
            self.years["covered"][i] += int((employed & had).sum())
            self.years["offered"][i] += int((employed & asked).sum())
        # Conversations held in each year, and those with a manager (patterns 0 and 2).
        held_index = self._year_index(c.held_day[held])
        in_run = (held_index >= 0) & (held_index < len(self.spans))
        with_manager = (c.pattern[held] == 0) | (c.pattern[held] == 2)
        n = len(self.spans)
        self.years["held"] += np.bincount(held_index[in_run], minlength=n)
        self.years["manager_held"] += np.bincount(held_index[in_run & with_manager], minlength=n)
        # Absence: every planned date that came (a move, or the outcome), and whether the
        # employee was off sick on it; counted in the year of that date.
        moved = c.t_resched >= 0
        move_day = c.on[:, : c.t_resched.shape[1]][moved] // DAY
        move_absent = c.resched_reason[moved] == 0
        came = held | (c.reason >= 0) & (c.reason <= 2)
        out_day = c.t_out[came] // DAY
        out_absent = c.reason[came] == 0
        days = np.concatenate([move_day, out_day])
        absent = np.concatenate([move_absent, out_absent])
        index = self._year_index(days)
        ok = (index >= 0) & (index < len(self.spans))
        self.years["attempts"] += np.bincount(index[ok], minlength=len(self.spans))
        self.years["absent"] += np.bincount(index[ok & absent], minlength=len(self.spans))
        # Rolling twelve-month coverage at each month end: a conversation held on day h covers
        # the month ends e with h <= e < h + 365; marked per person with a difference array.
        ends = self.ends
        first = np.searchsorted(ends, c.held_day[held], side="left")
        after = np.searchsorted(ends, c.held_day[held] + 365, side="left")
        width = len(ends) + 1
        cells = (hi - lo) * width
        row = local[held] * width
        marks = np.bincount(row + first, minlength=cells) - np.bincount(
            row + after, minlength=cells
        )
        covered = np.cumsum(marks.reshape(hi - lo, width)[:, :-1], axis=1) > 0
        hired, left = org.hired[people][:, None], org.left[people][:, None]
        members = (hired <= ends[None, :] - 365) & (ends[None, :] < left)
        self.monthly["population"] += members.sum(axis=0)
        self.monthly["covered"] += (members & covered).sum(axis=0)


def _rate(part: int, whole: float, k: int, population: int) -> float | None:
    if population < k or whole <= 0:
        return None
    return round(part / whole, 6)


def outcomes(config: SimulationConfig, org: dict[str, I64], counts: BlockCounts) -> dict[str, Any]:
    """The outcome figures (plain JSON data) from the organisation's and the blocks' counts."""
    k = config.min_group_size
    years = []
    for i, (name, a, b) in enumerate(counts.spans):
        start, end = int(org["start"][i]), int(org["end"][i])
        average = (start + end) / 2
        population = min(start, end)
        teams = int(org["managed_teams"][i])
        years.append(
            {
                "year": name,
                "days": b - a,
                "full_year": b - a >= 365,
                "headcount_start": start if start >= k else None,
                "headcount_end": end if end >= k else None,
                "headcount_growth": None if start < k else round(end / start - 1, 6),
                "inflow_rate": _rate(int(org["hires"][i]), average, k, population),
                "outflow_rate": _rate(int(org["leavers"][i]), average, k, population),
                "internal_move_rate": _rate(int(org["moves"][i]), average, k, population),
                "manager_change_rate": _rate(int(org["changed"][i]), average, k, population),
                "span_of_control": None if teams < k else round(int(org["managed"][i]) / teams, 3),
                "absence_rate": _rate(
                    int(counts.years["absent"][i]),
                    int(counts.years["attempts"][i]),
                    k,
                    int(counts.years["attempts"][i]),
                ),
                "coverage": _rate(int(counts.years["covered"][i]), end, k, end),
                "offered": _rate(int(counts.years["offered"][i]), end, k, end),
                "held_per_employee": _rate(int(counts.years["held"][i]), average, k, population),
                "conversations_per_manager": None
                if teams < k
                else round(int(counts.years["manager_held"][i]) / teams, 3),
            }
        )
    epoch = np.datetime64("1970-01-01", "D")
    monthly = []
    for j, e in enumerate(counts.ends.tolist()):
        population = int(counts.monthly["population"][j])
        covered = int(counts.monthly["covered"][j])
        monthly.append(
            {
                "month_end": str(epoch + np.timedelta64(e, "D")),
                "population": population if population >= k else None,
                "coverage_12m": _rate(covered, population, k, population),
            }
        )
    return {"years": years, "monthly": monthly}


def flatten(result: dict[str, Any]) -> dict[str, float | None]:
    """``{"coverage@2024": 0.87, ..., "coverage_12m@2024-06-30": 0.9}``: one number per key."""
    flat: dict[str, float | None] = {}
    for row in result["years"]:
        for metric in YEAR_METRICS:
            flat[f"{metric}@{row['year']}"] = row[metric]
    for row in result["monthly"]:
        flat[f"coverage_12m@{row['month_end']}"] = row["coverage_12m"]
    return flat
