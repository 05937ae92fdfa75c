"""The sign-in pages: ``GET /sign-in``, ``POST /sign-in``, ``GET /sign-in/callback``,
``POST /sign-out``.

People are matched to magcore ids by the claim ``oidc.person_claim`` (``employee_id``, say);
their roles come from the groups in ``oidc.roles_claim`` through ``oidc.role_groups``. The
result is the same :class:`~magcore_web.identity.Principal` the API's bearer tokens give. A
person the tenant's organisation does not employ today is refused
(:func:`~magcore_web.signin.standing.standing`), as every later page request would.
Starting a sign-in and coming back from the provider are both rate limited per address.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..app import settings_of, tenant_of
from ..identity import Principal
from .guards import CsrfError, RateLimited, check_csrf
from .oidc import OidcClient, SignInFailed
from .sessions import remember_session, session_of, set_cookie
from .standing import standing

if TYPE_CHECKING:
    from starlette.requests import Request

    from ..config import OidcSettings
    from .guards import RateLimit
    from .sessions import Session, SessionStore

__all__ = ["principal_from_claims", "routes", "safe_next"]

log = logging.getLogger("magcore.web.signin")


def principal_from_claims(
    settings: OidcSettings, claims: Mapping[str, Any], tenant: str
) -> Principal | None:
    """The principal the verified *claims* name at *tenant*, or ``None`` without a person id."""
    person = claims.get(settings.person_claim)
    if not isinstance(person, str) or not person.strip():
        return None
    groups = claims.get(settings.roles_claim) or ()
    if isinstance(groups, str):
        groups = (groups,)
    roles = {
        settings.role_groups[g] for g in groups if isinstance(g, str) and g in settings.role_groups
    }
    return Principal(person_id=person.strip(), roles=frozenset(roles), tenant=tenant)


def safe_next(value: str | None) -> str:
    """A local path to go to after sign-in (never another site: ``//evil``, ``https://...``)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return "/"
    return value


def _client_key(request: Request) -> str:
    host = request.client.host if request.client is not None else "unknown"
    return f"{tenant_of(request).name}|{host}"


def _state(request: Request) -> tuple[SessionStore, OidcClient, RateLimit]:
    state = request.app.state
    return state.sessions, state.oidc_client, state.signin_limit


def _ensure_session(request: Request) -> tuple[Session, bool]:
    session = session_of(request)
    if session is not None:
        return session, False
    store: SessionStore = request.app.state.sessions
    session = store.new(tenant_of(request).name)
    remember_session(request, session)
    return session, True


def _max_age(request: Request) -> int:
    store: SessionStore = request.app.state.sessions
    return int(store.idle)


async def sign_in_page(request: Request) -> Response:
    from ..pages.render import page, text

    session, new = _ensure_session(request)
    message = None
    if request.query_params.get("failed") == "1":
        message = text(session.language or "nl", "signin.failed")
    response = page(
        request,
        "pages/sign_in.html.j2",
        title_key="signin.title",
        session=session,
        message=message,
        next_path=safe_next(request.query_params.get("next")),
    )
    if new:
        set_cookie(response, request, session, _max_age(request))
    return response


async def start_sign_in(request: Request) -> Response:
    from ..pages.errors import refused_page

    _, client, limit = _state(request)
    session = session_of(request)
    try:
        form = await check_csrf(request, session)
    except CsrfError:
        return refused_page(request, session, "error.csrf", status=403)
    assert session is not None
    try:
        limit.hit(_client_key(request))
    except RateLimited as exc:
        return refused_page(
            request,
            session,
            "signin.too_many",
            status=429,
            seconds=exc.retry_after,
            headers={"retry-after": str(exc.retry_after)},
        )
    redirect_uri = str(request.url_for("sign_in_callback"))
    try:
        url, pending = await client.begin(redirect_uri, next_path=safe_next(form.get("next")))
    except SignInFailed as exc:
        log.warning("sign-in could not start: %s", exc)
        return refused_page(request, session, "signin.failed", status=502)
    if len(session.pending) >= 5:  # a few tabs at once, not an unbounded list
        session.pending.pop(next(iter(session.pending)))
    session.pending[pending.state] = pending
    request.app.state.sessions.save(session)
    return RedirectResponse(url, status_code=303)


async def sign_in_callback(request: Request) -> Response:
    from ..pages.errors import refused_page

    store, client, limit = _state(request)
    session = session_of(request)
    try:
        limit.hit(_client_key(request))
    except RateLimited as exc:
        return refused_page(
            request,
            session,
            "signin.too_many",
            status=429,
            seconds=exc.retry_after,
            headers={"retry-after": str(exc.retry_after)},
        )
    params = dict(request.query_params)
    pending = session.pending.pop(params.get("state", ""), None) if session is not None else None
    if session is not None:
        store.save(session)
    if session is None or pending is None:
        return RedirectResponse("/sign-in?failed=1", status_code=303)
    try:
        claims = await client.finish(pending, params)
    except SignInFailed as exc:
        log.warning("sign-in refused: %s", exc)
        return RedirectResponse("/sign-in?failed=1", status_code=303)
    settings = settings_of(request).oidc
    assert settings is not None
    tenant = tenant_of(request)
    principal = principal_from_claims(settings, claims, tenant.name)
    if principal is None:
        log.warning("sign-in without the %s claim", settings.person_claim)
        return refused_page(request, session, "signin.unknown", status=403)
    if await run_in_threadpool(tenant.call, lambda service: standing(service, principal)) is None:
        log.warning("sign-in of %s, who is not employed in the organisation", principal.person_id)
        return refused_page(request, session, "signin.unknown", status=403)
    renewed = store.sign_in(session, principal)
    remember_session(request, renewed)
    response = RedirectResponse(pending.next_path, status_code=303)
    set_cookie(response, request, renewed, _max_age(request))
    return response


async def sign_out(request: Request) -> Response:
    from ..pages.errors import refused_page
    from ..pages.render import page

    store, _, _ = _state(request)
    session = session_of(request)
    try:
        await check_csrf(request, session)
    except CsrfError:
        return refused_page(request, session, "error.csrf", status=403)
    assert session is not None
    store.end(session)
    fresh = store.new(tenant_of(request).name)
    fresh.language = session.language
    store.save(fresh)
    remember_session(request, fresh)
    response = page(
        request,
        "pages/message.html.j2",
        title_key="signout.done",
        session=fresh,
        message=None,
        alert=False,
    )
    set_cookie(response, request, fresh, _max_age(request))
    return response


def routes() -> list[Route]:
    """The sign-in routes."""
    return [
        Route("/sign-in", sign_in_page, methods=["GET"], name="sign_in"),
        Route("/sign-in", start_sign_in, methods=["POST"], name="sign_in_start"),
        Route("/sign-in/callback", sign_in_callback, methods=["GET"], name="sign_in_callback"),
        Route("/sign-out", sign_out, methods=["POST"], name="sign_out"),
    ]
