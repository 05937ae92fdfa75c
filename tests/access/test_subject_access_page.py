"""The subject-access page reads as a page for people: no field id, no internal key, no raw date.

A demo year's export is rendered in Dutch and English with the forms and cycles of the
installation; the visible text of each page is searched for every id a person should never have
to decode: the forms' field ids and option values, magcore's roles, states, purposes, event
types and results, and ISO dates.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from magcore import open_service
from magcore.access.subject_access_html import export_html
from magcore.demo import run_demo

pytestmark = [pytest.mark.slow]

INTERNAL = (
    "next_manager",
    "handover",
    "whole_record",
    "held_on",
    "scheduled_for",
    "record_drafted",
    "conversation.requested",
    "preparation.published",
    "sharing.granted",
    "metadata",
    "allowed",
    "published_at",
)


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.skip = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("style", "script")

    def handle_endtag(self, tag):
        self.skip -= tag in ("style", "script")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def visible(page: str) -> str:
    parser = _Visible()
    parser.feed(page)
    return " ".join(parser.parts)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    result = run_demo(tmp_path_factory.mktemp("sa") / "demo", people=40)
    service = open_service(result.store_url)
    export = json.loads(
        next(p for k, p in result.files.items() if k == "subject_access_json").read_text()
    )
    yield service, export
    service.close()


def _ids(service, language: str) -> set[str]:
    ids = set(INTERNAL)
    for form in service.forms.values():
        for field in form.fields:
            ids.add(field.name)
            ids.update(str(o.value) for o in field.options)
            for sub in field.fields:
                ids.add(sub.name)
                ids.update(str(o.value) for o in sub.options)
    # an id with "_" or "." is never a word; a plain one ("allowed", "handover") is an English
    # word, which only a Dutch page must not show
    return {i for i in ids if "_" in i or "." in i or (language == "nl" and i in INTERNAL)}


@pytest.mark.parametrize("language", ["nl", "en"])
def test_no_raw_key_or_date_on_the_page(demo, language):
    service, export = demo
    assert export["conversations_about_you"]  # the page has a conversation to show
    text = visible(
        export_html(export, language=language, forms=service.forms, cycles=service.cycles)
    )
    found = sorted(
        i for i in _ids(service, language) if re.search(rf"(?<![\w.]){re.escape(i)}(?![\w])", text)
    )
    assert found == []
    assert re.search(r"\d{4}-\d{2}-\d{2}", text) is None


def test_without_forms_the_answers_are_still_readable(demo):
    _, export = demo
    text = visible(export_html(export, language="nl"))
    assert "held_on" not in text  # made readable, not raw
    assert "Held on" in text or "Gehouden op" in text


def test_the_page_names_the_people_by_role_and_the_kind_by_name(demo):
    service, export = demo
    page = export_html(export, language="nl", forms=service.forms, cycles=service.cycles)
    text = visible(page)
    assert "(medewerker)" in text
    assert "(leidinggevende)" in text
    cycle = service.cycles[export["conversations_about_you"][0]["metadata"]["cycle"]]
    kind = cycle.kinds[0].name.nl
    assert kind in text
    assert 'lang="nl"' in page
