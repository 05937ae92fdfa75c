"""pytest fixtures for a throwaway PostgreSQL server.

Use from a conftest with ``pytest_plugins = ["tests.support.pg_fixture"]``, then ask for
``postgresql_url`` in a test marked ``@pytest.mark.postgres``. Each pytest-xdist worker starts
its own server, once per session.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.postgres import postgres_server


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    """Connection URL of a PostgreSQL server private to this test session (worker)."""
    with postgres_server() as url:
        yield url
