"""A half-present schema is refused with the tables named, and nothing is created on top of it;
a read-only store refuses writes; the table list for copies comes from the catalogue."""

from __future__ import annotations

import psycopg
import pytest
from magcore_postgres import PostgresStore

from magcore.errors import StorageError
from magcore.storage import StoreSettings, StreamWrite
from magcore.testing.storage import event

pytestmark = pytest.mark.postgres


def _tables(url):
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
        ).fetchall()
    return [r[0] for r in rows]


@pytest.mark.parametrize("create", [True, False])
def test_a_dropped_table_is_refused_naming_it(schema_url, create):
    """A store whose agreements table was dropped is refused, with or without create."""
    PostgresStore.open(schema_url).close()
    with psycopg.connect(schema_url, autocommit=True) as conn:
        conn.execute("DROP TABLE magcore_agreements")
    before = _tables(schema_url)
    with pytest.raises(StorageError, match=r"half-present .* magcore_agreements"):
        PostgresStore.open(schema_url, StoreSettings(create=create))
    assert _tables(schema_url) == before


def test_tables_without_a_schema_version_are_refused_and_left_alone(schema_url):
    """magcore_ tables without magcore_schema: refused, and no schema is created beside them."""
    with psycopg.connect(schema_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE magcore_events (position bigint)")
    with pytest.raises(StorageError, match="no schema version"):
        PostgresStore.open(schema_url)
    assert _tables(schema_url) == ["magcore_events"]


def test_read_only_refuses_writes(schema_url):
    """StoreSettings(read_only=True): reads work, a write is a StorageError, nothing written."""
    PostgresStore.open(schema_url).close()
    reader = PostgresStore.open(schema_url, StoreSettings(read_only=True))
    try:
        assert reader.version("goal:g-1") == 0
        with pytest.raises(StorageError, match="read-only"):
            reader.append([StreamWrite("goal:g-1", 0, [event("goal:g-1", 1)])])
        assert reader.version("goal:g-1") == 0
    finally:
        reader.close()


def test_kept_tables_come_from_the_catalogue(schema_url):
    """Derived tables (stream versions, schema version) are not listed; a new table is."""
    store = PostgresStore.open(schema_url)
    try:
        kept = store.tables()
        assert "events" in kept
        assert "audit_head" in kept
        assert "streams" not in kept
        assert "schema" not in kept
        with psycopg.connect(schema_url, autocommit=True) as conn:
            conn.execute("CREATE TABLE magcore_person_keys (person text PRIMARY KEY, key bytea)")
        assert store.tables()["person_keys"] == ("person", "key")
    finally:
        store.close()
