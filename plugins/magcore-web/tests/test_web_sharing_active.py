"""A sharing choice's ``active`` is decided on the installation's local day, as the gateway
decides reads: ``until`` ends at midnight in Europe/Amsterdam, not at midnight UTC."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from magcore_web.testing import HOST_A as A

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _active(api) -> list[bool]:
    return [c["active"] for c in api.get("/api/v1/sharing-choices", "anna").json()]


def test_an_ended_choice_is_not_active_half_an_hour_after_local_midnight(api, services):
    choice = {"to": "hr_adviser", "what": "agreements", "purpose": "handover"}
    granted = api.post("/api/v1/sharing-choices", "anna", json={**choice, "until": "2026-03-05"})
    assert granted.status_code == 201, granted.text
    clock = services[A].clock
    clock.set(datetime(2026, 3, 5, 23, 30, tzinfo=AMSTERDAM))  # the last day, still
    assert _active(api) == [True]
    # 00:30 in Amsterdam on the day after the end: still 2026-03-05 in UTC (23:30)
    clock.set(datetime(2026, 3, 6, 0, 30, tzinfo=AMSTERDAM))
    assert _active(api) == [False]
    one = api.get(f"/api/v1/sharing-choices/{granted.json()['id']}", "anna").json()
    assert one["active"] is False
