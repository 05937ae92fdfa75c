"""An API call follows the person's standing now, not the one they had when their bearer
token was issued.

A bearer token is valid until it expires (an hour, a day: the identity provider decides). Before,
the person it named kept using the API for that long after leaving the organisation or being
taken out of it, with the roles the token named. Now every API call asks the core where the
person stands (``Service.standing``), as the pages do for a session: someone no longer in the
organisation is refused with 401, and the roles the tenant's directory gives today count beside
the token's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from magcore_web.testing import HOST_A, make_test_app, take_out
from starlette.testclient import TestClient

ORG = "gemeente"


@pytest.fixture
def web() -> Iterator[tuple[TestClient, Any]]:
    application, services = make_test_app({HOST_A: {}})
    yield TestClient(application, base_url=f"http://{HOST_A}"), services[HOST_A]
    services[HOST_A].close()


def _get(client: TestClient, path: str, person: str) -> Any:
    return client.get(path, headers={"authorization": f"Bearer {person}@{HOST_A}"})


@pytest.mark.parametrize("leaves", [True, False], ids=["left", "removed"])
def test_a_token_of_someone_no_longer_in_the_organisation_is_refused(web, leaves):
    client, service = web
    assert _get(client, "/api/v1/conversations", "anna").status_code == 200
    take_out(service, ORG, "anna", leaves=leaves)
    refused = _get(client, "/api/v1/conversations", "anna")
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    assert _get(client, "/api/v1/conversations", "bram").status_code == 200  # others go on


def test_a_role_the_directory_gives_today_counts_and_stops_counting(web):
    """Piet's token names no role; the tenant's directory makes him privacy officer, then no
    longer: the officer's list opens, then answers as it does for anyone else."""
    client, service = web
    before = _get(client, "/api/v1/destruction-due", "piet").status_code
    assert before != 200
    service.use_organisation(ORG, {"piet": ("privacy_officer",)})
    assert _get(client, "/api/v1/destruction-due", "piet").status_code == 200
    service.use_organisation(ORG, {})
    assert _get(client, "/api/v1/destruction-due", "piet").status_code == before


def test_a_valid_token_of_someone_the_organisation_never_held_is_refused():
    """A token the provider signed for someone the organisation never held, and whom the
    settings give no role, signs nobody in; with a role from the settings (an external privacy
    officer) the same kind of token stands."""
    from magcore_web.identity import Principal, StaticTokens, add_identity_provider

    application, services = make_test_app({HOST_A: {"extern": ("privacy_officer",)}})
    service = services[HOST_A]
    try:
        strangers = {
            f"{person}-token": Principal(person_id=person, tenant=HOST_A)
            for person in ("ghost", "extern")
        }
        add_identity_provider(application, StaticTokens(strangers))
        client = TestClient(application, base_url=f"http://{HOST_A}")
        people = service.organisation(ORG).people
        assert "ghost" not in people
        assert "extern" not in people
        ghost = client.get("/api/v1/conversations", headers={"authorization": "Bearer ghost-token"})
        assert ghost.status_code == 401
        extern = client.get(
            "/api/v1/destruction-due", headers={"authorization": "Bearer extern-token"}
        )
        assert extern.status_code == 200
    finally:
        service.close()
