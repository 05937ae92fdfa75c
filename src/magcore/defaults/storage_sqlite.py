"""Built-in plugin: ``sqlite:///path.db`` stores, the embedded default."""

from __future__ import annotations

from ..hookspecs import hookimpl
from ..storage.base import Store, StoreSettings
from ..storage.sqlite import SQLiteStore

__all__ = ["magcore_open_store"]


@hookimpl(trylast=True)
def magcore_open_store(url: str, settings: StoreSettings) -> Store | None:
    """Open the SQLite file named by a ``sqlite:`` URL; leave every other scheme alone."""
    if not url.startswith("sqlite:"):
        return None
    return SQLiteStore.open(url, settings)
