"""Tampering with an SQLite store's tables is found at the right entry (the tamper contract)."""

from __future__ import annotations

import sqlite3

import pytest

from magcore.storage.sqlite import SQLiteStore
from magcore.testing.tamper import TamperContract


class TestSQLiteTamper(TamperContract):
    @pytest.fixture
    def db_path(self, tmp_path):
        return tmp_path / "tamper.db"

    @pytest.fixture
    def store(self, db_path):
        store = SQLiteStore.open(f"sqlite:///{db_path}")
        yield store
        store.close()

    @pytest.fixture
    def sql(self, db_path):
        def run(statement, params=()):
            conn = sqlite3.connect(db_path)
            try:
                with conn:
                    return conn.execute(statement, params).fetchall()
            finally:
                conn.close()

        return run


def test_a_deleted_audit_head_is_a_named_error(tmp_path):
    """No head row: verify and every audited write say so, naming the table (no TypeError)."""
    from magcore.access.audit import verify_store
    from magcore.errors import StorageError
    from magcore.testing.driver import audit_record

    path = tmp_path / "headless.db"
    store = SQLiteStore.open(f"sqlite:///{path}")
    store.append_audit([audit_record(1)])
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DELETE FROM audit_head")
    conn.close()
    with pytest.raises(StorageError, match="audit_head"):
        verify_store(store)
    with pytest.raises(StorageError, match="audit_head"):
        store.append_audit([audit_record(2)])
    store.close()
