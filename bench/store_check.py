"""What checking an SQLite store costs: opening it (header, schema, ``quick_check``), the full
``magcore store check`` (``integrity_check``, every event, the audit chain), and a backup.

Stores of several sizes are filled with conversation-like events (about 600 bytes of JSON each,
one audit line per event, as audited reads and writes leave) before any clock starts. The
baseline, measured in the same run on the same file, is a bare ``sqlite3.connect`` that reads the
schema version and one row: what opening cost before the checks. The ratio says how much slower
opening became; the absolute times say whether anyone waits.

Usage: ``python bench/store_check.py [--sizes 5000,50000] [--repeat 5]``
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src")]

from magcore.app.maintenance import check_store  # noqa: E402
from magcore.events import Event  # noqa: E402
from magcore.storage import AuditRecord, SQLiteStore, StreamWrite  # noqa: E402

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def fill(path: Path, events: int) -> None:
    """A store with *events* events in streams of 10, each with its audit line."""
    store = SQLiteStore.open(f"sqlite:///{path}")
    text = "Afspraak over scholing en werkplezier; " * 12
    try:
        for first in range(0, events, 1000):
            writes, audit = [], []
            for n in range(first, min(first + 1000, events), 10):
                stream = f"goal:g-{n}"
                writes.append(
                    StreamWrite(
                        stream,
                        0,
                        [
                            Event(
                                stream=stream,
                                version=v,
                                type="goal.noted",
                                at=T0 + timedelta(seconds=n + v),
                                actor=f"e-{n % 300}",
                                data={"text": text, "n": n + v, "theme": "learning"},
                            )
                            for v in range(1, 11)
                        ],
                    )
                )
                audit.extend(
                    AuditRecord(
                        at=(T0 + timedelta(seconds=n + v)).isoformat(),
                        actor=f"e-{n % 300}",
                        action="append",
                        object=f"{stream}/{v}",
                        result="done",
                        origin="bench",
                    )
                    for v in range(1, 11)
                )
            store.append(writes, audit=audit)
    finally:
        store.close()


def best(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def bare_open(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version").fetchone()
    conn.execute("SELECT count FROM audit_head").fetchone()
    conn.close()


def checked_open(path: Path) -> None:
    SQLiteStore.open(f"sqlite:///{path}").close()


def full_check(path: Path) -> None:
    store = SQLiteStore.open(f"sqlite:///{path}?mode=ro")
    try:
        assert check_store(store).ok
    finally:
        store.close()


def backup(path: Path, folder: Path) -> None:
    target = folder / f"backup-{time.perf_counter_ns()}.db"
    store = SQLiteStore.open(f"sqlite:///{path}")
    try:
        store.backup(target)
    finally:
        store.close()
    target.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="5000,50000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(
        f"{'events':>8} {'MB':>6} {'bare open':>10} {'open+checks':>12} {'ratio':>6} "
        f"{'store check':>12} {'backup':>8}"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            path = folder / "magcore.db"
            fill(path, size)
            megabytes = path.stat().st_size / 1e6
            bare = best(lambda p=path: bare_open(p), args.repeat)
            checked = best(lambda p=path: checked_open(p), args.repeat)
            whole = best(lambda p=path: full_check(p), max(1, args.repeat // 2))
            copied = best(lambda p=path, f=folder: backup(p, f), max(1, args.repeat // 2))
            print(
                f"{size:>8} {megabytes:>6.1f} {bare * 1000:>8.1f}ms {checked * 1000:>10.1f}ms "
                f"{checked / bare:>5.0f}x {whole * 1000:>10.0f}ms {copied * 1000:>6.0f}ms"
            )


if __name__ == "__main__":
    main()
