"""The magcore plugin: opens a PostgresStore for ``postgresql://`` and ``postgres://`` URLs."""

from __future__ import annotations

from magcore.hookspecs import hookimpl
from magcore.storage.base import Store, StoreSettings

__all__ = ["magcore_open_store"]

SCHEMES = ("postgresql://", "postgres://")


@hookimpl
def magcore_open_store(url: str, settings: StoreSettings) -> Store | None:
    """Open a PostgreSQL store for a PostgreSQL URL; ``None`` for every other scheme."""
    if not url.startswith(SCHEMES):
        return None
    from .store import PostgresStore

    return PostgresStore.open(url, settings)
