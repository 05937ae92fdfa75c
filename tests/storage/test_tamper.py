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
