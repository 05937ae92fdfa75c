"""magcore's HTTP API and web front end: an ASGI app serving one or more municipalities.

:func:`create_app` makes the app from a :class:`WebConfig`; ``magcore serve`` runs it with
uvicorn. Each municipality (tenant) is chosen by host name and has its own store, plugins and
keys. Who asks is a :class:`Principal`, given by an identity provider (see
:mod:`magcore_web.identity`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import create_app
    from .config import API_VERSION, OidcSettings, TenantConfig, WebConfig, WebConfigError
    from .identity import Principal

__version__ = "0.1.0"

# Loaded on first use: magcore finds the entry point ``magcore_web.plugin`` through this package
# on every command, and the app (Starlette, asyncio) would cost a read command a tenth of its time.
_LAZY = {
    "create_app": "app",
    "API_VERSION": "config",
    "OidcSettings": "config",
    "TenantConfig": "config",
    "WebConfig": "config",
    "WebConfigError": "config",
    "Principal": "identity",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'magcore_web' has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = [
    "API_VERSION",
    "OidcSettings",
    "Principal",
    "TenantConfig",
    "WebConfig",
    "WebConfigError",
    "__version__",
    "create_app",
]
