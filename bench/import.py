"""Import a generated organisation from CSV: time and peak memory, next to plain baselines.

Writes a CSV of ``--people`` people (one row per role, about 16 members per manager) into a
temporary folder, then measures each phase in a fresh Python process of its own, so that its
peak resident memory (``VmHWM``, or ``ru_maxrss`` without ``/proc``) is its own, imports
included:

* **csv read** (baseline): a plain ``csv.reader`` loop over the file;
* **raw insert** (baseline): the same rows into a one-table SQLite file with one
  ``executemany`` in one transaction;
* **magcore read**: :func:`magcore.cli.orgcsv.read_organisation_csv` (every check, every fault
  with its line);
* **magcore import**: read plus :meth:`Service.import_organisation_summary` into a new store:
  what changed as events (here: everyone joined, a first import of this size is written as
  ``teams.added`` and ``people.joined`` batches), in one transaction, audited;
* **magcore re-import**: the same file again (nothing changes, nothing is written);
* **magcore load**: a fresh service folds the organisation stream back (``organisation()``,
  batch events into tables).

Prints seconds, CPU seconds (of the phase's own process) and rows/s and peak MB per phase, the
ratios to the baselines (of the time, and of the CPU time to the csv read's, steadier on a
loaded machine) and the load average (the figures are only comparable within one run).

With ``--postgresql`` the raw insert (psycopg ``executemany`` into a one-table schema), import,
re-import and load run on PostgreSQL too: ``MAGCORE_BENCH_PG_URL`` names a server (its user must
create schemas), else a throwaway server is started with ``tests/support/postgres.py``.

Usage: ``python bench/import.py [--people 1000000] [--postgresql]``
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from _pg import pg_server  # noqa: E402

sys.path[:0] = [str(ROOT / "src")]

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def write_csv(path: Path, people: int) -> int:
    """A CSV of *people* people: one manager per 16, members spread over the teams."""
    teams = max(1, people // 16)
    rows = 0
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["person_id", "team_id", "role", "start", "hired_on", "parent_team_id"])
        for team in range(teams):
            parent = f"t{team // 8 * 8:07d}" if team % 8 else ""
            out.writerow(
                [f"m{team:07d}", f"t{team:07d}", "manager", "2020-01-01", "2019-01-01", parent]
            )
            rows += 1
        for index in range(people - teams):
            out.writerow(
                [f"p{index:07d}", f"t{index % teams:07d}", "member", "2020-01-01", "2019-06-01", ""]
            )
            rows += 1
    return rows


def _csv_read(path: Path, work: Path, url: str) -> None:
    with path.open(newline="") as handle:
        for _row in csv.reader(handle):
            pass


def _raw_insert(path: Path, work: Path, url: str) -> None:
    if url.startswith("postgresql"):
        _raw_insert_pg(path, url)
        return
    conn = sqlite3.connect(work / "raw.db")
    conn.execute(
        "CREATE TABLE roles (person TEXT, team TEXT, role TEXT, start TEXT, hired TEXT, "
        "parent TEXT)"
    )
    with path.open(newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        with conn:
            conn.executemany("INSERT INTO roles VALUES (?, ?, ?, ?, ?, ?)", reader)
    conn.close()


def _raw_insert_pg(path: Path, url: str) -> None:
    import psycopg

    with psycopg.connect(url) as conn:
        conn.execute(
            "CREATE TABLE roles (person TEXT, team TEXT, role TEXT, start TEXT, hired TEXT, "
            "parent TEXT)"
        )
        with path.open(newline="") as handle, conn.cursor() as cur:
            reader = csv.reader(handle)
            next(reader)
            cur.executemany("INSERT INTO roles VALUES (%s, %s, %s, %s, %s, %s)", list(reader))
        conn.commit()


def _magcore_read(path: Path, work: Path, url: str) -> None:
    from magcore.cli.orgcsv import read_organisation_csv

    read_organisation_csv(path, org_id="org")


def _service(url: str) -> Any:
    from magcore import open_service
    from magcore.clock import FixedClock

    return open_service(url, clock=FixedClock(NOW), dispatch="off")


def _magcore_import(path: Path, work: Path, url: str) -> None:
    from magcore.cli.orgcsv import read_organisation_csv

    service = _service(url)
    summary = service.import_organisation_summary(
        read_organisation_csv(path, org_id="org"), actor="hr"
    )
    assert summary.written, "the first import writes events"
    service.close()


def _magcore_reimport(path: Path, work: Path, url: str) -> None:
    from magcore.cli.orgcsv import read_organisation_csv

    service = _service(url)
    summary = service.import_organisation_summary(
        read_organisation_csv(path, org_id="org"), actor="hr"
    )
    assert summary.written == 0, "the same file again writes nothing"
    service.close()


def _magcore_load(path: Path, work: Path, url: str) -> None:
    service = _service(url)
    org = service.organisation("org")
    assert len(org.people) > 0
    service.close()


Phase = Callable[[Path, Path, str], None]
PHASES: dict[str, Phase] = {
    "csv read (baseline)": _csv_read,
    "raw insert (baseline)": _raw_insert,
    "magcore read": _magcore_read,
    "magcore import": _magcore_import,
    "magcore re-import": _magcore_reimport,
    "magcore load": _magcore_load,
}


def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM; ru_maxrss where /proc is missing)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(name: str, path: Path, work: Path, url: str) -> None:
    """Run one phase in this (fresh) process and print its seconds and peak memory."""
    os.environ["MAGCORE_KEY_FOLDER"] = str(work)
    if name.startswith("magcore"):  # the modules' import is not the phase's work
        import magcore.cli.orgcsv  # noqa: F401

        _service("memory://").close()
    start, cpu = time.perf_counter(), time.process_time()
    PHASES[name](path, work, url)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": _peak_mb()}))


Result = tuple[float, float, float]
"""Seconds, CPU seconds of the phase's own process, peak resident MB."""


def measure(name: str, path: Path, work: Path, url: str) -> Result:
    """(seconds, CPU seconds, peak resident MB) of phase *name*, run in a fresh Python process
    of its own (the CPU time is this process's: a database server's work is not in it)."""
    command = [sys.executable, __file__, "--phase", name, str(path), str(work), url]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{name} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return float(result["seconds"]), float(result["cpu"]), float(result["peak_mb"])


def _table(rows: int, results: dict[str, Result]) -> None:
    base_time, base_cpu, _ = results["csv read (baseline)"]
    raw_time, _, _ = results["raw insert (baseline)"]
    print(
        f"{'phase':<24}{'seconds':>9}{'cpu s':>9}{'rows/s':>11}{'peak MB':>9}{'x csv':>8}"
        f"{'x csv cpu':>10}{'x raw':>8}"
    )
    for name, (seconds, cpu, memory) in results.items():
        print(
            f"{name:<24}{seconds:>9.2f}{cpu:>9.2f}{rows / seconds:>11,.0f}{memory:>9.0f}"
            f"{seconds / base_time:>8.1f}{cpu / base_cpu:>10.1f}{seconds / raw_time:>8.1f}"
        )


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--phase":
        name, path, work, url = sys.argv[2:6]
        _child(name, Path(path), Path(work), url)
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--postgresql", action="store_true", help="Also run on PostgreSQL.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        path = work / "org.csv"
        rows = write_csv(path, args.people)
        print(f"{args.people:,} people, {rows:,} rows, {path.stat().st_size / 1e6:.1f} MB of CSV")
        print(f"before: {_load()}")
        sqlite_url = f"sqlite:///{work / 'magcore.db'}"
        results = {name: measure(name, path, work, sqlite_url) for name in PHASES}
        print(f"SQLite ({_load()})")
        _table(rows, results)
        if not args.postgresql:
            return
        try:
            server = pg_server()
        except Exception as exc:  # no server: say why and stop
            print(f"PostgreSQL skipped: {exc}")
            return
        import psycopg

        with server as url, psycopg.connect(url, autocommit=True) as admin:
            joiner = "&" if "?" in url else "?"
            for schema in ("bench_import_raw", "bench_import"):
                admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
                admin.execute(f"CREATE SCHEMA {schema}")

            def in_schema(schema: str) -> str:
                return f"{url}{joiner}options={quote(f'-csearch_path={schema}')}"

            pg: dict[str, Result] = {
                "csv read (baseline)": measure("csv read (baseline)", path, work, sqlite_url)
            }
            pg["raw insert (baseline)"] = measure(
                "raw insert (baseline)", path, work, in_schema("bench_import_raw")
            )
            for name in ("magcore import", "magcore re-import", "magcore load"):
                pg[name] = measure(name, path, work, in_schema("bench_import"))
            print(f"PostgreSQL ({_load()})")
            _table(rows, pg)


if __name__ == "__main__":
    main()
