"""The throwaway PostgreSQL server starts, answers queries and goes away."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from tests.support.postgres import postgres_server

pytestmark = pytest.mark.postgres


def test_session_server_answers_select_1(postgresql_url):
    """The session fixture yields a URL that psycopg can connect to."""
    with psycopg.connect(postgresql_url) as conn:
        row = conn.execute("select 1").fetchone()

    assert row == (1,)


def test_server_listens_on_loopback_only(postgresql_url):
    """The URL points at 127.0.0.1 and the server listens on nothing else."""
    assert urlsplit(postgresql_url).hostname == "127.0.0.1"
    with psycopg.connect(postgresql_url) as conn:
        row = conn.execute("show listen_addresses").fetchone()

    assert row == ("127.0.0.1",)


def test_server_is_stopped_and_removed_afterwards():
    """Leaving the context manager stops the server and deletes its directory."""
    with postgres_server() as url, psycopg.connect(url) as conn:
        data_directory = Path(conn.execute("show data_directory").fetchone()[0])
        assert data_directory.is_dir()

    assert not data_directory.parent.exists()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=2)
