"""Server-side sessions for the pages: an opaque id in a cookie, everything else on the server.

The cookie holds only a random id (256 bits); who is signed in, the CSRF token and the sign-in
under way stay in the :class:`SessionStore`. A session ends after *idle* seconds without a
request and after *lifetime* seconds in all; signing in gives the session a new id (the old one
stops working at once), so an id seen before sign-in is worthless after it.

The cookie is ``HttpOnly``, ``SameSite=Lax`` (the provider's redirect back must carry it),
``Path=/`` and ``Secure``, with the ``__Host-`` prefix so no other host can set it. Only a
plain-HTTP request to a loopback address (a test or a trial on one's own machine) gets a cookie
without ``Secure``, under a name without the prefix.

The store is in memory, one per app: with several worker processes, run them behind a proxy
that keeps a person on one worker, or give the app a shared store with the same methods.

A session holds who signed in and the roles their sign-in gave, but the pages do not take
that on trust for the session's life: :class:`SessionIdentity` checks the person against the
organisation in the store at every request (:func:`~magcore_web.signin.standing.standing`; a
person no longer employed is signed out there and then), adds the roles the tenant's directory
gives them that day, and trusts the roles of the sign-in (the identity provider's groups) for
*roles_fresh_for* seconds only (:data:`ROLES_FRESH_FOR` unless ``[web] roles_fresh_for``
says otherwise): after that the person signs in again, and gets the roles the provider gives
then. A sign-in that brought no roles does not go stale.
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import attrs

from ..config import ROLES_FRESH_FOR
from ..identity import Principal

if TYPE_CHECKING:
    from starlette.requests import HTTPConnection
    from starlette.responses import Response

    from ..tenants import Tenant
    from .oidc import PendingSignIn

__all__ = [
    "COOKIE",
    "LOOPBACK_COOKIE",
    "ROLES_FRESH_FOR",
    "Session",
    "SessionIdentity",
    "SessionStore",
    "clear_cookie",
    "cookie_name",
    "is_loopback_http",
    "remember_session",
    "session_of",
    "set_cookie",
    "signed_in",
    "under_api",
]

log = logging.getLogger("magcore.web.signin")

COOKIE = "__Host-magcore-session"
LOOPBACK_COOKIE = "magcore-session"


@attrs.define(kw_only=True)
class Session:
    """One browser's session at one tenant (mutable, kept only in the store)."""

    id: str = attrs.field(repr=False)
    tenant: str
    csrf: str = attrs.field(repr=False)
    created: float
    seen: float
    principal: Principal | None = None
    pending: dict[str, PendingSignIn] = attrs.field(factory=dict, repr=False)
    language: str | None = None


class SessionStore:
    """Sessions by id, with idle and absolute expiry; safe to use from several threads."""

    def __init__(
        self,
        *,
        idle: float = 30 * 60,
        lifetime: float = 8 * 60 * 60,
        now: Callable[[], float] = time.time,
        max_sessions: int = 100_000,
    ) -> None:
        self.idle = idle
        self.lifetime = lifetime
        self._now = now
        self._max = max_sessions
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def new(self, tenant: str) -> Session:
        """A fresh anonymous session at *tenant*."""
        now = self._now()
        session = Session(
            id=secrets.token_urlsafe(32),
            tenant=tenant,
            csrf=secrets.token_urlsafe(32),
            created=now,
            seen=now,
        )
        with self._lock:
            if len(self._sessions) >= self._max:
                self._sweep(now)
            self._sessions[session.id] = session
        return session

    def _expired(self, session: Session, now: float) -> bool:
        return now - session.seen > self.idle or now - session.created > self.lifetime

    def _sweep(self, now: float) -> None:
        for key in [k for k, s in self._sessions.items() if self._expired(s, now)]:
            del self._sessions[key]
        while len(self._sessions) >= self._max:  # still full: drop the oldest
            oldest = min(self._sessions.values(), key=lambda s: s.seen)
            del self._sessions[oldest.id]

    def get(self, session_id: str | None, tenant: str) -> Session | None:
        """The live session *session_id* at *tenant* (touched), else ``None``."""
        if not session_id:
            return None
        now = self._now()
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                return None
            if self._expired(session, now):
                del self._sessions[session_id]
                return None
            if session.tenant != tenant:
                return None
            session.seen = now
            return session

    def sign_in(self, session: Session, principal: Principal) -> Session:
        """*session* signed in as *principal*, under a new id and a new CSRF token."""
        now = self._now()
        with self._lock:
            self._sessions.pop(session.id, None)
            renewed = Session(
                id=secrets.token_urlsafe(32),
                tenant=session.tenant,
                csrf=secrets.token_urlsafe(32),
                created=now,
                seen=now,
                principal=principal,
                language=session.language,
            )
            self._sessions[renewed.id] = renewed
        return renewed

    def signed_in_for(self, session: Session) -> float:
        """Seconds since *session* was signed in (a signed-in session is made by
        :meth:`sign_in`, so its ``created`` is the moment of the sign-in)."""
        return self._now() - session.created

    def end(self, session: Session) -> None:
        """Forget *session* (signing out)."""
        with self._lock:
            self._sessions.pop(session.id, None)

    def save(self, session: Session) -> None:
        """Keep the changes made to *session* (its sign-ins under way, its language); the
        memory store holds the object itself, so there is nothing to write."""

    def __len__(self) -> int:
        return len(self._sessions)


def is_loopback_http(request: HTTPConnection) -> bool:
    """Plain HTTP to a loopback address (a test, or a trial on one's own machine)."""
    if request.url.scheme != "http":
        return False
    host = (request.url.hostname or "").strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def cookie_name(request: HTTPConnection) -> str:
    """The session cookie's name for *request* (``__Host-`` prefixed unless loopback HTTP)."""
    return LOOPBACK_COOKIE if is_loopback_http(request) else COOKIE


def set_cookie(response: Response, request: HTTPConnection, session: Session, max_age: int) -> None:
    """Put *session*'s id in *response*'s cookie, with the flags of the module's docstring."""
    response.set_cookie(
        cookie_name(request),
        session.id,
        max_age=max_age,
        path="/",
        secure=not is_loopback_http(request),
        httponly=True,
        samesite="lax",
    )


def clear_cookie(response: Response, request: HTTPConnection) -> None:
    """Remove the session cookie from the browser."""
    response.delete_cookie(
        cookie_name(request),
        path="/",
        secure=not is_loopback_http(request),
        httponly=True,
        samesite="lax",
    )


_SESSION = "magcore.session"


def session_of(request: HTTPConnection, store: SessionStore | None = None) -> Session | None:
    """The live session of *request* (looked up once), else ``None``. *store* defaults to the
    app's (``app.state.sessions``)."""
    if _SESSION in request.scope:
        found: Session | None = request.scope[_SESSION]
        return found
    from ..app import tenant_of

    if store is None:
        store = request.app.state.sessions
    session = store.get(request.cookies.get(cookie_name(request)), tenant_of(request).name)
    request.scope[_SESSION] = session
    return session


def remember_session(request: HTTPConnection, session: Session | None) -> None:
    """Make *session* the one :func:`session_of` gives for the rest of *request*."""
    request.scope[_SESSION] = session


def under_api(request: HTTPConnection) -> bool:
    """Whether *request* is for the API: its path, relative to where the server mounted the
    app (the ASGI root path of a deployment under a prefix such as ``/magcore``), is ``/api``
    or under it. The full path starts with the prefix: tested as it is, the cookie would open
    the API of an app deployed under a prefix."""
    path = str(request.scope.get("path", ""))
    # where the server mounted the app; inside the app's own mounts (the API is one),
    # ``root_path`` grows with each mount and ``app_root_path`` keeps the server's
    root = str(request.scope.get("app_root_path", request.scope.get("root_path", "")) or "")
    if root and path.startswith(root):
        path = path[len(root) :]
    return path == "/api" or path.startswith("/api/")


#: The scope key of the principal :class:`SessionIdentity` found for a request.
_SESSION_PRINCIPAL = "magcore.session.principal"


def signed_in(request: HTTPConnection) -> Principal | None:
    """The principal the session of *request* stands for now (the person, with the roles of a
    sign-in still fresh and those the tenant's directory gives today), once
    :class:`SessionIdentity` has answered for *request*; ``None`` before, or when it found
    nobody."""
    found: Principal | None = request.scope.get(_SESSION_PRINCIPAL)
    return found


class SessionIdentity:
    """The identity provider of the pages: the person signed in on the session cookie, as
    they stand now.

    Asked before bearer tokens; the pages get the same :class:`Principal` the API's bearer
    tokens give. The cookie authorises pages only: a request under ``/api/`` or with an
    ``Authorization`` header is left to the bearer-token providers, so the API (whose POSTs
    carry no CSRF token) can never be driven by a browser's cookie from another site.

    At every request the session's person is checked against the tenant's organisation
    (:func:`~magcore_web.signin.standing.standing`): someone no longer employed there, or no
    longer in it, is signed out (the session ends). The roles of the sign-in count for
    *roles_fresh_for* seconds; a session whose sign-in brought roles that are older answers
    nobody, so the pages send the person to sign in again. Asks the tenant's store, so call
    it off the event loop (:func:`~magcore_web.pages.errors.guarded` does).
    """

    def __init__(self, store: SessionStore, *, roles_fresh_for: float = ROLES_FRESH_FOR) -> None:
        self.store = store
        self.roles_fresh_for = roles_fresh_for

    def authenticate(self, request: HTTPConnection, tenant: Tenant) -> Principal | None:
        if "authorization" in request.headers or under_api(request):
            return None
        session = session_of(request, self.store)
        if session is None or session.principal is None:
            return None
        principal: Principal = session.principal
        if principal.tenant != tenant.name:
            return None
        if principal.roles and self.store.signed_in_for(session) > self.roles_fresh_for:
            log.info("the roles of %s's sign-in are too old: sign in again", principal.person_id)
            return None
        from .standing import standing

        current: Principal | None = tenant.call(lambda service: standing(service, principal))
        if current is None:
            log.info("%s is no longer in the organisation: signed out", principal.person_id)
            self.store.end(session)
            remember_session(request, None)
            return None
        request.scope[_SESSION_PRINCIPAL] = current
        return current

    def __repr__(self) -> str:
        return f"SessionIdentity(roles_fresh_for={self.roles_fresh_for:g})"
