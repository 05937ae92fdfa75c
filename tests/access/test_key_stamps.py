"""Data keys are made and destroyed at the service clock's time, as the audit lines say.

An attacker review found the key ring stamped key destruction with the wall clock: a store run
on a fixed or simulated clock said its keys were destroyed on another day than its audit log.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from magcore import FixedClock, open_service
from magcore.access.erasure import ErasureGround, ErasureReason, erase_person
from magcore.testing.erasure import write_story

from ..conftest import EXAMPLE_CYCLES

NOW = datetime(2025, 3, 3, 9, tzinfo=UTC)


def test_keys_are_made_and_destroyed_at_the_service_clock() -> None:
    clock = FixedClock(NOW)
    service = open_service("memory://", clock=clock)
    try:
        cycle = service.add_cycle(
            json.loads((EXAMPLE_CYCLES / "employee-manager.json").read_text())
        )
        write_story(service, cycle, "e-1", "m-1", on=date(2025, 2, 10))
        keys = service.store.inner.list_keys()
        assert keys
        assert {k.created for k in keys} == {NOW.isoformat()}
        clock.advance(timedelta(days=40))
        erase_person(
            service.store,
            "e-1",
            clock=service.clock,
            actor="po",
            reason=ErasureReason(ErasureGround.REQUEST),
        )
        destroyed = {k.destroyed for k in service.store.inner.list_keys() if not k.alive}
        assert destroyed == {clock.now().isoformat()}
        erased = [e["at"] for e in service.store.read_audit() if e["action"] == "erase"]
        assert set(erased) == destroyed  # the keys say what the log says
    finally:
        service.close()
