"""What counting one anonymous answer costs on SQLite (:mod:`magcore.storage.ballots`).

A ballot is one write transaction that deletes the code's hash and adds to the counts, with
``secure_delete`` on and a ``wal_checkpoint(TRUNCATE)`` after it (so no old page image stays in
the write-ahead log). The baseline, measured in the same run on a file of its own with the same
settings (WAL, ``synchronous=FULL``), is a bare ``sqlite3`` transaction that deletes one row and
updates one: the same writes without the erasure. The ratio says what the erasure costs; the
absolute time says whether a person waits. Also shown: opening a round (one code per person)
and the comparison of two closed rounds.

Usage: ``python bench/measurement.py [--people 500] [--statements 10]``
"""

from __future__ import annotations

import argparse
import hashlib
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src")]

from magcore.storage import SQLiteStore  # noqa: E402


def _hash(n: int, series: str) -> str:
    return hashlib.sha256(f"{series}-{n}".encode()).hexdigest()


def bare(path: Path, people: int, statements: int) -> float:
    """The baseline: delete one row and upsert the counts per answer, plain sqlite3."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE t (h TEXT PRIMARY KEY) WITHOUT ROWID")
    conn.execute("CREATE TABLE c (s TEXT, o TEXT, n INTEGER, PRIMARY KEY (s, o)) WITHOUT ROWID")
    conn.executemany("INSERT INTO t VALUES (?)", [(_hash(n, "b"),) for n in range(people)])
    started = time.perf_counter()
    for n in range(people):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("DELETE FROM t WHERE h = ?", (_hash(n, "b"),))
        conn.executemany(
            "INSERT INTO c VALUES (?, ?, 1) ON CONFLICT (s, o) DO UPDATE SET n = n + 1",
            [(f"s{i}", "often") for i in range(statements)],
        )
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def magcore_ballots(path: Path, people: int, statements: int) -> tuple[float, float, float]:
    """Opening the box, casting every ballot, and reading the closed counts."""
    store = SQLiteStore.open(f"sqlite:///{path}")
    try:
        started = time.perf_counter()
        store.open_ballot("r", [_hash(n, "m") for n in range(people)])
        opened = time.perf_counter() - started
        choices = [(f"s{i}", "often") for i in range(statements)]
        started = time.perf_counter()
        for n in range(people):
            assert store.cast_ballot("r", _hash(n, "m"), choices)
        cast = time.perf_counter() - started
        store.close_ballot("r", minimum=5)
        started = time.perf_counter()
        counts = store.ballot_counts("r")
        read = time.perf_counter() - started
        assert counts is not None
        assert counts.respondents == people
        return opened, cast, read
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--statements", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base = bare(Path(folder) / "bare.db", args.people, args.statements)
        opened, cast, read = magcore_ballots(Path(folder) / "m.db", args.people, args.statements)
    per_bare = 1000 * base / args.people
    per_cast = 1000 * cast / args.people
    print(f"{'operation':<44}{'time':>12}{'ratio':>8}")
    print(f"{'bare sqlite3 answer (baseline)':<44}{per_bare:>9.2f} ms{1.0:>8.1f}")
    print(
        f"{'cast_ballot (secure delete + checkpoint)':<44}{per_cast:>9.2f} ms"
        f"{per_cast / per_bare:>8.1f}"
    )
    print(f"{f'open_ballot, {args.people} codes':<44}{1000 * opened:>9.2f} ms{'':>8}")
    print(f"{'ballot_counts of a closed box':<44}{1000 * read:>9.2f} ms{'':>8}")


if __name__ == "__main__":
    main()
