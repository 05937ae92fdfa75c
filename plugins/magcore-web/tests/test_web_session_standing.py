"""A page session follows the person's standing now, not the one they had at sign-in.

A session kept the person and the roles of its sign-in for its whole life (eight hours): a
person who had left or was taken out of the organisation went on using the pages, and a role
the identity provider no longer gave (the privacy officer's, which alone opens erasure,
destruction and restriction on the pages; magcore's core does not check it there) went on
working. Now every page request checks the person against the organisation in the store (a
person no longer employed is signed out there and then), re-derives the roles from the
tenant's directory, and trusts the roles of the sign-in for ``roles_fresh_for`` seconds only
(15 minutes unless the ``[web]`` settings say otherwise): after that the person signs in
again and gets the roles the provider gives now.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from magcore_web.config import WebConfigError
from magcore_web.identity import Principal
from magcore_web.signin.sessions import Session
from magcore_web.testing import HOST_A, make_test_app, take_out
from starlette.testclient import TestClient

ORG = "gemeente"


@pytest.fixture
def app() -> Iterator[tuple[Any, Any]]:
    """An app whose tenant gives nobody a functional role: the sign-in's roles alone do."""
    application, services = make_test_app({HOST_A: {}})
    yield application, services[HOST_A]
    services[HOST_A].close()


def _signed_in(application: Any, person: str, *roles: str) -> tuple[TestClient, Session]:
    """A browser signed in as *person* with *roles* from the identity provider's groups."""
    sessions = application.state.sessions
    principal = Principal(person_id=person, roles=frozenset(roles), tenant=HOST_A)
    session = sessions.sign_in(sessions.new(HOST_A), principal)
    client = TestClient(application, base_url=f"http://{HOST_A}")
    client.headers["cookie"] = f"__Host-magcore-session={session.id}"
    return client, session


def _to_sign_in(answer: Any) -> bool:
    return answer.status_code == 303 and answer.headers["location"].startswith("/sign-in")


@pytest.mark.parametrize("leaves", [True, False], ids=["left", "removed"])
def test_a_person_no_longer_in_the_organisation_is_signed_out_at_the_next_request(app, leaves):
    application, service = app
    anna, session = _signed_in(application, "anna")
    assert anna.get("/conversations").status_code == 200
    take_out(service, ORG, "anna", leaves=leaves)
    assert _to_sign_in(anna.get("/conversations", follow_redirects=False))
    assert application.state.sessions.get(session.id, HOST_A) is None  # the session is ended
    assert _to_sign_in(anna.get("/sharing", follow_redirects=False))


def test_the_roles_of_the_sign_in_are_trusted_for_fifteen_minutes(app):
    """The privacy officer's group, taken away at the provider, stops counting once the
    sign-in's roles are 15 minutes old: the person signs in again (and gets the roles the
    provider gives then)."""
    application, _service = app
    piet, session = _signed_in(application, "piet", "privacy_officer")
    assert piet.get("/privacy").status_code == 200
    session.created -= 14 * 60
    assert piet.get("/privacy").status_code == 200
    session.created -= 2 * 60  # sixteen minutes since signing in
    assert _to_sign_in(piet.get("/privacy", follow_redirects=False))
    assert _to_sign_in(piet.get("/conversations", follow_redirects=False))


def test_a_person_without_roles_is_not_asked_to_sign_in_again(app):
    """Only a sign-in that brought roles goes stale: an employee's session lasts as long as
    the session does (its person still checked at every request)."""
    application, _service = app
    anna, session = _signed_in(application, "anna")
    session.created -= 60 * 60
    assert anna.get("/conversations").status_code == 200


def test_roles_are_read_again_from_the_tenants_directory_at_every_request(app):
    """A role the tenant's directory gives counts on the pages as it does in the API, and is
    gone at the next request once the directory no longer gives it."""
    application, service = app
    service.use_organisation(ORG, {"piet": ("privacy_officer",)})
    piet, _session = _signed_in(application, "piet")
    assert piet.get("/privacy").status_code == 200
    service.use_organisation(ORG, {})
    assert piet.get("/privacy").status_code == 404


def test_how_long_roles_are_trusted_is_a_setting():
    application, services = make_test_app({HOST_A: {}}, web={"roles_fresh_for": 60})
    try:
        piet, session = _signed_in(application, "piet", "privacy_officer")
        assert piet.get("/privacy").status_code == 200
        session.created -= 61
        assert _to_sign_in(piet.get("/privacy", follow_redirects=False))
    finally:
        services[HOST_A].close()
    for wrong in (0, -5, "soon", True):
        with pytest.raises(WebConfigError, match="roles_fresh_for"):
            make_test_app({HOST_A: {}}, web={"roles_fresh_for": wrong})


def test_an_external_privacy_officer_the_settings_name_stands_with_their_role():
    """Someone the organisation never held (an external privacy officer) whom the tenant's
    settings name holds that role every day, in the core and so on the pages; someone it never
    held with no role is nobody here and is signed out."""
    application, services = make_test_app({HOST_A: {"extern": ("privacy_officer",)}})
    try:
        assert "extern" not in services[HOST_A].organisation(ORG).people
        officer, _ = _signed_in(application, "extern")
        assert officer.get("/privacy").status_code == 200
        stranger, _ = _signed_in(application, "stranger")
        assert _to_sign_in(stranger.get("/conversations", follow_redirects=False))
    finally:
        services[HOST_A].close()
