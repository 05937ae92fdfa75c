"""Tampering with a PostgreSQL store's tables is found at the right entry (the tamper contract)."""

from __future__ import annotations

import psycopg
import pytest
from magcore_postgres.store import PostgresStore

from magcore.testing.tamper import Tables, TamperContract

pytestmark = pytest.mark.postgres


class TestPostgresTamper(TamperContract):
    @pytest.fixture
    def store(self, schema_url):
        store = PostgresStore.open(schema_url)
        yield store
        store.close()

    @pytest.fixture
    def tables(self):
        return Tables(
            events="magcore_events",
            audit="magcore_audit",
            head="magcore_audit_head",
            overriding="OVERRIDING SYSTEM VALUE",
        )

    @pytest.fixture
    def sql(self, schema_url):
        def run(statement, params=()):
            with psycopg.connect(schema_url, autocommit=True) as conn:
                cur = conn.execute(statement.replace("?", "%s"), params)
                return cur.fetchall() if cur.description else []

        return run
