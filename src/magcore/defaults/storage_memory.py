"""Built-in plugin: ``memory://`` stores (for tests, demos and simulations)."""

from __future__ import annotations

from ..hookspecs import hookimpl
from ..storage.base import Store, StoreSettings
from ..storage.memory import MemoryStore

__all__ = ["magcore_open_store"]


@hookimpl(trylast=True)
def magcore_open_store(url: str, settings: StoreSettings) -> Store | None:
    """Open a new in-memory store for ``memory://`` URLs; leave every other scheme alone."""
    if not url.startswith("memory:"):
        return None
    return MemoryStore.open(url, settings)
