"""A PostgreSQL-backed service hands declared content to plugins through the gateway too:
decrypted from the encrypted tables, decided, one audit line per event."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from magcore_postgres import PostgresStore

from magcore import FixedClock, Service, get_plugin_manager, hookimpl
from magcore.access.observers import ContentNeed
from magcore.testing.erasure import MARKERS, write_story

NOW = datetime(2025, 3, 3, 9, tzinfo=UTC)
CYCLES = Path(__file__).resolve().parents[3] / "docs" / "examples" / "cycles"


class Connector:
    def __init__(self) -> None:
        self.got: list = []

    @hookimpl
    def magcore_declare_content(self, register):
        register(
            ContentNeed(
                event_types=["record.drafted", "note.private_added"],
                fields=["summary", "text"],
                purpose="keep the HR file current",
                basis="AVG art. 6(1)(b)",
            )
        )

    @hookimpl
    def magcore_events_committed(self, batch):
        self.got.append(batch)


@pytest.mark.postgres
def test_a_postgres_service_delivers_declared_content_through_the_gateway(
    schema_url, tmp_path, monkeypatch
):
    monkeypatch.setenv("MAGCORE_KEY_FOLDER", str(tmp_path))
    connector = Connector()
    host = get_plugin_manager(load_entry_points=False, extra=[("hr", connector)])
    service = Service(
        PostgresStore.open(schema_url), host=host, clock=FixedClock(NOW), dispatch="off"
    )
    try:
        cycle = service.add_cycle(json.loads((CYCLES / "employee-manager.json").read_text()))
        write_story(service, cycle, "e-1", "m-1", on=date(2025, 2, 10))
        service.dispatcher.drain(wait=True)
        contents = {
            e.type: dict(e.content) if e.content is not None else None
            for b in connector.got
            for e in b.events
            if e.stream == "conversation:c1" and e.type in ("record.drafted", "note.private_added")
        }
        assert contents == {
            "record.drafted": {"summary": MARKERS["summary"]},
            "note.private_added": None,
        }
        lines = [line for line in service.store.read_audit() if line["action"] == "deliver-content"]
        assert {line["result"] for line in lines} == {"done", "denied"}
        assert all(line["actor"] == "plugin:hr" for line in lines)
        raw = json.dumps([e.to_json() for _, e in service.store.inner.read_all()])
        assert MARKERS["summary"] not in raw  # encrypted in the tables, opened for the plugin
    finally:
        service.close()
