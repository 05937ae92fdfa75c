"""Plan one year for 18,000 employees in 1,200 teams; compare with building plain tuples.

Prints the time and peak memory of ``magcore.plan`` next to a baseline that builds the same
number of plain tuples in the same run. Aim: under 0.5 s and under 150 MB.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

from magcore import CycleDefinition, plan
from magcore.testing import generate_organisation

ROOT = Path(__file__).resolve().parent.parent
CYCLE = CycleDefinition.from_file(ROOT / "docs" / "examples" / "cycles" / "employee-manager.json")
START, END = date(2025, 1, 1), date(2026, 1, 1)


def measure(label, function, repeat=5):
    best = float("inf")
    result = None
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - started)
    tracemalloc.start()
    function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return label, best, peak, result


def main() -> None:
    org = generate_organisation(people=18_000, teams=1_200, seed=42)
    planned = plan(org, CYCLE, START, END)  # warms the organisation's indexes
    count = len(planned)
    people = list(org.people)

    def baseline():
        day = END - timedelta(days=1)
        return [
            (people[i % len(people)], "yearly", day, START, None, None, False) for i in range(count)
        ]

    def fresh_plan():
        fresh = generate_organisation(people=18_000, teams=1_200, seed=42)
        return plan(fresh, CYCLE, START, END)

    rows = [
        measure("baseline: plain tuples", baseline),
        measure("magcore.plan (indexes warm)", lambda: plan(org, CYCLE, START, END)),
        measure("magcore.plan incl. building the organisation", fresh_plan, repeat=3),
    ]
    base = rows[0][1]
    print(f"plan one year: {len(org.people):,} people, {len(org.teams):,} teams, {count:,} due")
    print(f"{'operation':48} {'time (s)':>9} {'peak MB':>8} {'ratio':>7}")
    for label, seconds, peak, _ in rows:
        print(f"{label:48} {seconds:9.3f} {peak / 1e6:8.1f} {seconds / base:7.1f}x")


if __name__ == "__main__":
    main()
