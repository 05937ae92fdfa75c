"""Sign-in through a real OpenID provider on loopback, and the session that follows."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.web.support import csrf_of, provider_login, sign_in


def test_sign_in_with_pkce_gives_a_session_for_the_person(client):
    """The authorization request carries an S256 PKCE challenge, state and nonce; after the
    provider's answer the person's pages open."""
    page = client.get("/sign-in")
    start = client.post(
        "/sign-in",
        data={"csrf_token": csrf_of(page.text), "next": "/sharing"},
        follow_redirects=False,
    )
    query = parse_qs(urlsplit(start.headers["location"]).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert query["state"][0]
    assert query["nonce"][0]
    assert query["response_type"] == ["code"]
    back = urlsplit(provider_login(start.headers["location"], "anna"))
    done = client.get(f"{back.path}?{back.query}", follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"] == "/sharing"
    mine = client.get("/sharing")
    assert mine.status_code == 200
    assert "anna" in mine.text


def test_session_id_changes_on_sign_in_and_the_old_one_stops_working(client):
    """The cookie before sign-in is worthless after it (no session fixation)."""
    client.get("/sign-in")
    before = client.cookies.get("magcore-session")
    done = sign_in(client, "anna")
    after = client.cookies.get("magcore-session")
    assert done.status_code == 303
    assert before
    assert after
    assert before != after
    client.cookies.clear()
    client.cookies.set("magcore-session", before)
    assert client.get("/sharing", follow_redirects=False).status_code == 303


def test_cookie_flags_on_loopback_and_on_https(make_client):
    """HttpOnly and SameSite always; Secure with the __Host- prefix except on loopback HTTP."""
    loopback = make_client("http://127.0.0.1").get("/sign-in").headers["set-cookie"]
    assert loopback.startswith("magcore-session=")
    assert "httponly" in loopback.lower()
    assert "samesite=lax" in loopback.lower()
    assert "secure" not in loopback.lower()
    public = make_client("https://testserver").get("/sign-in").headers["set-cookie"]
    assert public.startswith("__Host-magcore-session=")
    assert "secure" in public.lower()
    assert "httponly" in public.lower()
    assert "path=/" in public.lower()
    assert "domain" not in public.lower()


def test_strict_security_headers_on_every_page(client):
    """CSP without inline script or style, no framing, HSTS, nosniff, no referrer to other sites."""
    for path in ("/sign-in", "/static/magcore-web.css"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "'unsafe-inline'" not in csp
        assert "script-src 'self'" in csp
        assert "style-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["strict-transport-security"].startswith("max-age=")
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
    page = client.get("/sign-in").text
    assert "<script" not in page
    assert "<style" not in page
    assert " style=" not in page


def test_every_post_needs_the_session_csrf_token(client):
    """A form without the token, with a wrong one, or from another origin changes nothing."""
    sign_in(client, "anna")
    page = client.get("/sharing")
    token = csrf_of(page.text)
    share = {"to": "hanna", "what": "agreements", "purpose": "hr_overview"}
    assert client.post("/sharing", data=share).status_code == 403
    assert client.post("/sharing", data={**share, "csrf_token": "x" * 43}).status_code == 403
    foreign = client.post(
        "/sharing", data={**share, "csrf_token": token}, headers={"origin": "https://evil.example"}
    )
    assert foreign.status_code == 403
    assert "hanna" not in client.get("/sharing").text.split("<h2>")[0]
    ok = client.post("/sharing", data={**share, "csrf_token": token}, follow_redirects=False)
    assert ok.status_code == 303
    assert client.post("/sign-out", data={}).status_code == 403


def test_sign_in_is_rate_limited_per_address(store_url, oidc, make_client):
    """After the limit, starting a sign-in answers 429 with Retry-After."""
    from magcore_web import create_app

    from tests.web.conftest import web_config

    app = create_app(web_config(store_url, oidc.issuer, signin_limit=3, signin_window=60))
    from starlette.testclient import TestClient

    with TestClient(app, base_url="http://127.0.0.1") as client:
        token = csrf_of(client.get("/sign-in").text)
        codes = [
            client.post("/sign-in", data={"csrf_token": token}, follow_redirects=False).status_code
            for _ in range(4)
        ]
    assert codes == [303, 303, 303, 429]


def test_a_person_without_the_id_claim_is_refused(client):
    """Signing in at the provider is not enough: the person needs a magcore id."""
    done = sign_in(client, "gast")
    assert done.status_code == 403
    assert client.get("/sharing", follow_redirects=False).status_code == 303


def test_roles_come_from_groups(client, make_client):
    """The HR adviser's group opens the HR page; an employee gets a 404 there."""
    sign_in(client, "hanna")
    assert client.get("/hr").status_code == 200
    other = make_client()
    sign_in(other, "anna")
    assert other.get("/hr").status_code == 404


def test_the_callback_refuses_a_foreign_state(client, make_client):
    """A code meant for another browser's sign-in does not sign this one in."""
    victim = make_client()
    page = victim.get("/sign-in")
    start = victim.post("/sign-in", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    back = urlsplit(provider_login(start.headers["location"], "anna"))
    client.get("/sign-in")
    stolen = client.get(f"{back.path}?{back.query}", follow_redirects=False)
    assert stolen.headers["location"].startswith("/sign-in?failed=1")
    assert client.get("/sharing", follow_redirects=False).status_code == 303


def test_the_session_cookie_does_not_open_the_api(client):
    """The API takes bearer tokens only: a signed-in browser's cookie is no key to it (its
    POSTs carry no CSRF token)."""
    sign_in(client, "anna")
    assert client.get("/conversations").status_code == 200
    answer = client.get("/api/v1/conversations")
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_sign_in_across_two_workers_with_a_shared_session_store(store_url, oidc, tmp_path):
    """Start the sign-in on one worker, come back on another, go on on the first."""
    from magcore_web import create_app
    from starlette.testclient import TestClient

    from tests.web.conftest import web_config

    shared = str(tmp_path / "sessions.db")
    apps = [create_app(web_config(store_url, oidc.issuer, session_store=shared)) for _ in "ab"]
    with (
        TestClient(apps[0], base_url="http://127.0.0.1") as one,
        TestClient(apps[1], base_url="http://127.0.0.1") as two,
    ):
        page = one.get("/sign-in")
        start = one.post(
            "/sign-in", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False
        )
        back = urlsplit(provider_login(start.headers["location"], "anna"))
        two.cookies.update(one.cookies)
        done = two.get(f"{back.path}?{back.query}", follow_redirects=False)
        assert done.status_code == 303
        one.cookies.clear()
        one.cookies.update(two.cookies)
        assert one.get("/sharing").status_code == 200
        assert "anna" in one.get("/sharing").text


def test_someone_who_left_is_signed_out_and_cannot_sign_in_again(store_url, make_client):
    """The provider still signs Carla in after she left; the app does not: her open session
    ends at its next request, and a new sign-in is refused (the session once lasted eight
    hours whatever the organisation said)."""
    from datetime import date, timedelta

    import attrs

    from magcore import open_service
    from tests.web.seed import ORG, organisation

    carla = make_client()
    assert sign_in(carla, "carla").status_code == 303
    assert carla.get("/conversations").status_code == 200
    org = organisation()
    yesterday = date.today() - timedelta(days=1)  # past in the installation's zone too
    left = attrs.evolve(org.people["carla"], left_on=yesterday)
    service = open_service(store_url, organisation=ORG)
    try:
        service.import_organisation(
            attrs.evolve(org, people={**org.people, "carla": left}), actor="hr"
        )
    finally:
        service.close()
    gone = carla.get("/conversations", follow_redirects=False)
    assert gone.status_code == 303
    assert gone.headers["location"].startswith("/sign-in")
    assert sign_in(carla, "carla").status_code == 403
    assert carla.get("/sharing", follow_redirects=False).status_code == 303
