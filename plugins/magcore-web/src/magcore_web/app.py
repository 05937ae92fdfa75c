"""The app factory: :func:`create_app` turns a :class:`~magcore_web.config.WebConfig` into an
ASGI application (Starlette).

Every request first meets two small ASGI middlewares: the tenant is resolved from the
``Host`` header (an unknown host is answered with a problem and reaches no store), and every
response carries the ``API-Version`` header. Then the parts of the app are installed by the
functions named in :data:`EXTENSIONS`: the HTTP API under ``/api/v1`` (:mod:`magcore_web.api`),
and the pages of the web front end where it is installed.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .config import WebConfig
from .identity import (
    PROVIDERS_KEY,
    BearerTokens,
    IdentityProvider,
    add_identity_provider,
    identity_providers,
)
from .problems import PROBLEM_JSON, problem_for
from .tenants import Tenant, Tenants, UnknownTenantError

if TYPE_CHECKING:
    from magcore.app.service import Service
    from magcore.clock import Clock

    from .config import TenantConfig

__all__ = [
    "EXTENSIONS",
    "Extension",
    "create_app",
    "settings_of",
    "tenant_of",
    "tenants_of",
]

_TENANT = "magcore.tenant"
_CONFIG = "magcore.web_config"

#: An extension installs routes (and middleware, identity providers...) on the app.
Extension = Callable[[Starlette, WebConfig], None]

#: The extensions :func:`create_app` installs, as ``module:function``; the web front end adds
#: its pages here.
EXTENSIONS: tuple[str, ...] = ("magcore_web.api:install", "magcore_web.pages:install")


class _TenantMiddleware:
    """Resolve the tenant of every HTTP request from its ``Host`` header, before anything."""

    def __init__(
        self, app: ASGIApp, tenants: Tenants, version: str, outer: Starlette, config: WebConfig
    ) -> None:
        self.app = app
        self.tenants = tenants
        self.version = version
        self.providers = identity_providers(outer)
        self.config = config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        host = HTTPConnection(scope).headers.get("host")
        try:
            scope[_TENANT] = self.tenants.resolve(host)
        except UnknownTenantError as exc:
            await _send_problem(send, problem_for(exc).to_json(), self.version)
            return
        scope[PROVIDERS_KEY] = self.providers
        scope[_CONFIG] = self.config
        await self.app(scope, receive, send)


class _VersionMiddleware:
    """Add ``API-Version`` to every response (API Design Rules, /core/version-header)."""

    def __init__(self, app: ASGIApp, version: str) -> None:
        self.app = app
        self.header = (b"api-version", version.encode("ascii"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_version(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"api-version"]
                message["headers"] = [*headers, self.header]
            await send(message)

        await self.app(scope, receive, send_with_version)


async def _send_problem(send: Send, body: dict[str, Any], version: str) -> None:
    import json

    data = json.dumps(body).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": body["status"],
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(data)).encode()),
                (b"api-version", version.encode("ascii")),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})


def tenant_of(request: HTTPConnection) -> Tenant:
    """The tenant that serves *request* (resolved from its host before any route ran)."""
    tenant: Tenant = request.scope[_TENANT]
    return tenant


def tenants_of(app: Starlette) -> Tenants:
    """Every tenant of *app*."""
    tenants: Tenants = app.state.tenants
    return tenants


def settings_of(request: HTTPConnection) -> WebConfig:
    """The settings the app was made with."""
    config: WebConfig = request.scope[_CONFIG]
    return config


def _load(name: str) -> Extension:
    module, _, attribute = name.partition(":")
    function: Extension = getattr(importlib.import_module(module), attribute)
    return function


def create_app(
    config: WebConfig,
    *,
    extensions: Sequence[str | Extension] | None = None,
    identity: Iterable[IdentityProvider] = (),
    open_service: Callable[[str, TenantConfig], Service] | None = None,
    clock: Clock | None = None,
    debug: bool = False,
) -> Starlette:
    """The ASGI app serving every tenant in *config*.

    *extensions* (default :data:`EXTENSIONS`) install the parts; *identity* adds sign-in
    methods before the configured ones (``config.identity``, then bearer tokens of
    ``config.oidc`` when it has keys); *open_service* and *clock* replace how a tenant's
    service is opened (tests, embedding code).
    """
    tenants = Tenants(config, open_service=open_service, clock=clock)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        tenants.close()

    app = Starlette(debug=debug, lifespan=lifespan)
    app.state.config = config
    app.state.tenants = tenants
    providers: list[IdentityProvider] = list(identity)
    configured = config.identity
    if configured is not None:
        providers.extend(configured if isinstance(configured, list | tuple) else [configured])
    if config.oidc is not None and config.oidc.jwks is not None:
        providers.append(BearerTokens(config.oidc))
    for provider in providers:
        add_identity_provider(app, provider, first=False)
    for extension in extensions if extensions is not None else EXTENSIONS:
        install = _load(extension) if isinstance(extension, str) else extension
        install(app, config)
    app.add_middleware(
        _TenantMiddleware, tenants=tenants, version=config.api_version, outer=app, config=config
    )
    app.add_middleware(_VersionMiddleware, version=config.api_version)
    return app
