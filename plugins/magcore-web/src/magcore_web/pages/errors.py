"""How the pages answer refusals: a page in the person's language, never a traceback.

:func:`guarded` wraps every page handler: no signed-in person (or one no longer in the
organisation, or whose sign-in's roles are too old to trust) → to the sign-in page; a form
without the right CSRF token → 403; something that does not exist *or* that the person may not
see → the same 404 (the gateway has written the audit line of the refused read); any other
magcore refusal → 400 with its one-line reason.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from magcore.errors import (
    AccessDenied,
    ApprovalMissingError,
    ConsentError,
    MagcoreError,
    NotFoundError,
)

from ..identity import NotSignedInError, Principal, current_principal
from ..signin.guards import CsrfError
from ..signin.sessions import session_of, signed_in
from .render import page

if TYPE_CHECKING:
    from starlette.requests import Request

    from ..signin.sessions import Session

__all__ = ["FieldRefused", "Handler", "NotYours", "guarded", "refused_page"]

log = logging.getLogger("magcore.web.pages")

Handler = Callable[["Request", "Session", Principal], Awaitable[Response]]


class FieldRefused(MagcoreError):
    """A page form's field is not filled in right; the message names the field."""

    def __init__(self, message: str, *, field: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


class NotYours(MagcoreError):
    """The object exists but is not the signed-in person's to see: answered as 404."""


def refused_page(
    request: Request,
    session: Session | None,
    key: str,
    *,
    status: int,
    headers: dict[str, str] | None = None,
    **params: Any,
) -> Response:
    """A short page saying message *key*, with HTTP *status*."""
    from .render import language_of, text

    language = language_of(request, session)
    response = page(
        request,
        "pages/message.html.j2",
        title_key="error.title",
        session=session,
        principal=signed_in(request),
        status=status,
        message=text(language, key, **params),
        alert=True,
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def guarded(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """*handler* for signed-in people only, with refusals answered as pages."""

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        session = session_of(request)
        try:
            # off the event loop: the session's person is checked against the store
            principal = await run_in_threadpool(current_principal, request)
        except NotSignedInError:
            principal = None
        if session is None or principal is None or principal is not signed_in(request):
            target = request.url.path
            if request.method == "GET" and request.url.query:
                target += "?" + request.url.query
            return RedirectResponse("/sign-in?next=" + quote(target, safe="/"), status_code=303)
        try:
            return await handler(request, session, principal)
        except CsrfError as exc:
            log.info("form refused: %s", exc)
            return refused_page(request, session, "error.csrf", status=403)
        except ApprovalMissingError as exc:
            return refused_page(request, session, "error.refused", status=400, reason=str(exc))
        except (NotYours, NotFoundError, AccessDenied, ConsentError) as exc:
            log.info("answered as not found: %s", exc)
            return refused_page(request, session, "error.not_found", status=404)
        except MagcoreError as exc:
            return refused_page(request, session, "error.refused", status=400, reason=str(exc))
        except HTTPException as exc:  # a form over the body limit, met while it is read
            if exc.status_code != 413:
                raise
            log.info("form refused: %s", exc.detail)
            return refused_page(request, session, "error.refused", status=413, reason=exc.detail)
        except Exception:  # a page, not a traceback; the details go to the log only
            log.exception("page %s failed", request.url.path)
            return refused_page(request, session, "error.internal", status=500)

    return endpoint
