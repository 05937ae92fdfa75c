"""The conformance suite every store runs: the built-in ones, the PostgreSQL plugin, a vendor's.

Subclass :class:`StoreContract` and provide a ``store`` fixture (a fresh, empty, migrated store);
every test below then runs against it::

    class TestAcmeStore(StoreContract):
        @pytest.fixture
        def store(self, acme_server):
            store = AcmeStore.from_url(acme_server.url)
            yield store
            store.close()

Optionally override ``reopen`` (a second handle on the same database, for persistence tests),
``tamper_audit`` and ``truncate_audit`` (change the stored audit log behind the store's back,
to show that :func:`magcore.access.audit.verify` notices). Conversations are driven through the
real aggregate (:func:`magcore.domain.conversation.decide` /
:func:`~magcore.domain.conversation.apply`), so the read models are checked against what the
aggregate itself says.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from ..domain.conversation import stream_of
from ..storage.base import Store, StreamWrite
from .driver import CONTRACT_CYCLE, ConversationDriver, _agreement, audit_record, event
from .driver import T0 as T0  # importable from here, as before the split
from .keys import KeyStoreContract
from .store_audit import AuditContract
from .store_ballots import BallotContract
from .store_destruction import DestructionContract
from .store_read_models import ReadModelContract
from .store_streams import StreamContract

__all__ = ["CONTRACT_CYCLE", "ConversationDriver", "StoreContract", "audit_record", "event"]


class StoreContract(
    StreamContract,
    ReadModelContract,
    DestructionContract,
    AuditContract,
    KeyStoreContract,
    BallotContract,
):
    """Behaviour every :class:`~magcore.storage.base.Store` must have. Subclass it (see above).

    It includes the parts in :mod:`~magcore.testing.store_streams`,
    :mod:`~magcore.testing.store_read_models`, :mod:`~magcore.testing.store_destruction`,
    :mod:`~magcore.testing.store_audit`, :mod:`~magcore.testing.store_ballots` and the key-table
    tests of
    :class:`~magcore.testing.keys.KeyStoreContract`.
    """

    # -- fixtures a subclass provides or may override --------------------------------------

    @pytest.fixture
    def store(self) -> Store:
        """A fresh, empty, migrated store. Every subclass must override this fixture."""
        raise NotImplementedError("a StoreContract subclass must provide a `store` fixture")

    @pytest.fixture
    def reopen(self, store: Store) -> Callable[[], Store]:
        """Open another handle on the same database (default: the same object, for memory)."""
        return lambda: store

    @pytest.fixture
    def tamper_audit(self) -> Callable[[Store, int], None]:
        """Change the stored audit entry *seq* behind the store's back (skips if unsupported)."""

        def tamper(store: Store, seq: int) -> None:
            pytest.skip("this store's contract subclass cannot tamper with its audit log")

        return tamper

    @pytest.fixture
    def truncate_audit(self) -> Callable[[Store, int], None]:
        """Delete the stored audit entries after *seq*, leaving the head (skips if unsupported)."""

        def truncate(store: Store, keep: int) -> None:
            pytest.skip("this store's contract subclass cannot truncate its audit log")

        return truncate

    # -- lifecycle -------------------------------------------------------------------------

    def test_migrate_is_idempotent(self, store: Store) -> None:
        """Migrating an up-to-date store changes neither the version nor the data."""
        store.append([StreamWrite("goal:g-1", 0, [event("goal:g-1", 1)])])
        version = store.schema_version()
        assert version >= 1
        store.migrate()
        store.migrate()
        assert store.schema_version() == version
        assert store.read("goal:g-1") == (event("goal:g-1", 1),)

    def test_everything_survives_reopening(self, store: Store, reopen: Callable[[], Store]) -> None:
        """Events, read models and the audit log are there for another handle."""
        driver = ConversationDriver(store, "c-1", employee="e-1", manager="m-1")
        driver.hold_and_agree(date(2026, 2, 3), [_agreement("a-1")])
        store.append_audit([audit_record(1)])
        other = reopen()
        assert other.read(stream_of("c-1")) == store.read(stream_of("c-1"))
        assert other.conversations() == store.conversations()
        assert [a.agreement for a in other.open_agreements("e-1")] == ["a-1"]
        assert list(other.read_audit()) == list(store.read_audit())
        assert other.audit_head() == store.audit_head()
