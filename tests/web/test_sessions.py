"""The session store and the sign-in rate limit on their own (no provider, no browser)."""

from __future__ import annotations

import pytest
from magcore_web.identity import Principal
from magcore_web.signin.guards import RateLimit, RateLimited, content_security_policy
from magcore_web.signin.routes import principal_from_claims, safe_next
from magcore_web.signin.sessions import SessionStore


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


ANNA = Principal(person_id="anna", roles=frozenset(), tenant="t")


def test_a_session_ends_after_idle_time():
    clock = Clock()
    store = SessionStore(idle=60, lifetime=3600, now=clock)
    session = store.new("t")
    clock.now += 59
    assert store.get(session.id, "t") is session
    clock.now += 59  # touched at +59, so still alive at +118
    assert store.get(session.id, "t") is session
    clock.now += 61
    assert store.get(session.id, "t") is None


def test_a_session_ends_after_its_lifetime_however_busy():
    clock = Clock()
    store = SessionStore(idle=60, lifetime=300, now=clock)
    session = store.new("t")
    for _ in range(10):  # a request every 30 seconds keeps it from idling out
        clock.now += 30
        assert store.get(session.id, "t") is session
    clock.now += 30  # 330 seconds after it began
    assert store.get(session.id, "t") is None


def test_signing_in_rotates_the_id_and_the_csrf_token():
    store = SessionStore()
    before = store.new("t")
    after = store.sign_in(before, ANNA)
    assert after.id != before.id
    assert after.csrf != before.csrf
    assert store.get(before.id, "t") is None
    assert store.get(after.id, "t").principal == ANNA


def test_a_session_belongs_to_one_tenant():
    store = SessionStore()
    session = store.sign_in(store.new("a"), ANNA)
    assert store.get(session.id, "b") is None
    assert store.get(session.id, "a") is session


def test_the_store_stays_bounded():
    clock = Clock()
    store = SessionStore(max_sessions=5, now=clock)
    for _ in range(20):
        clock.now += 1
        store.new("t")
    assert len(store) <= 5


def test_rate_limit_slides():
    clock = Clock()
    limit = RateLimit(2, 10, now=clock)
    limit.hit("x")
    limit.hit("x")
    with pytest.raises(RateLimited) as refused:
        limit.hit("x")
    assert refused.value.retry_after == 10  # the first attempt leaves the window in 10 s
    limit.hit("y")  # another address is not affected
    clock.now += 3.5
    with pytest.raises(RateLimited) as refused:
        limit.hit("x")
    assert refused.value.retry_after == 7  # 6.5 s left, rounded up
    clock.now += 6.5
    limit.hit("x")  # the first attempt has left the window


def test_groups_map_to_roles_and_the_claim_names_the_person():
    from magcore_web import OidcSettings

    settings = OidcSettings(
        issuer="https://idp",
        client_id="c",
        person_claim="employee_id",
        role_groups={"hr": "hr_adviser"},
    )
    found = principal_from_claims(settings, {"employee_id": "anna", "groups": ["hr", "x"]}, "t")
    assert found == Principal(person_id="anna", roles=frozenset({"hr_adviser"}), tenant="t")
    assert principal_from_claims(settings, {"sub": "anna"}, "t") is None


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example/", "\\\\evil", "x"])
def test_after_sign_in_only_local_paths(target):
    assert safe_next(target) == "/"
    assert safe_next("/sharing?lang=en") == "/sharing?lang=en"


def test_the_policy_allows_forms_to_the_provider_only():
    policy = content_security_policy(("https://idp.example",))
    assert "form-action 'self' https://idp.example" in policy
    assert "unsafe" not in policy


def test_workers_share_sessions_through_the_sqlite_store(tmp_path):
    """Two processes' stores on one file: a session made by one is found by the other, its
    sign-in under way and language too; signing in and out are seen by both."""
    from magcore_web.signin.oidc import PendingSignIn
    from magcore_web.signin.shared import SqliteSessionStore

    clock = Clock()
    one = SqliteSessionStore(tmp_path / "s.db", idle=60, lifetime=3600, now=clock)
    two = SqliteSessionStore(tmp_path / "s.db", idle=60, lifetime=3600, now=clock)
    session = one.new("t")
    session.pending["st"] = PendingSignIn(
        state="st", nonce="n", code_verifier="v", redirect_uri="http://x/cb", started=1.0
    )
    session.language = "en"
    one.save(session)
    seen = two.get(session.id, "t")
    assert seen is not None
    assert seen.pending["st"].code_verifier == "v"
    assert seen.language == "en"
    assert seen.csrf == session.csrf
    renewed = two.sign_in(seen, ANNA)
    assert one.get(session.id, "t") is None
    assert one.get(renewed.id, "t").principal == ANNA
    assert one.get(renewed.id, "other") is None
    clock.now += 61
    assert two.get(renewed.id, "t") is None
    fresh = one.new("t")
    two.end(fresh)
    assert one.get(fresh.id, "t") is None
