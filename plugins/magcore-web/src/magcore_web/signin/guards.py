"""The guards of the pages: security headers, CSRF tokens, and a rate limit on sign-in.

* :class:`SecurityHeaders` (ASGI middleware) puts strict headers on every response: a Content
  Security Policy with no inline script or style at all (``script-src 'self'``, ``style-src
  'self'``), ``frame-ancestors 'none'``, HSTS, ``X-Content-Type-Options: nosniff``,
  ``Referrer-Policy: same-origin`` (no address leaves the site; with ``no-referrer``
  browsers send ``Origin: null`` even on our own forms) and a few more. Forms may post only
  to this site and to the sign-in provider (``form-action``).
* :func:`check_csrf` checks the token every page form carries against the session's own
  (constant-time), and refuses a cross-site ``Origin``; every POST handler of the pages reads
  its form through it.
* :class:`RateLimit` counts attempts per key (the client's address) in a sliding window.
"""

from __future__ import annotations

import math
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from magcore.errors import MagcoreError

if TYPE_CHECKING:
    from starlette.requests import Request

    from .sessions import Session

__all__ = [
    "CSRF_FIELD",
    "CsrfError",
    "RateLimit",
    "RateLimited",
    "SecurityHeaders",
    "check_csrf",
    "content_security_policy",
]

#: The name of the hidden field that carries the CSRF token in every page form.
CSRF_FIELD = "csrf_token"


class CsrfError(MagcoreError):
    """A form came without the session's CSRF token, or from another site."""


class RateLimited(MagcoreError):
    """Too many attempts from one address; *retry_after* seconds until the next is allowed."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many sign-in attempts; try again in {retry_after} seconds")


def content_security_policy(form_targets: tuple[str, ...] = ()) -> str:
    """The pages' policy: only this site's own files, no inline code, never in a frame."""
    form_action = " ".join(("'self'", *form_targets))
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self'",
            "font-src 'self'",
            "connect-src 'self'",
            f"form-action {form_action}",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        )
    )


class SecurityHeaders:
    """ASGI middleware: the headers of the module's docstring on every HTTP response (a
    header the app set itself is kept, so a download can set its own disposition)."""

    def __init__(self, app: ASGIApp, *, form_targets: tuple[str, ...] = ()) -> None:
        self.app = app
        self.headers: tuple[tuple[bytes, bytes], ...] = tuple(
            (name.encode("latin-1"), value.encode("latin-1"))
            for name, value in {
                "content-security-policy": content_security_policy(form_targets),
                "strict-transport-security": "max-age=63072000; includeSubDomains",
                "x-content-type-options": "nosniff",
                "referrer-policy": "same-origin",
                "x-frame-options": "DENY",
                "cross-origin-opener-policy": "same-origin",
                "cross-origin-resource-policy": "same-origin",
                "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
            }.items()
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [h for h in self.headers if h[0] not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None:  # older browsers send none on same-origin posts: the token decides
        return True
    expected = f"{request.url.scheme}://{request.url.netloc}"
    return origin == expected


async def check_csrf(request: Request, session: Session | None) -> Mapping[str, str]:
    """The form of *request* once its CSRF token matches *session*'s and its origin is ours.

    Raises :class:`CsrfError` otherwise (the page answers 403 and changes nothing).
    """
    if session is None:
        raise CsrfError("the form came without a session; reload the page and try again")
    if not _same_origin(request):
        raise CsrfError("the form came from another site")
    form = await request.form()
    token = form.get(CSRF_FIELD)
    if not isinstance(token, str) or not secrets.compare_digest(token, session.csrf):
        raise CsrfError("the form's security token is missing or old; reload the page")
    return {key: value for key, value in form.multi_items() if isinstance(value, str)}


class RateLimit:
    """At most *limit* attempts per key in any *window* seconds (a sliding window in memory).

    :meth:`hit` counts one attempt and raises :class:`RateLimited` when the key is over.
    """

    def __init__(
        self, limit: int = 10, window: float = 60.0, *, now: Callable[[], float] = time.monotonic
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a rate limit needs limit >= 1 and window > 0")
        self.limit = limit
        self.window = window
        self._now = now
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> None:
        now = self._now()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and now - hits[0] >= self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                raise RateLimited(max(1, math.ceil(self.window - (now - hits[0]))))
            hits.append(now)
            if len(self._hits) > 100_000:  # forget quiet keys, keep memory bounded
                for quiet in [k for k, v in self._hits.items() if not v]:
                    del self._hits[quiet]
