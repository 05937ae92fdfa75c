"""Eight writers on one hot stream: the conflict rate, and what retrying idempotent commands buys.

Each writer is a thread with a store handle of its own (its own SQLite connection / PostgreSQL
pool) and a :class:`magcore.app.handler.CommandHandler`. Every writer sends ``--commands``
commands to the same stream (``goal:hot``): load, decide one new event, append with the expected
version. Two rounds per engine, measured in the same run on a fresh database:

* **no retry** (the baseline, ``attempts=1``): a conflict refuses the command;
* **retry** (``idempotent=True``): the handler loads and decides again after a jittered back-off
  (``Retry``: 4 attempts, 5 ms base, 100 ms cap).

Printed per engine and round: commands that succeeded, the conflict rate (conflicts per append
tried), the retry rate (retries per command) and commands per second, with the ratio of the
retry round's throughput to the baseline's. Not a timed test: figures vary with the machine.

PostgreSQL: ``MAGCORE_BENCH_PG_URL`` names a server (its user must create schemas); otherwise a
throwaway server is started with ``tests/support/postgres.py``; if neither works, PostgreSQL is
skipped with a line saying why.

Usage: ``python bench/contention.py [--writers 8] [--commands 200]``
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from magcore.app.handler import Aggregate, CommandHandler
from magcore.clock import SystemClock
from magcore.errors import ConflictError
from magcore.events import Event
from magcore.storage.sqlite import SQLiteStore

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from _pg import pg_server  # noqa: E402

HOT = Aggregate("goal", lambda id: f"goal:{id}", lambda _id, events: len(events))


def _decide(writer):
    def decide(loaded, now):
        return [
            Event(
                stream=loaded.stream,
                version=loaded.version + 1,
                type="note.added",
                at=now,
                actor=f"writer-{writer}",
                data={"n": loaded.version + 1},
            )
        ]

    return decide


def run_round(open_store, writers, commands, idempotent):
    """Every writer sends *commands* commands to goal:hot; returns the counts and the time."""
    handles = [open_store() for _ in range(writers)]
    handlers = [CommandHandler(h, clock=SystemClock(), tell=lambda b: None) for h in handles]
    done = [0] * writers
    refused = [0] * writers
    start = threading.Barrier(writers + 1)

    def work(i):
        start.wait()
        for _ in range(commands):
            try:
                handlers[i].handle(HOT, "hot", _decide(i), idempotent=idempotent, actor=f"w{i}")
                done[i] += 1
            except ConflictError:
                refused[i] += 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    conflicts = sum(h.conflicts for h in handlers)
    retries = sum(h.retries for h in handlers)
    version = handles[0].version("goal:hot")
    for handle in handles:
        handle.close()
    ok = sum(done)
    assert version == ok, (version, ok)  # nothing lost, nothing written twice
    appends = ok + conflicts  # every conflict is one append refused
    return {
        "ok": ok,
        "refused": sum(refused),
        "conflict_rate": conflicts / appends if appends else 0.0,
        "retry_rate": retries / (writers * commands),
        "per_second": ok / elapsed if elapsed else 0.0,
    }


def report(engine, rounds):
    base = rounds["no retry"]["per_second"] or 1.0
    print(f"\n{engine}")
    print(
        f"  {'round':<10} {'ok':>6} {'refused':>8} {'conflicts':>10} {'retries':>8} "
        f"{'cmd/s':>8} {'vs base':>8}"
    )
    for name, r in rounds.items():
        print(
            f"  {name:<10} {r['ok']:>6} {r['refused']:>8} {r['conflict_rate']:>9.1%} "
            f"{r['retry_rate']:>8.2f} {r['per_second']:>8.0f} {r['per_second'] / base:>7.2f}x"
        )


def bench_sqlite(writers, commands):
    rounds = {}
    for name, idempotent in (("no retry", False), ("retry", True)):
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'hot.db'}"
            SQLiteStore.open(url).close()
            rounds[name] = run_round(
                lambda u=url: SQLiteStore.open(u), writers, commands, idempotent
            )
    report("SQLite", rounds)


def bench_postgres(writers, commands):
    try:
        import psycopg
        from magcore_postgres.store import PostgresStore
    except ImportError as exc:
        print(f"\nPostgreSQL skipped: {exc}")
        return
    from magcore.storage.base import StoreSettings

    try:
        server = pg_server()
        url = server.__enter__()
    except Exception as exc:
        print(f"\nPostgreSQL skipped: {exc}")
        return
    try:
        rounds = {}
        for n, (name, idempotent) in enumerate((("no retry", False), ("retry", True))):
            schema = f"contention_{os.getpid()}_{n}"
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f"CREATE SCHEMA {schema}")
            joiner = "&" if "?" in url else "?"
            schema_url = f"{url}{joiner}options=-csearch_path%3D{schema}"
            settings = StoreSettings(pool_size=1)
            PostgresStore.open(schema_url, settings).close()
            rounds[name] = run_round(
                lambda u=schema_url, s=settings: PostgresStore.open(u, s),
                writers,
                commands,
                idempotent,
            )
        report("PostgreSQL", rounds)
    finally:
        server.__exit__(None, None, None)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--commands", type=int, default=200)
    args = parser.parse_args()
    print(
        f"{args.writers} writers x {args.commands} commands on one stream "
        f"({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)"
    )
    bench_sqlite(args.writers, args.commands)
    bench_postgres(args.writers, args.commands)


if __name__ == "__main__":
    main()
