"""Write one planned year for 18,000 employees to SQLite and PostgreSQL through the store.

Generates an organisation (``magcore.testing.generate_organisation``), plans 2026 under a MAG-like
cycle, turns every due conversation into its ``conversation.requested`` event with the real
aggregate (each its own stream), and appends them in large calls. The baseline, measured in the
same run on the same rows: raw ``sqlite3.executemany`` into an events table of the same shape,
and raw psycopg ``COPY`` into one. Store times include serialising events, the version checks
and the read models; the raw times do not.

PostgreSQL: ``MAGCORE_BENCH_PG_URL`` names a server (its user must create schemas); otherwise a
throwaway server is started with ``tests/support/postgres.py``; if neither works, PostgreSQL is
skipped with a line saying why.

Usage: ``python bench/store.py [--people 18000] [--batch 10000]``
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "plugins" / "magcore-postgres" / "src")]

from magcore.conversation import RequestConversation, decide  # noqa: E402
from magcore.model.cycle import CycleDefinition  # noqa: E402
from magcore.model.records import Participant  # noqa: E402
from magcore.planning import plan  # noqa: E402
from magcore.storage import StreamWrite  # noqa: E402
from magcore.storage.common import event_row  # noqa: E402
from magcore.storage.projection import project_all  # noqa: E402
from magcore.storage.sqlite import (  # noqa: E402
    MIGRATIONS,
    SQLiteStore,
    _conversation_values,
)
from magcore.testing import generate_organisation  # noqa: E402

MAG_LIKE = {
    "id": "mag-like",
    "version": 1,
    "name": {"nl": "MAG-achtig", "en": "MAG-like"},
    "kinds": [
        {
            "id": "jaargesprek",
            "name": {"nl": "Jaargesprek", "en": "Yearly conversation"},
            "pattern": "employee_manager",
            "cadence": {"kind": "per_year", "per_year": 1},
            "initiators": ["employee", "manager"],
            "preparers": ["employee", "manager"],
            "applies_to": "with_manager",
        },
        {
            "id": "voortgang",
            "name": {"nl": "Voortgangsgesprek", "en": "Progress conversation"},
            "pattern": "employee_manager",
            "cadence": {"kind": "interval", "every_months": 6, "anchor": "03-01"},
            "initiators": ["employee", "manager"],
            "preparers": ["employee"],
            "applies_to": "with_manager",
        },
    ],
}

RAW_SCHEMA = """CREATE TABLE events (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    stream TEXT NOT NULL, version INTEGER NOT NULL, type TEXT NOT NULL,
    at TEXT NOT NULL, actor TEXT NOT NULL, data TEXT NOT NULL,
    UNIQUE (stream, version))"""

PG_RAW_SCHEMA = """CREATE TABLE events (
    position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stream text NOT NULL, version integer NOT NULL, type text NOT NULL,
    at timestamptz NOT NULL, actor text NOT NULL, data jsonb NOT NULL,
    UNIQUE (stream, version))"""


def planned_events(people):
    """The conversation.requested events of one planned year."""
    org = generate_organisation(people=people, teams=max(1, people // 16), seed=7)
    cycle = CycleDefinition.from_json(MAG_LIKE)
    due = plan(org, cycle, date(2026, 1, 1), date(2027, 1, 1))
    now = datetime(2026, 1, 1, 6, 0, tzinfo=UTC)
    events = []
    for n, item in enumerate(due):
        if item.person is None or item.manager is None:
            continue
        command = RequestConversation(
            actor=item.manager,
            conversation_id=f"{item.kind}-{item.due.isoformat()}-{item.person}-{n}",
            cycle=cycle,
            kind=item.kind,
            participants=(
                Participant(item.person, "employee"),
                Participant(item.manager, "manager"),
            ),
            team=item.team,
        )
        events.extend(decide(None, command, now=now))
    return events


def batches(items, size):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_sqlite(events, batch, folder):
    rows = [event_row(e) for e in events]

    def raw():
        conn = sqlite3.connect(folder / "raw.db", isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute(RAW_SCHEMA)
        for chunk in batches(rows, batch):
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(
                "INSERT INTO events (stream, version, type, at, actor, data) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                chunk,
            )
            conn.execute("COMMIT")
        conn.close()

    def raw_same_rows():
        # The rows the store writes, pre-built: events plus the conversation read models.
        conn = sqlite3.connect(folder / "raw_rows.db", isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        for statement in MIGRATIONS[0]:
            conn.execute(statement)
        for chunk in batches(list(zip(rows, views, strict=True)), batch):
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(
                "INSERT INTO events (stream, version, type, at, actor, data) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [r for r, _ in chunk],
            )
            conn.executemany(
                f"INSERT INTO conversations VALUES ({', '.join('?' * 14)})", [v for _, v in chunk]
            )
            conn.executemany(
                "INSERT INTO conversation_people (person, conversation) VALUES (?, ?)",
                [(p, v[0]) for _, v in chunk for p in json.loads(v[6])],
            )
            conn.execute("COMMIT")
        conn.close()

    views = [_conversation_values(project_all(None, [e])) for e in events]
    store = SQLiteStore.open(f"sqlite:///{folder / 'store.db'}")

    def through_store():
        for chunk in batches(events, batch):
            store.append([StreamWrite(e.stream, 0, [e]) for e in chunk])

    raw_time = timed(raw)
    rows_time = timed(raw_same_rows)
    store_time = timed(through_store)
    assert len(store.conversations(states={"requested"})) == len(events)
    store.close()
    return raw_time, rows_time, store_time


def _pg_server():
    given = os.environ.get("MAGCORE_BENCH_PG_URL")
    if given:
        return contextlib.nullcontext(given)
    helper = ROOT / "tests" / "support" / "postgres.py"
    spec = importlib.util.spec_from_file_location("_bench_pg", helper)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"no server helper at {helper}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.postgres_server()


def bench_postgres(events, batch):
    import psycopg
    from magcore_postgres import PostgresStore

    with _pg_server() as url, psycopg.connect(url, autocommit=True) as admin:
        for schema in ("bench_raw", "bench_store"):
            admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            admin.execute(f"CREATE SCHEMA {schema}")
        joiner = "&" if "?" in url else "?"

        def in_schema(schema):
            return f"{url}{joiner}options={quote(f'-csearch_path={schema}')}"

        rows = [(e.stream, e.version, e.type, e.at, e.actor, e.data_json()) for e in events]

        def raw():
            with psycopg.connect(in_schema("bench_raw")) as conn:
                conn.execute(PG_RAW_SCHEMA)
                conn.commit()
                for chunk in batches(rows, batch):
                    with (
                        conn.cursor() as cur,
                        cur.copy(
                            "COPY events (stream, version, type, at, actor, data) FROM STDIN"
                        ) as copy,
                    ):
                        for row in chunk:
                            copy.write_row(row)
                    conn.commit()

        store = PostgresStore.open(in_schema("bench_store"))

        def through_store():
            for chunk in batches(events, batch):
                store.append([StreamWrite(e.stream, 0, [e]) for e in chunk])

        try:
            raw_time = timed(raw)
            store_time = timed(through_store)
            assert len(store.conversations(states={"requested"})) == len(events)
        finally:
            store.close()
            for schema in ("bench_raw", "bench_store"):
                admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    return raw_time, store_time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=18_000)
    parser.add_argument("--batch", type=int, default=10_000)
    args = parser.parse_args()

    start = time.perf_counter()
    events = planned_events(args.people)
    print(
        f"planned 2026 for {args.people:,} employees: {len(events):,} conversation.requested "
        f"events in {time.perf_counter() - start:.1f} s; appended {args.batch:,} streams per call"
    )
    results = []
    with tempfile.TemporaryDirectory() as folder:
        raw, rows, store = bench_sqlite(events, args.batch, Path(folder))
        results.append(("SQLite", "raw executemany: events", raw, None))
        results.append(("SQLite", "raw executemany: same rows", rows, rows / raw))
        results.append(("SQLite", "SQLiteStore.append", store, store / raw))
        print(f"SQLiteStore.append / raw executemany of the same rows: {store / rows:.2f}")
    try:
        raw, store = bench_postgres(events, args.batch)
        results.append(("PostgreSQL", "raw psycopg COPY", raw, None))
        results.append(("PostgreSQL", "PostgresStore.append", store, store / raw))
    except Exception as exc:  # no server binaries, no psycopg, no plugin
        print(f"PostgreSQL skipped: {type(exc).__name__}: {exc}")

    print()
    print(f"{'engine':<11} {'operation':<28} {'seconds':>8} {'events/s':>10} {'x raw':>6}")
    print("-" * 67)
    for engine, operation, seconds, ratio in results:
        rate = len(events) / seconds if seconds else float("inf")
        shown = f"{ratio:.2f}" if ratio is not None else "1.00"
        print(f"{engine:<11} {operation:<28} {seconds:>8.2f} {rate:>10,.0f} {shown:>6}")
    print("\naim: the store within 2x of the raw engine (x raw <= 2.0)")


if __name__ == "__main__":
    main()
