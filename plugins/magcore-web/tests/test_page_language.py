"""The page language: ``?lang=``, the session's, the browser's ``Accept-Language``, by the one
rule for language tags (:mod:`magcore.languages`): any BCP 47 tag, in any case."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from magcore_web.pages.render import language_of


def _request(query: str | None = None, accept: str | None = None) -> SimpleNamespace:
    saved: list[object] = []
    return SimpleNamespace(
        query_params={} if query is None else {"lang": query},
        headers={} if accept is None else {"accept-language": accept},
        app=SimpleNamespace(state=SimpleNamespace(sessions=SimpleNamespace(save=saved.append))),
        saved=saved,
    )


@pytest.mark.parametrize(
    ("query", "accept", "shown"),
    [
        ("EN", None, "en"),  # before: only nl, en and fy exactly; EN was passed over
        ("fy-NL", None, "fy"),
        ("nl_BE", None, "nl"),
        ("not a tag", "en", "en"),
        (None, "FY-nl, en;q=0.5", "fy"),
        (None, "de-DE, en-GB;q=0.8", "en"),  # no German pages: the browser's next language
        (None, "nds, en;q=0.8", "en"),  # before: "nds" was cut to "nd"
        (None, "*", "nl"),
        (None, None, "nl"),
    ],
)
def test_a_page_language_is_any_tag_in_any_case(query, accept, shown):
    assert language_of(_request(query, accept), None) == shown


def test_the_language_asked_for_is_kept_in_the_session_normalised():
    session = SimpleNamespace(language="nl")
    request = _request("EN")
    assert language_of(request, session) == "en"
    assert session.language == "en"
    assert request.saved == [session]
    assert language_of(_request(None, "fy"), session) == "en"  # the session's choice stays
