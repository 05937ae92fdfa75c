"""magcore's HTTP API and web front end: an ASGI app serving one or more municipalities.

:func:`create_app` makes the app from a :class:`WebConfig`; ``magcore serve`` runs it with
uvicorn. Each municipality (tenant) is chosen by host name and has its own store, plugins and
keys. Who asks is a :class:`Principal`, given by an identity provider (see
:mod:`magcore_web.identity`).
"""

from __future__ import annotations

from .app import create_app
from .config import API_VERSION, OidcSettings, TenantConfig, WebConfig, WebConfigError
from .identity import Principal

__version__ = "0.1.0"

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
