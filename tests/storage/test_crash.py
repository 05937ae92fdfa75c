"""A writer killed with SIGKILL in the middle of a large batch leaves all of it or none of it."""

from __future__ import annotations

import contextlib
import random
import signal
import subprocess

import pytest

from magcore.access import audit
from magcore.storage import StreamWrite
from magcore.storage.sqlite import SQLiteStore
from magcore.testing.storage import audit_record, event

from .processes import start, wait_for

BATCH = 50_000
#: Audit lines before the crash: three events and one line about them.
EARLIER = 4
#: Audit lines of the batch: one per event and the batch's own line.
BATCH_LINES = BATCH + 1


def prepare(path):
    """A store with some earlier history that the crash must not touch."""
    store = SQLiteStore.open(f"sqlite:///{path}")
    store.append(
        [StreamWrite("goal:g-1", 0, [event("goal:g-1", v) for v in (1, 2, 3)])],
        audit=[audit_record(1, action="append")],
    )
    store.close()


def kill_and_inspect(path, process):
    """SIGKILL the writer, reopen the file and return what the batch left behind."""
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    store = SQLiteStore.open(f"sqlite:///{path}")
    try:
        events = sum(1 for _, e in store.read_all() if e.stream.startswith("conversation:bulk-"))
        rows = len(store.conversations())
        people = len(store.conversations(participant="e7"))
        head = store.audit_head()
        chain = audit.verify(store.read_audit(), expected_count=head.count)
        history = store.read("goal:g-1")
    finally:
        store.close()
    assert chain.ok, chain.problem
    assert history == tuple(event("goal:g-1", v) for v in (1, 2, 3))
    return events, rows, people, head.count


@pytest.mark.slow
def test_kill_inside_the_transaction_leaves_nothing(tmp_path):
    """Killed while SQLite is inserting the batch: no event, row or audit line of it remains."""
    path = tmp_path / "crash.db"
    prepare(path)
    marker = tmp_path / "marker"
    process = start("bulk", f"sqlite:///{path}", BATCH, marker, "pause-inside")
    wait_for(marker, process)
    assert kill_and_inspect(path, process) == (0, 0, 0, EARLIER)


@pytest.mark.slow
def test_kill_after_commit_keeps_everything(tmp_path):
    """Killed right after the call returned: the whole batch is there, read models included."""
    path = tmp_path / "crash.db"
    prepare(path)
    marker = tmp_path / "marker"
    process = start("bulk", f"sqlite:///{path}", BATCH, marker, "run")
    wait_for(f"{marker}.done", process, timeout=120)
    assert kill_and_inspect(path, process) == (BATCH, BATCH, 1, EARLIER + BATCH_LINES)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(4))
def test_kill_at_a_random_moment_is_all_or_nothing(tmp_path, seed):
    """Killed at a random moment during the call: all of the batch or none of it."""
    path = tmp_path / "crash.db"
    prepare(path)
    marker = tmp_path / "marker"
    process = start("bulk", f"sqlite:///{path}", BATCH, marker, "run")
    wait_for(marker, process)
    delay = random.Random(seed).uniform(0.0, 2.0)
    with contextlib.suppress(subprocess.TimeoutExpired):  # still running: the usual case
        process.wait(timeout=delay)
    outcome = kill_and_inspect(path, process)
    assert outcome in {(0, 0, 0, EARLIER), (BATCH, BATCH, 1, EARLIER + BATCH_LINES)}
