"""Storage: the Store protocol and the built-in back ends (``memory://`` and ``sqlite:///``)."""

from __future__ import annotations

from .base import (
    AgreementRow,
    AuditHead,
    AuditRecord,
    ConversationRow,
    ReadModel,
    Store,
    StoreSettings,
    StreamWrite,
)
from .keys import KeyRecord, KeyStore, Rewrap
from .memory import MemoryStore
from .sqlite import SQLiteStore

__all__ = [
    "AgreementRow",
    "AuditHead",
    "AuditRecord",
    "ConversationRow",
    "KeyRecord",
    "KeyStore",
    "MemoryStore",
    "ReadModel",
    "Rewrap",
    "SQLiteStore",
    "Store",
    "StoreSettings",
    "StreamWrite",
]
