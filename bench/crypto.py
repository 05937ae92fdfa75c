"""The cost of encrypting the content of a planned year, against storing it in clear, in SQLite.

Plans 2026 for ``--people`` employees (as ``bench/store.py`` does) and gives every planned
conversation the content a held conversation has: the employee's and the manager's published
preparations (answers), the record (a summary and two agreements) and a note; four events, six
content fields, about 2 KB of text. Each conversation's content events go to a stream of their
own, appended ``--batch`` streams per call (one transaction each) to a fresh SQLite store.

Measured in the same run, in turns, fastest of ``--repeat`` (the two store runs swap places
each time). Both wall-clock and CPU seconds of this process are shown; the verdict uses CPU
time, which other work on a shared machine does not inflate (it leaves out waiting for the disk,
which makes the clear store look cheaper and the ratio stricter):

* **clear**: building the content events and ``SQLiteStore.append`` of them as they are;
* **encrypted**: encrypting every content field with the employee's data key
  (:class:`magcore.crypto.ContentCipher`, AES-256-GCM, bound to stream and field), building the
  events, and the same ``append``; the employees' data keys exist already (made once, in one
  write, with ``KeyRing.ensure_keys``; that one-off is shown on its own line);
* **build events**: without the store, clear against encrypting (the cipher's own cost), and
  **decrypt** every field again after ``read_all`` (the read side) against ``read_all`` alone.

Issue 13's aim: the store with encryption at most 1.3x the store without.

Usage: ``python bench/crypto.py [--people 18000] [--batch 5000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "bench")]

from store import planned_events  # noqa: E402  (bench/store.py: the same planned year)

from magcore.crypto import ContentCipher, KeyRing, LocalKeyProvider, owner_of_person  # noqa: E402
from magcore.events import Event  # noqa: E402
from magcore.storage import SQLiteStore, StreamWrite  # noqa: E402

WORDS = [
    "werk",
    "team",
    "cursus",
    "overleg",
    "planning",
    "rust",
    "energie",
    "afspraak",
    "leren",
    "collega",
    "klant",
    "inwoner",
    "project",
    "budget",
    "thuiswerken",
    "gezondheid",
    "loopbaan",
    "coaching",
    "feedback",
    "samenwerking",
    "doel",
    "taak",
    "uren",
    "verlof",
    "opleiding",
    "ontwikkeling",
    "ervaring",
    "tevreden",
    "zorgen",
    "plezier",
]

#: Where the content sits in each event (the field names the stream/field binding uses).
CONTENT = {
    "preparation.published": ("answers",),
    "record.drafted": ("summary", "agreements"),
    "note.added": ("text",),
}


def text(rng, words):
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def content_events(planned, seed=7):
    """Per planned conversation: (stream, employee, [(type, actor, data)]) with its content."""
    rng = random.Random(seed)
    items = []
    for event in planned:
        conv_id = event.stream.partition(":")[2]
        participants = event.data["participants"]
        employee = next(p["person"] for p in participants if p["role"] == "employee")
        manager = next(p["person"] for p in participants if p["role"] == "manager")
        events = [
            (
                "preparation.published",
                employee,
                {"answers": {"going_well": text(rng, 40), "wishes": text(rng, 30)}},
            ),
            ("preparation.published", manager, {"answers": {"observations": text(rng, 40)}}),
            (
                "record.drafted",
                manager,
                {
                    "summary": text(rng, 80),
                    "agreements": [
                        {"id": "a-1", "text": text(rng, 15), "owner": "employee"},
                        {"id": "a-2", "text": text(rng, 15), "owner": "manager"},
                    ],
                },
            ),
            ("note.added", employee, {"text": text(rng, 25)}),
        ]
        items.append((f"content:{conv_id}", employee, events, event.at))
    return items


def clear_writes(items):
    """The writes with content as it is (the events built as the service would)."""
    return [
        StreamWrite(
            stream,
            0,
            [
                Event(stream=stream, version=n, type=type_, at=at, actor=actor, data=data)
                for n, (type_, actor, data) in enumerate(evs, 1)
            ],
        )
        for stream, _, evs, at in items
    ]


def encrypt_writes(cipher, items):
    """Encrypt every content field of *items* and build the writes (what the service would do)."""
    writes = []
    encrypt = cipher.encrypt
    for stream, employee, evs, at in items:
        owner = owner_of_person(employee)
        events = []
        for n, (type_, actor, data) in enumerate(evs, 1):
            sealed = dict(data)
            for field in CONTENT[type_]:
                sealed[field] = encrypt(data[field], owner=owner, stream=stream, field=field)
            events.append(
                Event(stream=stream, version=n, type=type_, at=at, actor=actor, data=sealed)
            )
        writes.append(StreamWrite(stream, 0, events))
    return writes


def batches(items, size):
    return [items[start : start + size] for start in range(0, len(items), size)]


def measure(times, name, fn):
    """Run *fn*, noting its wall-clock and CPU seconds under *name*; return its result."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    times[name] = (time.perf_counter() - wall, time.process_time() - cpu)
    return result


def run_once(items, batch, folder, run):
    """One run: clear store, encrypted store (in turn first), cipher only, decrypt.

    Both store runs build their events inside the clock, from the same content, as the service
    does; the encrypted one also encrypts each content field first.
    """
    times = {}
    clear = SQLiteStore.open(f"sqlite:///{folder}/clear-{run}.db")
    sealed = SQLiteStore.open(f"sqlite:///{folder}/sealed-{run}.db")
    ring = KeyRing(sealed, LocalKeyProvider.generate())
    cipher = ContentCipher(ring)
    owners = sorted({owner_of_person(employee) for _, employee, _, _ in items})
    measure(times, "keys", lambda: ring.ensure_keys(owners))

    def append_clear():
        for chunk in batches(items, batch):
            clear.append(clear_writes(chunk))

    def append_sealed():
        for chunk in batches(items, batch):
            sealed.append(encrypt_writes(cipher, chunk))

    order = [("clear", append_clear), ("encrypted", append_sealed)]
    for name, fn in order if run % 2 == 0 else reversed(order):
        measure(times, name, fn)
    measure(times, "events", lambda: clear_writes(items))
    measure(times, "cipher", lambda: encrypt_writes(cipher, items))
    stored = measure(times, "read clear", lambda: list(clear.read_all()))

    def read_and_decrypt():
        events = list(sealed.read_all())
        decrypt = cipher.decrypt
        for _, event in events:
            for field in CONTENT[event.type]:
                decrypt(event.data[field], stream=event.stream, field=field)
        return events

    assert len(measure(times, "read + decrypt", read_and_decrypt)) == len(stored)
    clear.close()
    sealed.close()
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=18_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    planned = planned_events(args.people)
    items = content_events(planned)
    events = sum(len(evs) for _, _, evs, _ in items)
    fields = sum(len(CONTENT[t]) for _, _, evs, _ in items for t, _, _ in evs)
    print(
        f"planned 2026 for {args.people:,} employees: {len(items):,} held conversations, "
        f"{events:,} content events, {fields:,} encrypted fields; {args.batch:,} streams per "
        f"append; fastest of {args.repeat} interleaved runs"
    )
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for run in range(args.repeat):
            for name, seconds in run_once(items, args.batch, folder, run).items():
                results.setdefault(name, []).append(seconds)
    best = {name: min(v[0] for v in values) for name, values in results.items()}
    cpu = {name: min(v[1] for v in values) for name, values in results.items()}
    rows = [
        ("SQLiteStore.append, content in clear", "clear", "clear"),
        ("encrypt fields + SQLiteStore.append", "encrypted", "clear"),
        ("build events, clear", "events", "events"),
        ("build events, encrypting fields", "cipher", "events"),
        ("read_all, clear", "read clear", "read clear"),
        ("read_all + decrypt every field", "read + decrypt", "read clear"),
        ("one-off: a data key per employee", "keys", None),
    ]
    print()
    header = (
        f"{'operation':<38} {'best s':>7} {'worst s':>8} {'x clear':>8} {'cpu s':>7} "
        f"{'x clear':>8} {'fields/s':>9}"
    )
    print(header)
    print("-" * len(header))
    for label, name, base in rows:
        wall_ratio = f"{best[name] / best[base]:.2f}" if base else "-"
        cpu_ratio = f"{cpu[name] / cpu[base]:.2f}" if base else "-"
        rate = f"{fields / cpu[name]:,.0f}" if base else "-"
        worst = max(v[0] for v in results[name])
        print(
            f"{label:<38} {best[name]:>7.2f} {worst:>8.2f} {wall_ratio:>8} {cpu[name]:>7.2f} "
            f"{cpu_ratio:>8} {rate:>9}"
        )
    ratio = cpu["encrypted"] / cpu["clear"]
    verdict = "within" if ratio <= 1.3 else "OVER"
    print(
        f"\nencrypted store / clear store: {ratio:.2f}x in CPU time ({verdict} the 1.3x aim of "
        f"issue 13); {best['encrypted'] / best['clear']:.2f}x in wall-clock time"
    )


if __name__ == "__main__":
    main()
