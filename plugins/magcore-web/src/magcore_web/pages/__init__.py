"""The web front end: server-rendered pages for employees, managers, HR advisers, privacy
officers and the works council, with OpenID Connect sign-in.

:func:`install` is the extension :func:`magcore_web.app.create_app` calls: it adds the
session store and the page sign-in as an identity provider (asked before bearer tokens), the
sign-in routes (when ``oidc`` is configured), the pages, the stylesheet, and the strict
security headers on every response.

Settings under ``[web]`` (``WebConfig.extra``): ``session_idle`` and ``session_lifetime``
(seconds, default 1800 and 28800), ``roles_fresh_for`` (seconds the roles a sign-in gave are
trusted, default 900: then the person signs in again; see
:class:`~magcore_web.signin.sessions.SessionIdentity`), ``session_store`` (an SQLite file
shared by the worker processes; default: in the memory of the one process), ``signin_limit``
and ``signin_window`` (attempts per address, default 10 per 60 seconds).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from starlette.responses import Response
from starlette.routing import Route

from ..config import roles_fresh_for
from ..identity import add_identity_provider
from ..signin.guards import RateLimit, SecurityHeaders
from ..signin.oidc import OidcClient
from ..signin.sessions import SessionIdentity, SessionStore

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request

    from ..config import WebConfig

__all__ = ["STYLESHEET", "install", "stylesheet"]

STYLESHEET = "/static/magcore-web.css"


@functools.cache
def stylesheet() -> bytes:
    """magcore's form stylesheet followed by the pages' own."""
    from importlib.resources import files

    core = files("magcore").joinpath("templates/form.css").read_text(encoding="utf-8")
    own = files("magcore_web").joinpath("static/magcore-web.css").read_text(encoding="utf-8")
    return (core + "\n" + own).encode("utf-8")


async def _stylesheet(request: Request) -> Response:
    return Response(
        stylesheet(),
        media_type="text/css",
        headers={"cache-control": "public, max-age=3600"},
    )


def install(app: Starlette, config: WebConfig) -> None:
    """Add the pages, sign-in and guards to *app* (see the module's docstring)."""
    from . import employee, manager, officers, privacy

    extra = config.extra
    idle = float(extra.get("session_idle", 30 * 60))
    lifetime = float(extra.get("session_lifetime", 8 * 60 * 60))
    if extra.get("session_store"):
        from ..signin.shared import SqliteSessionStore

        app.state.sessions = SqliteSessionStore(
            extra["session_store"], idle=idle, lifetime=lifetime
        )
    else:
        app.state.sessions = SessionStore(idle=idle, lifetime=lifetime)
    app.state.signin_limit = RateLimit(
        int(extra.get("signin_limit", 10)), float(extra.get("signin_window", 60))
    )
    identity = SessionIdentity(app.state.sessions, roles_fresh_for=roles_fresh_for(extra))
    add_identity_provider(app, identity, first=True)
    form_targets: tuple[str, ...] = ()
    routes: list[Route] = [Route(STYLESHEET, _stylesheet, methods=["GET"])]
    if config.oidc is not None:
        from ..signin.routes import routes as signin_routes

        app.state.oidc_client = OidcClient(config.oidc)
        issuer = urlsplit(config.oidc.issuer)
        form_targets = (f"{issuer.scheme}://{issuer.netloc}",)
        routes += signin_routes()
    routes += employee.routes() + manager.routes() + officers.routes() + privacy.routes()
    app.router.routes.extend(routes)
    app.add_middleware(SecurityHeaders, form_targets=form_targets)
