"""Rendering the pages: one Jinja2 environment (autoescape on) over the pages' templates and
magcore's form templates, and the context every page shares (language, CSRF token, menu).

The pages work without JavaScript and carry no inline script or style (the Content Security
Policy forbids both): the look comes from ``/static/magcore-web.css``; form fields come from
magcore's own form macros (:mod:`magcore.forms.render`), so a page form and the stand-alone
form look and read the same.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import jinja2
from starlette.responses import HTMLResponse

from .texts import (
    CATALOGUE,
    PAGE_LANGUAGES,
    content_language,
    fallback_note,
    labelled,
    language_name,
)

if TYPE_CHECKING:
    from starlette.requests import Request

    from ..identity import Principal
    from ..signin.sessions import Session

__all__ = ["environment", "language_of", "page", "text"]


@functools.cache
def environment() -> jinja2.Environment:
    """The pages' templates, then magcore's (for the form macros)."""
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [
                jinja2.PackageLoader("magcore_web", "templates"),
                jinja2.PackageLoader("magcore", "templates"),
            ]
        ),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def language_of(request: Request, session: Session | None) -> str:
    """The language asked for: ``?lang=``, else the session's, else the browser's, else nl.

    Each is a BCP 47 tag in any case (``?lang=NL``, ``nl-BE``, ``Accept-Language: fy-NL``),
    taken as the page language it or a broader tag is (:func:`magcore.languages.match`); one
    that is not a tag, or has no page language, is passed over for the next."""
    from magcore.languages import match

    asked = match(request.query_params.get("lang"), PAGE_LANGUAGES)
    if asked is not None:
        if session is not None and session.language != asked:
            session.language = asked
            request.app.state.sessions.save(session)
        return asked
    if session is not None and session.language in PAGE_LANGUAGES:
        return session.language
    for part in request.headers.get("accept-language", "").split(","):
        found = match(part.split(";")[0].strip(), PAGE_LANGUAGES)
        if found is not None:
            return found
    return "nl"


def text(language: str, key: str, /, **params: Any) -> str:
    """The page message *key* in the language the page is really shown in."""
    return CATALOGUE.message(key, content_language(language), **params)


def _menu(principal: Principal | None, manages: bool) -> list[tuple[str, str]]:
    if principal is None:
        return []
    items = [
        ("/conversations", "nav.conversations"),
        ("/goals", "nav.goals"),
        ("/sharing", "nav.sharing"),
        ("/export", "nav.export"),
    ]
    if manages:
        items += [("/team", "nav.team"), ("/team/participation", "nav.participation")]
    if principal.has_role("hr_adviser"):
        items.append(("/hr", "nav.hr"))
    if principal.has_role("privacy_officer"):
        items.append(("/privacy", "nav.privacy"))
    if principal.has_role("works_council"):
        items.append(("/regulation", "nav.regulation"))
    return items


def page(
    request: Request,
    template: str,
    *,
    title_key: str,
    session: Session | None,
    principal: Principal | None = None,
    manages: bool = False,
    status: int = 200,
    title_params: Mapping[str, Any] | None = None,
    **context: Any,
) -> HTMLResponse:
    """*template* as a full page in the person's language."""
    asked = language_of(request, session)
    lang = content_language(asked)

    def t(key: str, /, **params: Any) -> str:
        return labelled(key, lang, **params)

    def plain(key: str, /, **params: Any) -> str:  # for attributes, which cannot carry lang
        return CATALOGUE.message(key, lang, **params)

    title = plain(title_key, **(title_params or {}))
    path = request.url.path
    body = (
        environment()
        .get_template(template)
        .render(
            t=t,
            plain=plain,
            lang=lang,
            asked=asked,
            fallback=fallback_note(asked),
            languages=[(code, language_name(code), code == asked) for code in PAGE_LANGUAGES],
            path=path,
            title=title,
            csrf=session.csrf if session is not None else "",
            principal=principal,
            menu=[(href, t(key), path == href) for href, key in _menu(principal, manages)],
            **context,
        )
    )
    return HTMLResponse(
        body,
        status_code=status,
        headers={"cache-control": "no-store", "content-language": lang},
    )
