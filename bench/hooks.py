"""The cost of one batch of 1,000 events passing through the observer hook.

magcore calls ``magcore_events_committed`` once per committed batch, never per event. This
script stores one batch of 1,000 events (the baseline, measured in the same run) and then hands
the committed batch to 0, 1 and 10 observer plugins. Each observer does what a real one does
first: it looks through the batch for the event types it cares about.

Run: ``python bench/hooks.py`` (add ``--repeats N``; ``--store sqlite`` for a SQLite file).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from magcore import hookimpl
from magcore.events import Event
from magcore.plugins import get_plugin_manager
from magcore.storage.base import StreamWrite

BATCH = 1_000
STREAMS = 100
AT = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


class Observer:
    """An observer that scans the batch for the events it reacts to (and finds few)."""

    def __init__(self) -> None:
        self.seen = 0

    @hookimpl
    def magcore_events_committed(self, batch):
        self.seen += sum(1 for event in batch.events if event.type == "conversation.held")


def writes(round_no: int) -> list[StreamWrite]:
    per_stream = BATCH // STREAMS
    result = []
    for s in range(STREAMS):
        stream = f"bench:{round_no}-{s}"
        events = tuple(
            Event(
                stream=stream,
                version=v,
                type="conversation.held" if v == per_stream else "bench.noted",
                at=AT,
                actor="p000001",
                data={"n": v, "note": "x" * 40},
            )
            for v in range(1, per_stream + 1)
        )
        result.append(StreamWrite(stream, 0, events))
    return result


def median_ms(samples: list[int]) -> float:
    return statistics.median(samples) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--store", choices=["memory", "sqlite"], default="memory")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = "memory://" if args.store == "memory" else f"sqlite:///{Path(folder) / 'b.db'}"
        base_host = get_plugin_manager(load_entry_points=False)
        store = base_host.hooks.open_store(url)
        prepared = [writes(r) for r in range(args.repeats + 2)]
        store.append(prepared[0])  # warm up
        appends: list[int] = []
        batches = []
        for r in range(1, args.repeats + 1):
            start = time.perf_counter_ns()
            batch = store.append(prepared[r])
            appends.append(time.perf_counter_ns() - start)
            batches.append(batch)
        store.close()
        baseline = median_ms(appends)
        rows = [("store the batch alone (baseline)", baseline, 1.0)]
        for count in (0, 1, 10):
            host = get_plugin_manager(
                load_entry_points=False,
                extra=[(f"observer-{i}", Observer()) for i in range(count)],
            )
            host.hooks.events_committed(batches[0])  # warm up
            samples = []
            for batch in batches:
                start = time.perf_counter_ns()
                failures = host.hooks.events_committed(batch)
                samples.append(time.perf_counter_ns() - start)
                assert not failures
            cost = median_ms(samples)
            rows.append((f"observer hook, {count:>2} plugins", cost, cost / baseline))
    print(
        f"one batch of {BATCH:,} events in {STREAMS} streams, {args.store} store, "
        f"median of {args.repeats}"
    )
    print(f"{'operation':<36} {'time (ms)':>10} {'ratio to baseline':>18}")
    for name, ms, ratio in rows:
        print(f"{name:<36} {ms:>10.3f} {ratio:>18.4f}")


if __name__ == "__main__":
    main()
