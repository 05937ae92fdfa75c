"""The cost of the interval check on a year of participation statistics.

Counting a year and deciding primary and complementary suppression is the baseline, measured in
the same run. Then the same decision with the interval check (HiGHS, dual simplex, which
this uses; primal simplex for comparison), and a second decision over a kept one.
Organisations of 300 and 3,000 people (teams of 1-40 in departments of ~8 teams); add
18000 to ``--people`` for a large city (that takes minutes).

Run: ``python bench/participation.py`` (add ``--repeats N``; ``--people 300,3000``).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import date

from magcore.access import statistics_audit
from magcore.access.statistics import ParticipationFact, count_table, decide_suppression
from magcore.access.statistics_grid import ALL, Unit, UnitTree

YEAR = 2025


def organisation(people: int, seed: int = 2023) -> tuple[UnitTree, list[ParticipationFact]]:
    rng = random.Random(seed)
    units = {ALL: Unit(id=ALL, name="Gemeente", level="organisation", parent=None)}
    facts: list[ParticipationFact] = []
    person = 0
    team = 0
    while person < people:
        department = f"d{team // 8}"
        units.setdefault(
            department, Unit(id=department, name=department, level="department", parent=ALL)
        )
        units[f"t{team}"] = Unit(id=f"t{team}", name=f"t{team}", level="team", parent=department)
        size = min(people - person, rng.choice((1, 2, 3, 4, 6, 9, 14, 16, 18, 22, 30, 40)))
        for who in range(person, person + size):
            if rng.random() < 0.85:
                facts.append(
                    ParticipationFact(
                        conversation=f"c{len(facts)}",
                        people={f"p{who}"},
                        unit=f"t{team}",
                        held_on=date(YEAR, rng.randint(1, 12), rng.randint(1, 28)),
                        agreements=rng.randint(0, 4),
                    )
                )
        person += size
        team += 1
    return UnitTree(units=units), facts


def timed(function, repeats: int) -> float:
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--people", default="300,3000")
    args = parser.parse_args()
    for people in (int(p) for p in args.people.split(",")):
        measure(people, args.repeats)


def measure(people: int, repeats: int) -> None:
    tree, facts = organisation(people)
    table = count_table(facts, tree, YEAR)
    base = timed(
        lambda: decide_suppression(count_table(facts, tree, YEAR), k=5, audit=False), repeats
    )
    audited = timed(lambda: decide_suppression(table, k=5), repeats)
    hidden = decide_suppression(table, k=5)
    again = timed(lambda: decide_suppression(table, k=5, already=hidden), repeats)
    original = statistics_audit._quiet_highs

    def primal_strategy(highspy):
        h = original(highspy)
        h.setOptionValue("simplex_strategy", 4)  # primal simplex
        return h

    statistics_audit._quiet_highs = primal_strategy
    try:
        other = timed(lambda: decide_suppression(table, k=5), 1)
    finally:
        statistics_audit._quiet_highs = original
    print(
        f"{people:>6} people, {len(table.conversations):>6} cells, {len(hidden):>6} "
        f"suppressed: count + suppress {base * 1000:8.1f} ms (1.0x); with interval check "
        f"{audited / base:7.1f}x; primal simplex {other / base:7.1f}x; "
        f"again over a kept decision {again / base:7.1f}x"
    )


if __name__ == "__main__":
    main()
