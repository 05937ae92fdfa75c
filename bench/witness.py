"""What witnessing the audit head costs per audited append (one line per append, the worst case).

An SQLite store with the file key provider appends ``--appends`` single audit lines, in turns
with the witness on and off (``use_audit_witness(None)``: the code before the witness), each
turn on a fresh database; ``--repeat`` turns each. Prints the median microseconds per append
and the ratio. ``--folder /dev/shm`` takes the disk out (no ``fsync`` cost): the witness's own
CPU and system-call cost shows alone.

Usage: ``python bench/witness.py [--appends 400] [--repeat 5] [--folder DIR]``
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime

from magcore import open_service
from magcore.storage.base import AuditRecord

_AT = datetime(2026, 1, 5, tzinfo=UTC).isoformat()
_LINE = [
    AuditRecord(at=_AT, actor="a", action="read", object="c/1", result="allowed", origin="api")
]


def _turn(witness: bool, appends: int, folder: str | None) -> float:
    where = tempfile.mkdtemp(dir=folder)
    service = open_service(f"sqlite:///{where}/magcore.db")
    store = service.store
    if not witness:
        getattr(store, "inner", store).use_audit_witness(None)
    store.append_audit(_LINE)
    start = time.perf_counter()
    for _ in range(appends):
        store.append_audit(_LINE)
    elapsed = time.perf_counter() - start
    service.close()
    return elapsed / appends * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appends", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--folder", default=None)
    args = parser.parse_args()
    runs: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(args.repeat):
        for witness in (False, True):
            runs[witness].append(_turn(witness, args.appends, args.folder))
    for witness, label in ((False, "without witness"), (True, "with witness")):
        print(f"{label:16} median {statistics.median(runs[witness]):8.1f} µs/append")
    ratio = statistics.median(runs[True]) / statistics.median(runs[False])
    print(f"ratio {ratio:.2f}")


if __name__ == "__main__":
    main()
