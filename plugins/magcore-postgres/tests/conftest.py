"""A PostgreSQL server for the plugin's tests, and a fresh schema for every test.

``MAGCORE_TEST_PG_URL`` names a server to use (its user must be allowed to create schemas);
without it, a throwaway server is started from the Debian binaries with magcore's own
``tests/support/postgres.py`` (found next to this plugin in the magcore repository).
"""

from __future__ import annotations

import importlib.util
import itertools
import os
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest

_SUPPORT = Path(__file__).resolve().parents[3] / "tests" / "support" / "postgres.py"
_COUNTER = itertools.count(1)


def _postgres_server():
    spec = importlib.util.spec_from_file_location("_magcore_pg_support", _SUPPORT)
    if spec is None or spec.loader is None or not _SUPPORT.is_file():
        pytest.skip(f"no MAGCORE_TEST_PG_URL and no server helper at {_SUPPORT}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.postgres_server()


@pytest.fixture(scope="session")
def server_url():
    """The URL of a PostgreSQL server for this test session."""
    given = os.environ.get("MAGCORE_TEST_PG_URL")
    if given:
        yield given
        return
    with _postgres_server() as url:
        yield url


def with_search_path(url, schema):
    """*url* with the connection's search_path set to *schema*."""
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture
def schema_url(server_url):
    """A URL whose tables go into a new, empty schema of their own (dropped afterwards)."""
    schema = f"t{os.getpid()}_{next(_COUNTER)}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield with_search_path(server_url, schema)
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")
