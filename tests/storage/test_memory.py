"""The memory store passes the store conformance suite."""

from __future__ import annotations

import pytest

from magcore.errors import StorageError
from magcore.storage.memory import MemoryStore
from magcore.testing.storage import StoreContract


class TestMemoryStore(StoreContract):
    """Every contract test against ``memory://``."""

    @pytest.fixture
    def store(self):
        store = MemoryStore()
        yield store
        store.close()

    @pytest.fixture
    def tamper_audit(self):
        def tamper(store, seq):
            store._audit[seq - 1]["object"] = "conversation:someone-else/record"

        return tamper

    @pytest.fixture
    def truncate_audit(self):
        def truncate(store, keep):
            del store._audit[keep:]

        return truncate


def test_wrong_scheme_is_refused():
    """A memory store only opens memory:// URLs."""
    with pytest.raises(StorageError, match="memory://"):
        MemoryStore("sqlite:///x.db")


def test_closed_store_refuses_calls():
    """After close, calls raise StorageError instead of working on stale state."""
    store = MemoryStore()
    store.close()
    with pytest.raises(StorageError, match="closed"):
        store.version("goal:g-1")
