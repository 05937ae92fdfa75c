"""Fixtures of the web front end's tests: the local OpenID provider (one per session), a
seeded store, and an app signed in through the provider."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.tools import require
from tests.web.seed import ORG, ROLE_GROUPS, ROLES, seed
from tests.web.support import CLIENT_ID, CLIENT_SECRET, LocalProvider, missing_provider


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def live_port() -> int:
    """The loopback port the browser tests' server listens on (known to the provider)."""
    return _free_port()


@pytest.fixture(scope="session")
def oidc(live_port: int) -> Iterator[LocalProvider]:
    """The test OpenID provider, started once for the session."""
    pytest.importorskip("authlib")
    require(missing_provider())
    provider = LocalProvider(
        [
            "http://127.0.0.1/sign-in/callback",
            "https://testserver/sign-in/callback",
            f"http://127.0.0.1:{live_port}/sign-in/callback",
        ]
    )
    yield provider
    provider.stop()


def web_config(store: str, issuer: str, **extra: Any) -> Any:
    from magcore_web import OidcSettings, TenantConfig, WebConfig

    return WebConfig(
        tenants={"*": TenantConfig(store=store, organisation=ORG, roles=ROLES)},
        session_secret="s" * 40,
        oidc=OidcSettings(
            issuer=issuer,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            person_claim="employee_id",
            role_groups=ROLE_GROUPS,
        ),
        extra=extra,
    )


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'magcore.db'}"
    seed(url)
    return url


@pytest.fixture
def app(store_url: str, oidc: LocalProvider) -> Iterator[Any]:
    from magcore_web import create_app

    application = create_app(web_config(store_url, oidc.issuer))
    yield application
    application.state.tenants.close()


@pytest.fixture
def client(app: Any) -> Iterator[Any]:
    """A browser-like client on loopback HTTP (so the session cookie is not ``Secure``)."""
    from starlette.testclient import TestClient

    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client


@pytest.fixture
def make_client(app: Any) -> Iterator[Any]:
    """More clients on the same app (one per person)."""
    from starlette.testclient import TestClient

    made: list[Any] = []

    def make(base_url: str = "http://127.0.0.1") -> Any:
        test_client = TestClient(app, base_url=base_url)
        made.append(test_client)
        return test_client

    yield make
    for test_client in made:
        test_client.close()
