"""A sharing choice's ``active`` is decided on the installation's local day, as the gateway
decides reads: ``until`` ends at midnight in Europe/Amsterdam, not at midnight UTC."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from magcore_web.identity import Principal
from magcore_web.testing import HOST_A as A
from starlette.testclient import TestClient

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


def test_the_sharing_page_holds_what_the_api_holds_after_local_midnight(web, api, services):
    """The page lists a choice among those that hold (with its revoke button) exactly when the
    API says ``active``: at 00:30 in Amsterdam after its last day it is listed as ended."""
    app, _ = web
    choice = {"to": "hanna", "what": "goals", "purpose": "conversation", "until": "2026-03-02"}
    granted = api.post("/api/v1/sharing-choices", "anna", json=choice)
    assert granted.status_code == 201, granted.text
    number = granted.json()["id"]
    sessions = app.state.sessions
    session = sessions.sign_in(sessions.new(A), Principal(person_id="anna", tenant=A))
    page = TestClient(app, base_url=f"http://{A}")
    page.headers["cookie"] = f"__Host-magcore-session={session.id}"

    def holds() -> bool:
        html = page.get("/sharing").text
        assert f'action="/sharing/{number}/revoke"' in html or 'id="ended-choices"' in html
        return f'action="/sharing/{number}/revoke"' in html

    clock = services[A].clock
    clock.set(datetime(2026, 3, 2, 23, 30, tzinfo=AMSTERDAM))  # the last day, still
    assert _active(api) == [True]
    assert holds()
    clock.set(datetime(2026, 3, 3, 0, 30, tzinfo=AMSTERDAM))  # still 2 March in UTC
    assert _active(api) == [False]
    assert not holds()
    ended = page.get("/sharing").text.split('id="ended-choices"')[1].split("</ul>")[0]
    assert "hanna" in ended
