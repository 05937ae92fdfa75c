"""Summary metrics of a simulation: participation, time, agreements, and manager changes.

Every figure is a count or share over a group, never a value about one person, and any group
with fewer than ``min_group_size`` people (default 5) is suppressed: its figures are ``None``
and ``suppressed`` is true. The same rule holds for the manager-load histogram's bins.

* ``coverage``: per calendar year (clipped to the simulated period), of the people employed on
  the period's last day, how many had a conversation held in it; and of the people who were due
  a conversation (an obligation, not a gentle prompt), how many had one. Split by pilot teams /
  others and teams with / without a manager. Under a cycle with nothing due (a free cadence)
  ``due`` is 0 and ``due_rate`` ``None``, and ``suppressed`` stays false for a large group.
* ``coverage_monthly``: at each month end, the share of people employed for at least a year who
  had a conversation in the twelve months before.
* ``days_between``: days between consecutive held conversations of the same person.
* ``manager_hours``: per month of the simulated period, hours managers spend in conversations
  (and preparing them), over the managers who held at least one.
* ``agreements``: at each month end, agreements made, done, dropped, lapsed (person left) and
  open; ``manager_changes``: how agreements end and how long the gaps are, with and without a
  change of manager in between.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..domain.planning import add_months
from .engine import DAY, Simulation
from .org import FAR_FUTURE, day_number

__all__ = ["summarise", "write_metrics"]

I64 = npt.NDArray[np.int64]
_EPOCH = np.datetime64("1970-01-01", "D")


def _iso(day: int) -> str:
    return str(_EPOCH + np.timedelta64(int(day), "D"))


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 6)


def _stats(values: npt.NDArray[Any], k: int, people: int) -> dict[str, Any]:
    if people < k or len(values) == 0:
        return {
            "count": len(values) if people >= k else None,
            "suppressed": people < k,
            "mean": None,
            "p10": None,
            "median": None,
            "p90": None,
        }
    q = np.percentile(values, [10, 50, 90])
    return {
        "count": len(values),
        "suppressed": False,
        "mean": round(float(values.mean()), 3),
        "p10": round(float(q[0]), 3),
        "median": round(float(q[1]), 3),
        "p90": round(float(q[2]), 3),
    }


def _periods(sim: Simulation) -> list[tuple[str, int, int]]:
    start, end = sim.config.start, sim.config.end
    result = []
    for year in range(start.year, end.year + 1):
        a = max(start, date(year, 1, 1))
        b = min(end, date(year + 1, 1, 1))
        if a < b:
            result.append((str(year), day_number(a), day_number(b)))
    return result


def _coverage(sim: Simulation) -> list[dict[str, Any]]:
    c, org, k = sim.conversations, sim.org, sim.config.min_group_size
    held = c.held
    everyone = np.arange(org.n_people, dtype=np.int64)
    rows = []
    for name, a, b in _periods(sim):
        last = b - 1
        in_period = held & (c.held_day >= a) & (c.held_day < b)
        had = np.zeros(org.n_people, dtype=bool)
        had[c.person[in_period]] = True
        due_mask = ~c.prompt & (c.due_day >= a) & (c.due_day < b)
        due = np.zeros(org.n_people, dtype=bool)
        due[c.person[due_mask]] = True
        employed = (org.hired <= last) & (last < org.left)
        team = np.full(org.n_people, -1, dtype=np.int64)
        team[employed] = org.team_of(everyone[employed], np.full(int(employed.sum()), last))
        safe = np.maximum(team, 0)
        groups = {
            "all": employed,
            "pilot_teams": employed & org.pilot[safe],
            "other_teams": employed & ~org.pilot[safe],
            "with_manager": employed & ~org.self_steering[safe],
            "self_steering": employed & org.self_steering[safe],
        }
        for group, members in groups.items():
            population = int(members.sum())
            covered = int((members & had).sum())
            due_here = due if group == "all" else due & members
            n_due = int(due_here.sum())
            n_due_covered = int((due_here & had).sum())
            hidden = population < k
            # Nobody due (a free cadence has prompts, not obligations) is no small group: the
            # zero is shown and the share is undefined, but the row is not suppressed.
            hidden_due = 0 < n_due < k or (hidden and n_due == 0)
            rows.append(
                {
                    "period": name,
                    "start": _iso(a),
                    "end": _iso(b),
                    "group": group,
                    "population": None if hidden else population,
                    "covered": None if hidden else covered,
                    "rate": None if hidden else _share(covered, population),
                    "due": None if hidden_due else n_due,
                    "due_covered": None if hidden_due else n_due_covered,
                    "due_rate": None if hidden_due else _share(n_due_covered, n_due),
                    "suppressed": hidden or hidden_due,
                }
            )
    return rows


def _monthly(sim: Simulation) -> list[dict[str, Any]]:
    c, org, k = sim.conversations, sim.org, sim.config.min_group_size
    held = np.flatnonzero(c.held)
    key = (c.person[held] << 32) | c.held_day[held]
    key.sort()
    everyone = np.arange(org.n_people, dtype=np.int64)
    rows = []
    for m in range(1, 12 * sim.config.years + 1):
        e = day_number(add_months(sim.config.start, m)) - 1
        members = (org.hired <= e - 365) & (e < org.left)
        who = everyone[members]
        pos = np.searchsorted(key, (who << 32) | e, side="right") - 1
        ok = pos >= 0
        last_person = np.where(ok, key[np.maximum(pos, 0)] >> 32, -1)
        last_day = np.where(ok, key[np.maximum(pos, 0)] & 0xFFFFFFFF, -1)
        covered = int(((last_person == who) & (last_day > e - 365)).sum())
        population = len(who)
        hidden = population < k
        rows.append(
            {
                "month_end": _iso(e),
                "population": None if hidden else population,
                "covered": None if hidden else covered,
                "rate": None if hidden else _share(covered, population),
                "suppressed": hidden,
            }
        )
    return rows


def _gaps(sim: Simulation) -> tuple[I64, npt.NDArray[np.bool_], I64]:
    c = sim.conversations
    held = np.flatnonzero(c.held)
    order = held[np.lexsort((c.held_day[held], c.person[held]))]
    same = c.person[order][1:] == c.person[order][:-1]
    gaps = (c.held_day[order][1:] - c.held_day[order][:-1])[same]
    manager = np.where((c.pattern != 1) & (c.pattern != 3), c.partner, -2)
    changed = (manager[order][1:] != manager[order][:-1])[same]
    people = c.person[order][1:][same]
    return gaps, changed, people


def _manager_hours(sim: Simulation) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    c, k = sim.conversations, sim.config.min_group_size
    minutes = sim.config.conversation_minutes + sim.config.manager_preparation_minutes
    rows_mask = c.held & (c.pattern != 1) & (c.pattern != 3)
    manager = c.partner[rows_mask]
    day = c.held_day[rows_mask]
    month = (day.astype("datetime64[D]").astype("datetime64[M]")).astype(np.int64)
    key = (month << 32) | manager
    uniq, counts = np.unique(key, return_counts=True)
    months = uniq >> 32
    rows = []
    # Months of the simulated period only: conversations due near its end that are moved past
    # it would give partial months after it (with no new conversations due), read as a drop.
    first = np.datetime64(sim.config.start, "M").astype(np.int64)
    after = np.datetime64(sim.config.end, "M").astype(np.int64)
    for m in np.unique(months[(months >= first) & (months < after)]):
        hours = counts[months == m] * minutes / 60
        n = len(hours)
        hidden = n < k
        q = np.percentile(hours, [50, 90, 95]) if not hidden else (None, None, None)
        rows.append(
            {
                "month": str(np.datetime64(int(m), "M")),
                "managers": None if hidden else n,
                "total_hours": None if hidden else round(float(hours.sum()), 2),
                "mean_hours": None if hidden else round(float(hours.mean()), 3),
                "p50_hours": None if hidden else round(float(q[0]), 3),  # type: ignore[arg-type]
                "p90_hours": None if hidden else round(float(q[1]), 3),  # type: ignore[arg-type]
                "p95_hours": None if hidden else round(float(q[2]), 3),  # type: ignore[arg-type]
                "suppressed": hidden,
            }
        )
    # Hours per manager over the last full calendar year, for the load distribution.
    periods = [p for p in _periods(sim) if (p[2] - p[1]) >= 365]
    yearly: dict[str, Any] = {"year": None, "hours": []}
    if periods:
        name, a, b = periods[-1]
        in_year = (day >= a) & (day < b)
        _, per_manager = np.unique(manager[in_year], return_counts=True)
        yearly = {"year": name, "hours": (per_manager * minutes / 60).round(3).tolist()}
    return rows, yearly


def load_histogram(hours: list[float], k: int, bins: int = 20) -> dict[str, Any]:
    """Bins of yearly hours per manager; a bin with fewer than *k* managers is suppressed."""
    if not hours:
        return {"edges": [], "counts": [], "suppressed_bins": 0}
    counts, edges = np.histogram(np.asarray(hours), bins=bins)
    shown = [int(n) if n >= k or n == 0 else None for n in counts]
    return {
        "edges": [round(float(e), 3) for e in edges],
        "counts": shown,
        "suppressed_bins": sum(1 for n in shown if n is None),
    }


def _agreements(sim: Simulation) -> list[dict[str, Any]]:
    c, a, org = sim.conversations, sim.agreements, sim.org
    made_t = c.t_confirm[a.conv, c.n_parts[a.conv] - 1]
    person = c.person[a.conv]
    left_t = np.where(org.left[person] < FAR_FUTURE, org.left[person] * DAY, np.iinfo(np.int64).max)
    lapsed_t = np.where(a.status == 0, left_t, np.iinfo(np.int64).max)
    rows = []
    for m in range(1, 12 * sim.config.years + 1):
        e = day_number(add_months(sim.config.start, m)) * DAY
        made = int((made_t < e).sum())
        done = int(((a.status == 1) & (a.t_update < e)).sum())
        dropped = int(((a.status == 2) & (a.t_update < e)).sum())
        lapsed = int((lapsed_t < e).sum())
        rows.append(
            {
                "month_end": _iso(e // DAY - 1),
                "made": made,
                "done": done,
                "dropped": dropped,
                "lapsed": lapsed,
                "open": made - done - dropped - lapsed,
            }
        )
    return rows


def _manager_effect(sim: Simulation) -> dict[str, Any]:
    c, a, org, k = sim.conversations, sim.agreements, sim.org, sim.config.min_group_size
    result: dict[str, Any] = {}
    reviewed = a.resolved_in >= 0
    for label, mask in (
        ("manager_changed", a.manager_changed),
        ("same_manager", ~a.manager_changed),
    ):
        rows = reviewed & mask
        n_people = len(np.unique(c.person[a.conv[rows]]))
        n = int(rows.sum())
        hidden = n_people < k
        result[f"agreements_{label}"] = {
            "resolved": None if hidden else n,
            "done_share": None if hidden else _share(int((a.status[rows] == 1).sum()), n),
            "dropped_share": None if hidden else _share(int((a.status[rows] == 2).sum()), n),
            "suppressed": hidden,
        }
    gaps, changed, people = _gaps(sim)
    for label, mask in (("manager_changed", changed), ("same_manager", ~changed)):
        result[f"days_between_{label}"] = _stats(gaps[mask], k, len(np.unique(people[mask])))
    # Coverage in each year for people whose manager changed in it, and for the others.
    per_year = []
    for name, a_day, b_day in _periods(sim):
        last = b_day - 1
        employed = (org.hired <= last) & (last < org.left)
        changed_p = np.zeros(org.n_people, dtype=bool)
        sel = (org.change_day >= a_day) & (org.change_day < b_day)
        changed_p[org.change_person[sel]] = True
        had = np.zeros(org.n_people, dtype=bool)
        in_period = c.held & (c.held_day >= a_day) & (c.held_day < b_day)
        had[c.person[in_period]] = True
        entry: dict[str, Any] = {"period": name}
        for label, group in (
            ("manager_changed", employed & changed_p),
            ("same_manager", employed & ~changed_p),
        ):
            n = int(group.sum())
            entry[label] = None if n < k else _share(int((group & had).sum()), n)
        per_year.append(entry)
    result["coverage_by_manager_change"] = per_year
    return result


def summarise(sim: Simulation) -> dict[str, Any]:
    """All summary metrics of *sim* as plain JSON data (groups below the minimum suppressed)."""
    c, org, cfg = sim.conversations, sim.org, sim.config
    gaps, _, people = _gaps(sim)
    hours, yearly = _manager_hours(sim)
    return {
        "configuration": cfg.to_json() | {"cycle": sim.cycle.key},
        "min_group_size": cfg.min_group_size,
        "skipped_kinds": list(sim.skipped_kinds),
        "totals": {
            "people": org.n_people,
            "teams": org.n_teams,
            "managers": org.n_managers,
            "conversations": len(c),
            "held": int(c.held.sum()),
            "not_held": int((~c.held).sum()),
            "rescheduled": int(c.n_resched.sum()),
            "agreements": len(sim.agreements),
        },
        "coverage": _coverage(sim),
        "coverage_monthly": _monthly(sim),
        "days_between": _stats(gaps, cfg.min_group_size, len(np.unique(people))),
        "manager_hours": hours,
        "manager_load": load_histogram(yearly["hours"], cfg.min_group_size)
        | {"year": yearly["year"]},
        "agreements": _agreements(sim),
        "manager_changes": _manager_effect(sim),
    }


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        if not rows:
            return
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if v is None else v for k, v in row.items()})


def write_metrics(summary: dict[str, Any], out: str | Path) -> dict[str, Path]:
    """Write ``metrics.json`` and one CSV per table of *summary* into *out*."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"metrics": out / "metrics.json"}
    paths["metrics"].write_text(
        json.dumps(summary, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    for name in ("coverage", "coverage_monthly", "manager_hours", "agreements"):
        paths[name] = out / f"{name}.csv"
        _write_csv(paths[name], summary[name])
    return paths
