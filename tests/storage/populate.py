"""Fill a store with what a municipality's store holds: conversations with agreements, a
destroyed one (tombstone), goals with non-ASCII text, and audit lines."""

from __future__ import annotations

from datetime import date, timedelta

import attrs

from magcore.events import Event
from magcore.model.records import Agreement
from magcore.storage import Store, StreamWrite
from magcore.storage.keys import KeyRecord
from magcore.testing.storage import T0, ConversationDriver, audit_record, event


def populate(store: Store, conversations: int = 4) -> None:
    """Write *conversations* held conversations, destroy the first, add goals and audit lines."""
    for n in range(conversations):
        driver = ConversationDriver(store, f"c-{n}", employee=f"e-{n}", manager="m-1")
        driver.hold_and_agree(
            date(2026, 2, 1) + timedelta(days=n),
            [Agreement(id=f"a-{n}", text=f"Afspraak {n}: cursus café", owner="employee")],
        )
    store.append(
        [
            StreamWrite(
                "goal:g-1", 0, [event("goal:g-1", v, text="leren \u00e9\u00e8") for v in (1, 2)]
            )
        ],
        audit=[audit_record(1, action="append")],
    )
    store.append_audit([audit_record(n) for n in range(2, 6)])
    stream = "conversation:c-0"
    tombstone = Event(
        stream=stream,
        version=store.version(stream) + 1,
        type="stream.destroyed",
        at=T0 + timedelta(days=2000),
        actor="system",
        data={"profile": "test", "events_removed": store.version(stream)},
    )
    store.destroy_stream(stream, tombstone, audit=[audit_record(6, action="destroy")])
    if hasattr(store, "add_keys"):  # the per-person key table: one live key, one destroyed
        store.add_keys(
            [
                KeyRecord(
                    id=f"k-{person}",
                    owner=person,
                    kek_id="kek-1",
                    wrapped=bytes(range(40)),
                    created=T0.isoformat(),
                )
                for person in ("e-1", "e-2")
            ]
        )
        # destroyed as the key ring destroys: with the line that says so, in one transaction
        line = attrs.evolve(audit_record(7, action="destroy"), object="e-2", result="done")
        store.destroy_keys(["e-2"], at=(T0 + timedelta(days=3000)).isoformat(), audit=[line])
