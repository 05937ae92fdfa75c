"""What a retention run costs: destroying N conversations of an SQLite store that holds G goals.

A service store (content encrypted, data keys in the store's key table) gets ``--conversations``
conversations, each with two goals an older magcore made from its record (their words under the
goal's own key, which the conversation's destruction must destroy too: ``legacy_copies``), and
``--goals`` goals in their owners' own words besides, before any clock starts. Each measurement
runs on a fresh copy of that store (a destruction happens once), fastest of ``--repeat``:

* **keys only** (the baseline): a bare loop over the same conversations that destroys each
  one's data key with its audit line (``KeyRing.destroy``), nothing else;
* **retention run**: ``destroy_conversations`` over the same list: each conversation destroyed
  (its keys, its older copies' keys, found by their id ``<conversation>.<agreement>`` so no
  other goal is read, its tombstone and content-free read-model row).

The ratio is against the baseline, measured in the same run on copies of the same file. The
other goals are there to show the run does not grow with them (it read every goal stream's
first event for every conversation until 2026-12-05: N × G reads).

Wall-clock and CPU seconds of this process are shown; the ratio uses CPU time, which the disk's
waits (each destruction commits) and other work on a shared machine do not inflate.

Usage: ``python bench/erasure.py [--conversations 200] [--goals 1000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src")]

from magcore import FixedClock, SetGoal, open_service  # noqa: E402
from magcore.access.erasure import destroy_conversations  # noqa: E402
from magcore.access.retention import SELECTIELIJST_2020  # noqa: E402
from magcore.domain.goals import decide_goal, goal_stream, record_goal_id  # noqa: E402
from magcore.model.records import Participant  # noqa: E402
from magcore.storage.base import AuditRecord, StreamWrite  # noqa: E402
from magcore.testing import approve_cycle  # noqa: E402

NOW = datetime(2031, 3, 3, 9, tzinfo=UTC)
DUE = date(2031, 3, 3)
CYCLE = ROOT / "docs" / "examples" / "cycles" / "employee-manager.json"
BATCH = 500


def _goal_writes(commands):
    return [StreamWrite(goal_stream(c.goal_id), 0, decide_goal(None, c, now=NOW)) for c in commands]


def fill(path: Path, conversations: int, goals: int) -> list[str]:
    """The store at *path*: the conversations (ids returned), their older goal copies and the
    other goals."""
    service = open_service(f"sqlite:///{path}", clock=FixedClock(NOW))
    try:
        cycle = service.add_cycle(json.loads(CYCLE.read_text()))
        approve_cycle(service, cycle)
        ids, copies = [], []
        for n in range(conversations):
            employee, manager = f"e-{n}", f"m-{n % 50}"
            people = (Participant(employee, "employee"), Participant(manager, "manager"))
            conv = service.request(cycle=cycle, kind="yearly", participants=people, actor=manager)
            ids.append(str(conv.id))
            for agreement, owner, other in (("a1", employee, manager), ("a2", manager, employee)):
                copies.append(
                    SetGoal(
                        actor=owner,
                        goal_id=record_goal_id(str(conv.id), agreement),
                        owner=owner,
                        title=f"Afspraak {agreement} uit het gesprek van {employee}",
                        agreed_in=str(conv.id),
                        collaborators=(other,),
                        agreement=f"{conv.id}#{agreement}",
                    )
                )
        own = [
            SetGoal(actor=f"e-{n}", goal_id=f"own-{n}", owner=f"e-{n}", title="Eigen doel")
            for n in range(goals)
        ]
        commands = copies + own
        for first in range(0, len(commands), BATCH):
            service.store.append(_goal_writes(commands[first : first + BATCH]))
        return ids
    finally:
        service.close()


def _copy(source: Path, folder: Path) -> Path:
    """The store at *source* (its file and key file) copied into the new *folder*."""
    folder.mkdir()
    for part in source.parent.glob(source.name + "*"):
        shutil.copy2(part, folder / part.name)
    return folder / source.name


def keys_only(service, ids):
    for cid in ids:
        owner = f"conversation:{cid}"
        line = AuditRecord(
            at=NOW.isoformat(),
            actor="system",
            action="destroy",
            object=owner,
            result="done",
            origin="retention",
            reason="retention",
            purpose="retention",
        )
        service.store.keys.destroy([owner], audit=[line])


def retention_run(service, ids):
    due = [(cid, SELECTIELIJST_2020, DUE) for cid in ids]
    destroy_conversations(service.store, due, clock=service.clock)


def timed(source: Path, scratch: Path, ids, run, repeat: int) -> tuple[float, float]:
    """The fastest wall-clock and CPU seconds of *repeat* runs of *run* on fresh copies of
    *source*."""
    walls, cpus = [], []
    for attempt in range(repeat):
        path = _copy(source, scratch / f"{run.__name__}-{attempt}")
        service = open_service(f"sqlite:///{path}", clock=FixedClock(NOW))
        try:
            start, cpu = time.perf_counter(), time.process_time()
            run(service, ids)
            cpus.append(time.process_time() - cpu)
            walls.append(time.perf_counter() - start)
        finally:
            service.close()
        shutil.rmtree(path.parent)
    return min(walls), min(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--goals", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        (scratch / "source").mkdir()
        source = scratch / "source" / "magcore.db"
        ids = fill(source, args.conversations, args.goals)
        goals = 2 * args.conversations + args.goals
        print(f"{args.conversations} conversations, {goals} goals ({2 * len(ids)} older copies)")
        bare = timed(source, scratch, ids, keys_only, args.repeat)
        rows = [("keys only (baseline)", bare)]
        rows.append(("retention run", timed(source, scratch, ids, retention_run, args.repeat)))
        print(f"{'':<22} {'wall s':>8} {'CPU s':>8} {'CPU/conv.':>10} {'ratio (CPU)':>12}")
        for name, (wall, cpu) in rows:
            each = cpu / max(1, len(ids)) * 1000
            print(f"{name:<22} {wall:>8.3f} {cpu:>8.3f} {each:>8.2f}ms {cpu / bare[1]:>11.1f}x")


if __name__ == "__main__":
    main()
