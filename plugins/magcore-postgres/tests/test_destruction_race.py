"""Two destructions of one conversation at once on PostgreSQL, from two stores (as two
processes would be): one tombstone and one ``destroy`` line; the second is told it is destroyed
already, or given the tombstone.

The second runs, to its end, inside the first: just before the first destroys the keys, or just
before it writes the tombstone (its keys gone), by wrapping the first one's store. No timing.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from magcore_postgres import PostgresStore

from magcore import FixedClock, Service
from magcore.access.audit import verify_store
from magcore.access.erasure import destroy_conversation
from magcore.access.reading import DESTROYED_EVENT
from magcore.access.retention import SELECTIELIJST_2020
from magcore.errors import NotFoundError
from magcore.testing.erasure import write_story

NOW = datetime(2025, 3, 3, 9, tzinfo=UTC)
CYCLES = Path(__file__).resolve().parents[3] / "docs" / "examples" / "cycles"


def _destroy(service: Service, **options: Any) -> Any:
    return destroy_conversation(
        service.store,
        "c1",
        profile=SELECTIELIJST_2020,
        due=NOW.date(),
        clock=FixedClock(NOW),
        **options,
    )


@pytest.mark.postgres
@pytest.mark.parametrize("place", ["before-the-keys", "before-the-tombstone"])
@pytest.mark.parametrize("once", [False, True])
def test_two_destructions_at_once_leave_one_tombstone_and_one_line(
    schema_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, place: str, once: bool
) -> None:
    monkeypatch.setenv("MAGCORE_KEY_FOLDER", str(tmp_path))
    first = Service(PostgresStore.open(schema_url), clock=FixedClock(NOW))
    second = Service(PostgresStore.open(schema_url), clock=FixedClock(NOW))
    try:
        cycle = first.add_cycle(json.loads((CYCLES / "employee-manager.json").read_text()))
        write_story(first, cycle, "e-1", "m-1", on=date(2025, 2, 10))
        since = first.store.audit_head().count
        done: list[Any] = []

        def other() -> None:
            if not done:
                done.append(_destroy(second, actor="po"))

        if place == "before-the-keys":
            ring = first.store.keys  # type: ignore[attr-defined]
            real_keys = ring.destroy
            monkeypatch.setattr(ring, "destroy", lambda *a, **k: (other(), real_keys(*a, **k))[1])
        else:
            real_append = first.store.append

            def append(writes: Any, **kwargs: Any) -> Any:
                if any(e.type == DESTROYED_EVENT for w in writes for e in w.events):
                    other()
                return real_append(writes, **kwargs)

            monkeypatch.setattr(first.store, "append", append)
        if once:
            with pytest.raises(NotFoundError, match="destroyed already"):
                _destroy(first, once=True)
        else:
            assert _destroy(first) == done[0]
        events = first.store.inner.read("conversation:c1")  # type: ignore[attr-defined]
        assert [e.type for e in events].count(DESTROYED_EVENT) == 1
        assert events[-1] == done[0]
        lines = list(first.store.read_audit())[since:]
        assert [(x["actor"], x["object"]) for x in lines if x["action"] == "destroy"] == [
            ("po", "conversation:c1")
        ]
        keys = first.store.inner.list_keys("conversation:c1")  # type: ignore[attr-defined]
        assert keys
        assert not [k for k in keys if k.alive]
        assert sorted(done[0].data["keys"]) == sorted(k.id for k in keys)
        result = verify_store(first.store)
        assert (result.ok, result.key_problems) == (True, ())
    finally:
        second.close()
        first.close()
