"""The input policy at the API's edges: query and path ids, JSON depth, body size, caching."""

from __future__ import annotations

import json

import anyio
import pytest
from magcore_web.testing import HOST_A as A

HOSTILE = "x\u202eSECRET" + "A" * 5000


def _start(api, person="anna"):
    response = api.post(
        "/api/v1/conversations", person, json={"cycle": "web-example@1", "kind": "yearly"}
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _errors(response):
    return [(e["in"], e["location"], e["code"]) for e in response.json()["errors"]]


def test_lifting_a_restriction_checks_the_conversation_id_of_the_query(api, services):
    before = services[A].store.version("person:anna")
    response = api.delete(
        "/api/v1/people/anna/restrictions", "piet", params={"conversation": HOSTILE}
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert _errors(response) == [("query", "conversation", "pattern")]
    assert "SECRET" not in response.text  # the value is not echoed
    assert services[A].store.version("person:anna") == before


@pytest.mark.parametrize(
    ("path", "where", "name"),
    [
        ("/api/v1/conversations/c1?purpose=x%E2%80%AEy", "query", "purpose"),
        ("/api/v1/team/due-conversations?cycle=a%00b", "query", "cycle"),
        ("/api/v1/people/a%E2%80%AEb/restrictions", "path", "personId"),
        ("/api/v1/conversations/" + "c" * 300, "path", "conversationId"),
    ],
)
def test_query_and_path_values_taken_as_ids_are_checked(api, path, where, name):
    response = api.get(path, "piet")
    assert response.status_code == 400, response.text
    assert _errors(response) == [(where, name, "pattern")]


def test_a_deeply_nested_body_is_refused_by_name_not_a_server_error(api):
    cid = _start(api)
    deep = "[" * 5000 + "]" * 5000
    response = api.put(
        f"/api/v1/conversations/{cid}/preparation",
        "anna",
        content='{"answers":{"a":' + deep + "}}",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert _errors(response) == [("body", "/", "maxDepth")]


def test_a_body_larger_than_the_limit_is_refused_before_it_is_read(api, services):
    cid = _start(api)
    before = services[A].store.version(f"conversation:{cid}")
    big = json.dumps({"answers": {"going_well": "x"}, "pad": "A" * (2 * 1024 * 1024)})
    response = api.put(f"/api/v1/conversations/{cid}/preparation", "anna", content=big)
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 413
    # Pages' form posts too, signed in or not.
    assert api.post("/sign-in", content=b"a=" + b"A" * (2 * 1024 * 1024)).status_code == 413
    assert services[A].store.version(f"conversation:{cid}") == before


def test_a_streamed_body_is_no_longer_read_once_past_the_limit(api, web):
    """A body without Content-Length (chunked) of 4 MiB: the app stops reading at 1 MiB and
    answers 413, it does not read on."""
    cid = _start(api)
    asked = 0
    sent = []

    async def receive():
        nonlocal asked
        asked += 1
        body = b'{"answers": {"going_well": "' if asked == 1 else b"A" * 65536
        return {"type": "http.request", "body": body, "more_body": asked < 64}  # 4 MiB

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "PUT",
        "scheme": "http",
        "path": f"/api/v1/conversations/{cid}/preparation",
        "raw_path": f"/api/v1/conversations/{cid}/preparation".encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", A.encode()),
            (b"authorization", f"Bearer anna@{A}".encode()),
            (b"content-type", b"application/json"),
        ],
        "client": ("127.0.0.1", 1),
        "server": (A, 80),
    }
    anyio.run(web[0], scope, receive, send)
    assert sent[0]["status"] == 413
    assert asked <= 1 + 1024 // 64 + 1  # 1 MiB and one chunk more, never the rest


def test_api_responses_are_never_cached(api):
    cid = _start(api)
    for path in (
        f"/api/v1/conversations/{cid}",
        "/api/v1/subject-access-export",
        "/api/v1/conversations/nope",
        "/api/v1/openapi.json",
    ):
        assert api.get(path, "anna").headers.get("cache-control") == "no-store", path


def test_a_page_form_streamed_past_the_limit_gets_a_413_page_not_a_server_error(web):
    """Found by review: a signed-in form sent without a length and past 1 MiB met the limit
    while the page read it, and the page answered 500 with a traceback in the log."""
    from magcore_web.identity import Principal
    from starlette.testclient import TestClient

    app, _ = web
    sessions = app.state.sessions
    session = sessions.sign_in(sessions.new(A), Principal(person_id="anna", tenant=A))
    client = TestClient(app, base_url=f"http://{A}")
    client.headers["cookie"] = f"__Host-magcore-session={session.id}"

    def chunks():
        yield b"csrf_token=" + session.csrf.encode() + b"&pad="
        for _ in range(40):
            yield b"A" * 65536

    response = client.post(
        "/sharing/1/revoke",
        content=chunks(),
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"


def test_hidden_tag_characters_in_a_text_are_refused_by_name(api, services):
    """The OpenAPI document's pattern leaves the tag characters out (not every ECMA-262 reading
    takes a range beyond U+FFFF), but the API refuses them, naming the field; nothing is kept."""
    cid = _start(api)
    before = services[A].store.version(f"conversation:{cid}")
    smuggled = "Thuiswerken\U000e0049\U000e0047\U000e004e\U000e004f\U000e0052\U000e0045"
    response = api.post(f"/api/v1/conversations/{cid}/topics", "anna", json={"text": smuggled})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert _errors(response) == [("body", "/text", "characters")]
    assert "U+E0049 at position 11" in response.text
    assert services[A].store.version(f"conversation:{cid}") == before
