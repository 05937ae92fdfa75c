"""The app factory: :func:`create_app` turns a :class:`~magcore_web.config.WebConfig` into an
ASGI application (Starlette).

Every request first meets three small ASGI middlewares: the tenant is resolved from the
``Host`` header (an unknown host is answered with a problem and reaches no store), every
response carries the ``API-Version`` header, and no request body is read beyond
:data:`MAX_BODY_BYTES` (a larger one is answered with 413). Then the parts of the app are
installed by the functions named in :data:`EXTENSIONS`: the HTTP API under ``/api/v1``
(:mod:`magcore_web.api`), and the pages of the web front end where it is installed.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from magcore.model.input_policy import MAX_JSON_BYTES

from .config import WebConfig, roles_fresh_for
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
    "MAX_BODY_BYTES",
    "BodyTooLargeError",
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


MAX_BODY_BYTES = MAX_JSON_BYTES
"""The most bytes of a request body the app reads (1 MiB, the input policy's largest JSON
document): API bodies and the pages' form posts alike."""


class BodyTooLargeError(HTTPException):
    """A request body grew past :data:`MAX_BODY_BYTES` while it was read (413)."""

    def __init__(self) -> None:
        super().__init__(413, f"the request body is larger than {MAX_BODY_BYTES // 1024} KiB")


def _too_large() -> dict[str, Any]:
    from .problems import Problem

    return Problem(
        status=413,
        title="Content too large",
        detail=f"the request body is larger than {MAX_BODY_BYTES // 1024} KiB",
        type="https://magcore.github.io/magcore/problems/too-large",
    ).to_json()


class _BodyLimitMiddleware:
    """Refuse a request body larger than *limit* bytes: by its ``Content-Length`` before any of
    it is read, and, for a body sent without one (chunked), as soon as the bytes read pass
    *limit* (the handler reading it then meets :class:`BodyTooLargeError`)."""

    def __init__(self, app: ASGIApp, version: str, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.version = version
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = HTTPConnection(scope).headers.get("content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                declared = -1
            if declared < 0 or declared > self.limit:
                if declared < 0:
                    body = {**_too_large(), "status": 400, "title": "Invalid input"}
                    body["type"] = "about:blank"  # not too large: malformed
                    body["detail"] = "the Content-Length header is not a number of bytes"
                else:
                    body = _too_large()
                await _send_problem(send, body, self.version)
                return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLargeError
            return message

        await self.app(scope, limited, send)


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
                (b"cache-control", b"no-store"),
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
        fresh = roles_fresh_for(config.extra)
        providers.append(BearerTokens(config.oidc, roles_fresh_for=fresh))
    for provider in providers:
        add_identity_provider(app, provider, first=False)
    for extension in extensions if extensions is not None else EXTENSIONS:
        install = _load(extension) if isinstance(extension, str) else extension
        install(app, config)
    app.add_middleware(_BodyLimitMiddleware, version=config.api_version)
    app.add_middleware(
        _TenantMiddleware, tenants=tenants, version=config.api_version, outer=app, config=config
    )
    app.add_middleware(_VersionMiddleware, version=config.api_version)
    return app
