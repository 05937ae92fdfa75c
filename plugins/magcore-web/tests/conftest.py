"""Fixtures: an app serving two municipalities in memory, and a client per host."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from magcore_web.testing import HOST_A as A
from magcore_web.testing import HOST_B as B
from magcore_web.testing import make_test_app
from starlette.testclient import TestClient

ROLES = {
    A: {"hanna": ("hr_adviser",), "piet": ("privacy_officer",), "olga": ("works_council",)},
    B: {"hanna": ("hr_adviser",)},
}


class Client:
    """A test client for one host that signs every request in as *person*."""

    def __init__(self, client: TestClient, host: str) -> None:
        self.client = client
        self.host = host

    def as_(self, person: str | None) -> dict[str, str]:
        return {"authorization": f"Bearer {person}@{self.host}"} if person else {}

    def get(self, path: str, person: str | None = None, **kw: Any) -> Any:
        return self.client.get(path, headers={**self.as_(person), **kw.pop("headers", {})}, **kw)

    def post(self, path: str, person: str | None = None, **kw: Any) -> Any:
        return self.client.post(path, headers={**self.as_(person), **kw.pop("headers", {})}, **kw)

    def put(self, path: str, person: str | None = None, **kw: Any) -> Any:
        return self.client.put(path, headers={**self.as_(person), **kw.pop("headers", {})}, **kw)

    def delete(self, path: str, person: str | None = None, **kw: Any) -> Any:
        return self.client.delete(path, headers={**self.as_(person), **kw.pop("headers", {})}, **kw)


@pytest.fixture
def web() -> Iterator[tuple[Any, dict[str, Any]]]:
    app, services = make_test_app(ROLES)
    yield app, services
    for service in services.values():
        service.close()


@pytest.fixture
def api(web: tuple[Any, dict[str, Any]]) -> Client:
    """Municipality A."""
    return Client(TestClient(web[0], base_url=f"http://{A}"), A)


@pytest.fixture
def api_b(web: tuple[Any, dict[str, Any]]) -> Client:
    """Municipality B, same deployment."""
    return Client(TestClient(web[0], base_url=f"http://{B}"), B)


@pytest.fixture
def services(web: tuple[Any, dict[str, Any]]) -> dict[str, Any]:
    return web[1]
