"""Writer processes for the crash and concurrency tests (run as ``python workers.py MODE ...``).

Not a test module: the tests start it with :mod:`subprocess` so that a real, separate process
writes to the store and can be killed with SIGKILL.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta

from magcore.domain.conversation import read_model, replay
from magcore.errors import ConflictError
from magcore.events import Event
from magcore.storage import AuditRecord, StreamWrite

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def open_store(url):
    """Open *url* with the back end its scheme names (the plugin host is not needed here)."""
    if url.startswith("postgresql:"):
        from magcore_postgres.store import PostgresStore

        return PostgresStore.open(url)
    from magcore.storage.sqlite import SQLiteStore

    return SQLiteStore.open(url)


def requested(n, stamp):
    """conversation.requested for conversation *n* of batch *stamp* (its own stream)."""
    return Event(
        stream=f"conversation:{stamp}-{n}",
        version=1,
        type="conversation.requested",
        at=T0 + timedelta(seconds=n),
        actor=f"m{n % 97}",
        data={
            "cycle": "crash@1",
            "kind": "yearly",
            "pattern": "employee_manager",
            "participants": [
                {"person": f"e{n}", "role": "employee"},
                {"person": f"m{n % 97}", "role": "manager"},
            ],
            "preparers": [f"e{n}", f"m{n % 97}"],
            "team": f"t{n % 50}",
            "themes": [],
            "carried_forward": [],
        },
    )


def audit(action):
    return AuditRecord(
        at=T0.isoformat(),
        actor="system",
        action=action,
        object="batch",
        result="done",
        origin="test",
    )


def bulk(url, count, marker, mode):
    """Append *count* conversations in one call; signal *marker*; pause inside or after it."""
    store = open_store(url)
    events = [requested(n, "bulk") for n in range(count)]
    # The rows the domain makes of each new conversation travel with its write.
    writes = [StreamWrite(e.stream, 0, [e], read_model=read_model(replay([e]))) for e in events]
    if mode == "pause-inside":
        conn = store._conn

        def pause():
            # Called by SQLite during the statement: well inside the transaction, stop here.
            if conn.total_changes > count // 3:
                with open(marker, "w") as handle:
                    handle.write("inside")
                time.sleep(3600)
            return 0

        conn.set_progress_handler(pause, 10_000)
    else:
        with open(marker, "w") as handle:
            handle.write("starting")
    store.append(writes, audit=[audit("bulk")])
    with open(marker + ".done", "w") as handle:
        handle.write("done")
    time.sleep(3600)


def contend(url, stream, rounds, start_file):
    """For round k = 0, 1, ...: append to *stream* from expected version k, like every rival."""
    store = open_store(url)
    while not os.path.exists(start_file):
        time.sleep(0.005)
    won, lost = [], []
    for k in range(rounds):
        while store.version(stream) < k:
            time.sleep(0.001)
        item = Event(
            stream=stream,
            version=k + 1,
            type="counter.incremented",
            at=T0,
            actor=f"pid-{os.getpid()}",
            data={"by": os.getpid(), "round": k},
        )
        try:
            store.append([StreamWrite(stream, k, [item])])
            won.append(k)
        except ConflictError as exc:
            if exc.expected_version != k or exc.actual_version <= k:
                raise
            lost.append(k)
    store.close()
    print(json.dumps({"pid": os.getpid(), "won": won, "lost": lost}))


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    if mode == "bulk":
        bulk(args[0], int(args[1]), args[2], args[3])
    elif mode == "contend":
        contend(args[0], args[1], int(args[2]), args[3])
    else:
        raise SystemExit(f"unknown mode {mode}")
