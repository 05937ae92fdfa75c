"""Plan one year for 18,000 employees in 1,200 teams; compare with building plain tuples.

Prints the time and peak memory of ``magcore.plan`` next to a baseline that builds the same
number of plain tuples in the same run. Aim: under 0.5 s and under 150 MB.

Then ``magcore plan --request`` end to end on SQLite: the command as a user runs it (a new
process: start-up, plugins, planning, deciding every request, one transaction per batch), on
a store that holds the imported organisation of 18,000 people under Amsterdam's MAG cycle.
Its baseline is the store bench's raw write of the same events: ``sqlite3.executemany`` of
exactly the event rows the command stored, into a fresh file with the store's schema, in the
same batches. Aim: under 2 s. A rerun must request nothing (timed too).
"""

from __future__ import annotations

import gc
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

from magcore import CycleDefinition, open_service, plan
from magcore.storage.base import StoreSettings
from magcore.storage.sqlite import MIGRATIONS
from magcore.testing import approve_cycle, generate_organisation

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


#: The employee-manager cycle plus kinds that changes start (issue 15): onboarding when someone
#: joins, an exit conversation when someone leaves, a talk with a new manager.
EVENT_KINDS = [
    {
        "id": kind_id,
        "name": kind_id,
        "pattern": "employee_manager",
        "cadence": {"kind": "on_event", "event": event, "delay_days": delay, "window_days": 30},
        "initiators": ["manager"],
        "preparers": ["employee"],
    }
    for kind_id, event, delay in (
        ("onboarding", "joined", 30),
        ("exit", "left", -30),
        ("new-manager", "changed_manager", 14),
    )
]
EVENT_CYCLE = CycleDefinition.from_json(
    {
        **CYCLE.to_json(),
        "id": "with-events",
        "kinds": [
            *CYCLE.to_json()["kinds"],
            *EVENT_KINDS,
        ],
    }
)


def _with_changes(org):
    """*org* with 9% of the people leaving in the planned year and 1 in 9 teams getting a new
    manager in it (the A&O fonds outflow is 8.3%)."""
    import attrs

    from magcore import Assignment

    people = dict(org.people)
    for index, person in enumerate(sorted(people)):
        if index % 11 == 3:
            left = START + timedelta(days=(index * 7) % 365)
            people[person] = attrs.evolve(people[person], left_on=left)
    assignments = list(org.assignments)
    managers = [a for a in assignments if a.role.value == "manager" and a.end is None]
    for number, old in enumerate(managers[::9]):
        members = (a.person for a in assignments if a.team == old.team and a.role.value == "member")
        new = next(members, None)
        if new is None:
            continue  # a department: its manager manages managers
        day = START + timedelta(days=30 + (number * 13) % 300)
        assignments.remove(old)
        assignments.append(attrs.evolve(old, end=day))
        assignments.append(Assignment(person=new, team=old.team, role="manager", start=day))
    return attrs.evolve(org, people=people, assignments=tuple(assignments))


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

    changed = _with_changes(org)
    with_events = plan(changed, EVENT_CYCLE, START, END)

    def fresh_events():
        fresh = _with_changes(generate_organisation(people=18_000, teams=1_200, seed=42))
        return plan(fresh, EVENT_CYCLE, START, END)

    rows = [
        measure("baseline: plain tuples", baseline),
        measure("magcore.plan (indexes warm)", lambda: plan(org, CYCLE, START, END)),
        measure("magcore.plan incl. building the organisation", fresh_plan, repeat=3),
        measure(
            "with event-started kinds (indexes warm)",
            lambda: plan(changed, EVENT_CYCLE, START, END),
        ),
        measure("with event-started kinds incl. building", fresh_events, repeat=3),
    ]
    base = rows[0][1]
    print(f"plan one year: {len(org.people):,} people, {len(org.teams):,} teams, {count:,} due")
    kinds = {k.id: 0 for k in EVENT_CYCLE.kinds}
    for item in with_events:
        kinds[item.kind] += 1
    print("with event-started kinds: " + ", ".join(f"{k} {n:,}" for k, n in kinds.items()))
    print(f"{'operation':48} {'time (s)':>9} {'peak MB':>8} {'ratio':>7}")
    for label, seconds, peak, _ in rows:
        print(f"{label:48} {seconds:9.3f} {peak / 1e6:8.1f} {seconds / base:7.1f}x")


def _magcore(config: Path, *args: str) -> tuple[float, dict | None]:
    script = Path(sys.executable).with_name("magcore")
    argv = [str(script)] if script.exists() else [sys.executable, "-m", "magcore.cli"]
    env = {**os.environ, "MAGCORE_NOW": "2025-01-02T08:00:00+00:00"}
    started = time.perf_counter()
    done = subprocess.run(
        [*argv, "--config", str(config), *args], capture_output=True, text=True, env=env
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"magcore {' '.join(args)} failed:\n{done.stderr}")
    return seconds, json.loads(done.stdout) if "--json" in args else None


def _raw_write(rows: list[tuple], path: Path, batch: int = 2000) -> float:
    """The store bench's raw baseline: executemany of the event rows, one transaction a batch."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    insert = "INSERT INTO events (stream, version, type, at, actor, data) VALUES (?, ?, ?, ?, ?, ?)"
    started = time.perf_counter()
    for first in range(0, len(rows), batch):
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(insert, rows[first : first + batch])
        conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return seconds


def request_end_to_end(people: int = 18_000) -> None:
    """``magcore plan --request`` for a year of *people* on SQLite, against the raw write."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        org = generate_organisation(people=people, teams=people // 15, seed=42)
        service = open_service(
            f"sqlite:///{root / 'magcore.db'}", settings=StoreSettings(create=True)
        )
        service.import_organisation(org, actor="hr")
        approve_cycle(service, "mag@1")  # the works council's consent comes first
        service.close()
        config = root / "magcore.toml"
        config.write_text(
            f'store = "sqlite:///magcore.db"\ncycle = "mag@1"\norganisation = "{org.id}"\n',
            encoding="utf-8",
        )
        period = ("--from", "2025-01-01", "--to", "2026-01-01")
        seconds, _ = _magcore(config, "plan", "--request", *period)  # as people run it
        again, rerun = _magcore(config, "plan", "--request", *period, "--json")
        if rerun is None or rerun["requested"]:
            raise SystemExit("a rerun of plan --request requested conversations twice")
        with sqlite3.connect(root / "magcore.db") as conn:
            rows = conn.execute(
                "SELECT stream, version, type, at, actor, data FROM events "
                "WHERE type = 'conversation.requested' ORDER BY position"
            ).fetchall()
        raw = min(_raw_write(rows, root / f"raw{i}.db") for i in range(3))
    print()
    print(
        f"magcore plan --request, SQLite: {people:,} people, {len(rows):,} requested, "
        f"{len(rerun['skipped']):,} skipped"
    )
    print(f"{'operation':48} {'time (s)':>9} {'ratio':>7}")
    print(f"{'baseline: raw executemany of the same events':48} {raw:9.3f} {1:7.1f}x")
    print(f"{'magcore plan --request (new process)':48} {seconds:9.3f} {seconds / raw:7.1f}x")
    print(f"{'again, --json: nothing left to request':48} {again:9.3f} {again / raw:7.1f}x")


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only-request",
        action="store_true",
        help="run only the end-to-end `magcore plan --request` part (issue 19)",
    )
    if not parser.parse_args().only_request:
        main()
    request_end_to_end()
