"""The privacy officer destroys a conversation that is due for destruction while it is still
planned (scheduled, never held): through the API and through the pages (confirmation page,
CSRF-checked form), with its audit lines, nothing of its content readable afterwards, and
the participants' lists no longer offering it as planned.

Due while planned: the cycle keeps records "2 years after employment ends" (the Autoriteit
Persoonsgegevens' advice, ``ap-advice``), and the employee left before the conversation was
held.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from magcore_web.identity import Principal
from magcore_web.testing import EXAMPLE_CYCLE, HOST_A, make_test_app
from starlette.testclient import TestClient

from magcore.domain.orgchanges import Leave

ROLES = {HOST_A: {"piet": ("privacy_officer",)}}
SECRET = "voorbereiding-van-anna"


@pytest.fixture
def web(tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    app, services = make_test_app(ROLES, store=f"sqlite:///{tmp_path / 'destroy.db'}")
    service = services[HOST_A]
    cycle = service.add_cycle({**EXAMPLE_CYCLE, "id": "ap", "retention_profile": "ap-advice"})
    for body in ("works_council", "executive"):
        service.approve_policy(cycle, body=body, reference="R-1", on=date(2026, 1, 5), actor="or")
    yield app, service
    service.close()


def _bearer(person: str) -> dict[str, str]:
    return {"authorization": f"Bearer {person}@{HOST_A}"}


def _planned_then_left(client: TestClient, service: Any) -> str:
    """Anna's conversation with Bram: planned, both prepared, never held; Anna leaves the
    next day and three years pass."""
    started = client.post(
        "/api/v1/conversations", headers=_bearer("anna"), json={"cycle": "ap@1", "kind": "yearly"}
    )
    assert started.status_code == 201, started.text
    cid: str = started.json()["id"]
    when = (service.clock.now() + timedelta(days=1)).isoformat()
    path = f"/api/v1/conversations/{cid}"
    assert client.put(path + "/schedule", headers=_bearer("bram"), json={"on": when}).is_success
    for person in ("anna", "bram"):
        answers = {"answers": {"going_well": f"{SECRET}-{person}"}}
        saved = client.put(path + "/preparation", headers=_bearer(person), json=answers)
        assert saved.status_code == 200, saved.text
    published = client.post(path + "/preparation/publication", headers=_bearer("anna"))
    assert published.status_code == 200
    today = service.clock.now().date()
    service.record_change(
        "gemeente", Leave(person="anna", on=today + timedelta(days=1)), actor="hr"
    )
    service.clock.advance(timedelta(days=3 * 366))
    return cid


def _signed_in(app: Any, person: str, roles: tuple[str, ...] = ()) -> tuple[TestClient, Any]:
    sessions = app.state.sessions
    principal = Principal(person_id=person, roles=frozenset(roles), tenant=HOST_A)
    session = sessions.sign_in(sessions.new(HOST_A), principal)
    client = TestClient(app, base_url=f"http://{HOST_A}")
    client.headers["cookie"] = f"__Host-magcore-session={session.id}"
    return client, session


def _audit(service: Any) -> list[dict[str, Any]]:
    return [dict(line) for line in service.store.read_audit()]


def _gone(client: TestClient, service: Any, cid: str, before: int) -> None:
    """Destroyed: one destroy line, nothing readable, not listed as planned, log intact."""
    lines = _audit(service)[before:]
    destroyed = [line for line in lines if line["action"] == "destroy"]
    assert [(d["actor"], d["object"]) for d in destroyed] == [("piet", f"conversation:{cid}")]
    # Anna left three years ago: her token no longer signs her in at all (API or pages).
    gone = client.get(f"/api/v1/conversations/{cid}", headers=_bearer("anna"))
    assert gone.status_code == 401
    for person in ("bram",):
        one = client.get(f"/api/v1/conversations/{cid}", headers=_bearer(person))
        assert one.status_code == 404
        assert one.headers["content-type"] == "application/problem+json"
        listed = client.get("/api/v1/conversations", headers=_bearer(person)).json()
        states = [item["state"] for item in listed if item["id"] == cid]
        assert states == ["destroyed"], listed  # a trace, no longer shown as planned
    export = client.get("/api/v1/people/anna/subject-access-export", headers=_bearer("piet"))
    assert export.status_code == 200
    assert SECRET not in export.text
    assert client.get("/api/v1/destruction-due", headers=_bearer("piet")).json() == []
    verified = client.get("/api/v1/audit-verification", headers=_bearer("piet")).json()
    assert verified["ok"] is True, verified


def test_the_officer_destroys_a_planned_conversation_due_for_destruction_over_the_api(web):
    app, service = web
    client = TestClient(app, base_url=f"http://{HOST_A}")
    cid = _planned_then_left(client, service)
    due = client.get("/api/v1/destruction-due", headers=_bearer("piet")).json()
    assert [(d["conversation"], d["profile"]) for d in due] == [(cid, "ap-advice")]
    refused = client.post(
        "/api/v1/destructions", headers=_bearer("bram"), json={"conversation": cid}
    )
    assert refused.status_code == 403
    before = len(_audit(service))
    done = client.post("/api/v1/destructions", headers=_bearer("piet"), json={"conversation": cid})
    assert done.status_code == 201, done.text
    assert done.json()["keys_destroyed"] >= 1
    _gone(client, service, cid, before)
    again = client.post("/api/v1/destructions", headers=_bearer("piet"), json={"conversation": cid})
    assert again.status_code == 404


def test_the_officer_destroys_a_planned_conversation_due_for_destruction_on_the_pages(web):
    app, service = web
    client = TestClient(app, base_url=f"http://{HOST_A}")
    cid = _planned_then_left(client, service)
    pieter, session = _signed_in(app, "piet", ("privacy_officer",))
    privacy = pieter.get("/privacy")
    assert privacy.status_code == 200
    link = f"/privacy/confirm?action=destroy&amp;conversation={cid}"
    assert link in privacy.text
    confirm = pieter.get(link.replace("&amp;", "&"))
    assert confirm.status_code == 200
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', confirm.text))
    assert fields["csrf_token"] == session.csrf
    assert fields["conversation"] == cid

    forged = pieter.post(
        "/privacy/act", data={**fields, "csrf_token": "forged"}, follow_redirects=False
    )
    assert forged.status_code == 403
    assert client.get(f"/api/v1/conversations/{cid}", headers=_bearer("bram")).status_code == 200

    before = len(_audit(service))
    done = pieter.post("/privacy/act", data=fields, follow_redirects=False)
    assert done.status_code == 303
    after = pieter.get(done.headers["location"])
    assert 'id="privacy-done"' in after.text
    assert cid not in after.text  # no longer due
    _gone(client, service, cid, before)
    bram, _ = _signed_in(app, "bram")
    listed = bram.get("/conversations").text
    assert "vernietigd (niet meer te lezen)" in listed
    assert f'href="/conversations/{cid}"' not in listed  # nothing left to open
    assert "gepland" not in listed
    assert bram.get(f"/conversations/{cid}").status_code == 404


def test_nothing_is_added_to_a_destroyed_conversation(web):
    """The service refuses every command on a destroyed conversation (it would get a new,
    readable key): the web answers 404, a caller of the library gets NotFoundError."""
    from magcore.domain.conversation import RaiseTopic
    from magcore.errors import NotFoundError

    app, service = web
    client = TestClient(app, base_url=f"http://{HOST_A}")
    cid = _planned_then_left(client, service)
    done = client.post("/api/v1/destructions", headers=_bearer("piet"), json={"conversation": cid})
    assert done.status_code == 201
    with pytest.raises(NotFoundError, match="destroyed"):
        service.execute(cid, RaiseTopic(actor="bram", text="na de vernietiging"))
    topic = client.post(
        f"/api/v1/conversations/{cid}/topics", headers=_bearer("bram"), json={"text": "na"}
    )
    assert topic.status_code == 404
    assert [e.type for e in service.store.inner.read(f"conversation:{cid}")][-1] == (
        "stream.destroyed"
    )


@pytest.mark.parametrize("how", ["destruction", "erasure"])
def test_a_write_that_commits_while_the_keys_go_is_destroyed_too(web, monkeypatch, how):
    """A participant's write decided before the officer's destruction (or erasure) destroyed
    the keys, and committed before its tombstone: it got a new key. The tombstone then
    conflicts; it is tried again, that key goes too, and the tombstone follows the write."""
    from magcore.domain.conversation import RaiseTopic

    app, service = web
    client = TestClient(app, base_url=f"http://{HOST_A}")
    cid = _planned_then_left(client, service)
    keys = service.store.keys
    destroy = keys.destroy
    raced: list[str] = []

    def destroy_then_a_write_commits(owners: Any, **kw: Any) -> Any:
        gone = destroy(owners, **kw)
        if not raced:
            raced.append("done")
            service.execute(cid, RaiseTopic(actor="bram", text=f"{SECRET}-racing"))
        return gone

    monkeypatch.setattr(keys, "destroy", destroy_then_a_write_commits)
    if how == "destruction":
        done = client.post(
            "/api/v1/destructions", headers=_bearer("piet"), json={"conversation": cid}
        )
    else:
        done = client.post(
            "/api/v1/people/anna/erasure", headers=_bearer("piet"), json={"ground": "request"}
        )
    assert done.status_code == 201, done.text
    assert raced == ["done"]
    events = service.store.read(f"conversation:{cid}")
    assert [e.type for e in events][-2:] == ["topic.raised", "stream.destroyed"]
    assert SECRET not in str([dict(e.data) for e in events])  # the racing topic is erased too
    export = client.get("/api/v1/people/anna/subject-access-export", headers=_bearer("piet"))
    assert SECRET not in export.text
    verified = client.get("/api/v1/audit-verification", headers=_bearer("piet")).json()
    assert verified["ok"] is True, verified


@pytest.fixture
def sign_in_roles_only(tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    """The same tenant, but its settings give nobody a role: the privacy officer's comes from
    the identity provider's groups alone."""
    app, services = make_test_app({HOST_A: {}}, store=f"sqlite:///{tmp_path / 'stale.db'}")
    service = services[HOST_A]
    cycle = service.add_cycle({**EXAMPLE_CYCLE, "id": "ap", "retention_profile": "ap-advice"})
    for body in ("works_council", "executive"):
        service.approve_policy(cycle, body=body, reference="R-1", on=date(2026, 1, 5), actor="or")
    yield app, service
    service.close()


@pytest.mark.parametrize("minutes", [1, 16])
def test_a_sign_ins_role_alone_destroys_nothing(sign_in_roles_only, minutes):
    """Destruction is the service's command: it checks the privacy officer's role in the
    tenant's directory, as restriction and erasure do. A sign-in's group opens the page (for
    ``roles_fresh_for``, 15 minutes), but the service refuses the destruction with its audit
    line (``DestroyConversation``, ``denied``) and nothing is destroyed; after 15 minutes the
    person signs in again first."""
    app, service = sign_in_roles_only
    client = TestClient(app, base_url=f"http://{HOST_A}")
    cid = _planned_then_left(client, service)
    pieter, session = _signed_in(app, "piet", ("privacy_officer",))
    session.created -= minutes * 60
    before = len(_audit(service))
    answer = pieter.post(
        "/privacy/act",
        data={"csrf_token": session.csrf, "action": "destroy", "conversation": cid},
        follow_redirects=False,
    )
    lines = _audit(service)[before:]
    assert [line for line in lines if line["action"] == "destroy"] == []
    assert client.get(f"/api/v1/conversations/{cid}", headers=_bearer("bram")).is_success
    refused = [line for line in lines if line["action"] == "DestroyConversation"]
    if minutes < 15:
        assert answer.status_code == 404
        assert [(r["actor"], r["object"], r["result"]) for r in refused] == [
            ("piet", f"conversation:{cid}", "denied")
        ]
    else:
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/sign-in")
        assert refused == []


def test_the_privacy_page_of_a_sign_in_role_alone_lists_nothing_due(sign_in_roles_only):
    """The page opens on the sign-in's group, but the list is the service's: refused (with its
    audit line) for someone the tenant's directory does not name, and the page says why."""
    app, service = sign_in_roles_only
    client = TestClient(app, base_url=f"http://{HOST_A}")
    cid = _planned_then_left(client, service)
    pieter, _ = _signed_in(app, "piet", ("privacy_officer",))
    before = len(_audit(service))
    page = pieter.get("/privacy")
    assert page.status_code == 200
    assert 'id="due-refused"' in page.text
    assert cid not in page.text
    listed = [line for line in _audit(service)[before:] if line["action"] == "list-destruction-due"]
    assert [(line["actor"], line["result"]) for line in listed] == [("piet", "denied")]


def test_the_list_is_audited_once_per_listing_and_a_refusal_too(web):
    """The API's list is the service's: one audit line for the officer's listing, one for a
    refused asker (who gets the 403 the officer operations give), and nothing destroyed is
    listed."""
    app, service = web
    client = TestClient(app, base_url=f"http://{HOST_A}")
    cid = _planned_then_left(client, service)
    before = len(_audit(service))
    due = client.get("/api/v1/destruction-due", headers=_bearer("piet"))
    assert [d["conversation"] for d in due.json()] == [cid]
    refused = client.get("/api/v1/destruction-due", headers=_bearer("bram"))
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert cid not in refused.text
    lines = [line for line in _audit(service)[before:] if line["action"] == "list-destruction-due"]
    assert [(line["actor"], line["result"], line["purpose"]) for line in lines] == [
        ("piet", "allowed", "retention"),
        ("bram", "denied", "retention"),
    ]
    assert {line["at"] for line in lines} == {service.clock.now().isoformat()}
    assert len(_audit(service)) == before + 2  # nothing else was written for them
    # a destroyed conversation is left out, however it was destroyed
    assert client.post(
        "/api/v1/destructions", headers=_bearer("piet"), json={"conversation": cid}
    ).is_success
    assert client.get("/api/v1/destruction-due", headers=_bearer("piet")).json() == []


def test_a_refused_destruction_over_the_api_is_audited(web):
    app, service = web
    client = TestClient(app, base_url=f"http://{HOST_A}")
    cid = _planned_then_left(client, service)
    before = len(_audit(service))
    refused = client.post(
        "/api/v1/destructions", headers=_bearer("bram"), json={"conversation": cid}
    )
    assert refused.status_code == 403
    (line,) = _audit(service)[before:]
    assert (line["action"], line["actor"], line["result"]) == (
        "DestroyConversation",
        "bram",
        "denied",
    )
    assert line["object"] == f"conversation:{cid}"
    assert client.get(f"/api/v1/conversations/{cid}", headers=_bearer("bram")).is_success
