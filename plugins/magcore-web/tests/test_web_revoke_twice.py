"""Revoking a sharing choice twice (a double click, two tabs, the page and the API) is done
once and answered as done both times, never as a refusal. At the same moment too: that case
is in the concurrency stress test (``web_stress.py``)."""

from __future__ import annotations

from typing import Any

from magcore_web.identity import Principal
from magcore_web.testing import HOST_A
from starlette.testclient import TestClient


def _page_client(app: Any, person: str) -> tuple[TestClient, Any]:
    sessions = app.state.sessions
    session = sessions.sign_in(sessions.new(HOST_A), Principal(person_id=person, tenant=HOST_A))
    client = TestClient(app, base_url=f"http://{HOST_A}")
    client.headers["cookie"] = f"__Host-magcore-session={session.id}"
    return client, session


def test_a_choice_revoked_twice_on_the_page_and_by_the_api_is_revoked_once(web, api, services):
    app, _ = web
    choice = {"to": "hanna", "what": "agreements", "purpose": "hr_overview"}
    granted = api.post("/api/v1/sharing-choices", "anna", json=choice)
    assert granted.status_code == 201
    number = granted.json()["id"]
    anna, session = _page_client(app, "anna")
    for _ in range(2):
        done = anna.post(
            f"/sharing/{number}/revoke",
            data={"csrf_token": session.csrf},
            follow_redirects=False,
        )
        assert done.status_code == 303
        assert done.headers["location"] == "/sharing"
    assert api.delete(f"/api/v1/sharing-choices/{number}", "anna").status_code == 204
    events = services[HOST_A].store.read("person:anna")
    assert [e.type for e in events].count("sharing.revoked") == 1
