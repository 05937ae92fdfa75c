"""magcore-postgres passes magcore's store conformance suite against a real PostgreSQL server."""

from __future__ import annotations

import psycopg
import pytest
from magcore_postgres import SCHEMA_VERSION, PostgresStore
from magcore_postgres.store import redact

from magcore.errors import StorageError
from magcore.storage import StoreSettings
from magcore.testing.storage import StoreContract

pytestmark = pytest.mark.postgres


class TestPostgresStore(StoreContract):
    """Every contract test against PostgreSQL."""

    @pytest.fixture
    def store(self, schema_url):
        store = PostgresStore.open(schema_url)
        yield store
        store.close()

    @pytest.fixture
    def reopen(self, schema_url):
        opened = []

        def reopen():
            opened.append(PostgresStore.open(schema_url))
            return opened[-1]

        yield reopen
        for store in opened:
            store.close()

    @pytest.fixture
    def tamper_audit(self, schema_url):
        def tamper(store, seq):
            with psycopg.connect(schema_url, autocommit=True) as conn:
                conn.execute("UPDATE magcore_audit SET result = 'denied' WHERE seq = %s", (seq,))

        return tamper

    @pytest.fixture
    def truncate_audit(self, schema_url):
        def truncate(store, keep):
            with psycopg.connect(schema_url, autocommit=True) as conn:
                conn.execute("DELETE FROM magcore_audit WHERE seq > %s", (keep,))

        return truncate


def test_newer_schema_is_refused_and_left_alone(schema_url):
    """A database migrated by a newer magcore is refused; its tables are not touched."""
    PostgresStore.open(schema_url).close()
    with psycopg.connect(schema_url, autocommit=True) as conn:
        conn.execute("UPDATE magcore_schema SET version = %s", (SCHEMA_VERSION + 1,))
        before = conn.execute("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'magcore%%'")
        tables = before.fetchone()
    with pytest.raises(StorageError, match="newer magcore"):
        PostgresStore.open(schema_url)
    with pytest.raises(StorageError, match="newer magcore"):
        PostgresStore.open(schema_url, StoreSettings(create=False))
    with psycopg.connect(schema_url, autocommit=True) as conn:
        version = conn.execute("SELECT version FROM magcore_schema").fetchone()
        after = conn.execute("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'magcore%%'")
        assert (version, after.fetchone()) == ((SCHEMA_VERSION + 1,), tables)


def test_create_false_refuses_an_empty_database(schema_url):
    """Without create, an unmigrated database is an error and no table is made."""
    with pytest.raises(StorageError, match="migrate"):
        PostgresStore.open(schema_url, StoreSettings(create=False))
    with psycopg.connect(schema_url) as conn:
        assert conn.execute("SELECT to_regclass('magcore_schema')").fetchone() == (None,)


@pytest.mark.parametrize(
    "url", ["sqlite:///x.db", "postgresql://magcore@127.0.0.1:1/none", "postgresql://a b c"]
)
def test_wrong_url_is_a_clear_storage_error(url):
    """Another scheme, an unreachable server or a malformed URL give a StorageError."""
    with pytest.raises(StorageError, match=r"postgresql://|connect|malformed"):
        PostgresStore.open(url, StoreSettings(timeout=2))


def test_password_never_appears_in_errors():
    """The password of the URL is hidden in messages."""
    url = "postgresql://magcore:s3cret@127.0.0.1:1/none"
    assert "s3cret" not in redact(url)
    with pytest.raises(StorageError) as caught:
        PostgresStore.open(url, StoreSettings(timeout=2))
    assert "s3cret" not in str(caught.value)


def test_plugin_answers_only_postgresql_urls(schema_url):
    """The hook opens postgresql:// URLs and leaves others to other plugins."""
    from magcore_postgres import plugin

    assert plugin.magcore_open_store("sqlite:///x.db", StoreSettings()) is None
    store = plugin.magcore_open_store(schema_url, StoreSettings())
    try:
        assert isinstance(store, PostgresStore)
    finally:
        store.close()
