"""The Nu HTML Checker reports no error on any HTML page magcore writes.

Every form of every installed plugin (to fill in: empty and with the errors of an empty form;
as a record; on paper) in Dutch, English and Frisian, the regulation of every installed cycle in
those languages, the subject-access page, and the pages ``magcore demo`` writes (the participation
report, a record, a subject-access export).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from magcore import open_service
from magcore.access.regulation import render_regulation
from magcore.cli import _registry
from magcore.demo import run_demo
from magcore.forms import example_answers, render_form, render_paper, render_record, validate
from magcore.plugins import get_plugin_manager
from tests.support.tools import require
from tests.support.vnu import describe, missing_tooling, run_vnu

pytestmark = [pytest.mark.slow]

LANGUAGES = (
    "nl",
    "en",
    "fy",
)  # fy: magcore's own texts, plugins' texts marked where they fall back


def _form_pages(folder: Path) -> list[Path]:
    service = open_service("memory://")
    pages = []
    try:
        for key, form in sorted(service.forms.items()):
            answers = example_answers(form)
            for language in LANGUAGES:
                variants = {
                    "form": render_form(form, language=language, answers=answers),
                    "errors": render_form(
                        form, language=language, problems=validate(form, {}, language=language)
                    ),
                    "record": render_record(form, answers, language=language),
                    "paper": render_paper(form, language=language),
                }
                for variant, text in variants.items():
                    page = folder / f"form-{key.replace('@', '-')}-{language}-{variant}.html"
                    page.write_text(text, encoding="utf-8")
                    pages.append(page)
    finally:
        service.close()
    return pages


def _regulation_pages(folder: Path) -> list[Path]:
    host = get_plugin_manager()
    forms = _registry.forms(host)
    pages = []
    for definition in host.hooks.cycles():
        for language in LANGUAGES:
            rendered = render_regulation(
                definition,
                language=language,
                format="html",
                forms=_registry.cycle_forms(definition, forms),
                legal_bases=_registry.legal_bases(host),
                profiles=_registry.retention_profiles(host),
                observers=host.hooks.content_needs().by_plugin(),
            )
            page = folder / f"regulation-{definition.key.replace('@', '-')}-{language}.html"
            page.write_text(rendered.text, encoding="utf-8")
            pages.append(page)
    return pages


def test_every_page_magcore_writes_is_valid_html(tmp_path: Path) -> None:
    require(missing_tooling())
    pages = _form_pages(tmp_path) + _regulation_pages(tmp_path)
    demo = run_demo(tmp_path / "demo", people=60)
    pages += sorted(demo.out.glob("*.html"))
    assert len(pages) > 100  # every plugin's forms and cycles are there

    errors = run_vnu(pages)

    assert set(errors) >= {page.resolve() for page in pages}
    assert not any(errors.values()), describe(errors)


def test_the_checker_finds_an_error(tmp_path: Path) -> None:
    """The check is not empty: a page with an error is reported, with its line."""
    require(missing_tooling())
    page = tmp_path / "broken.html"
    page.write_text(
        '<!DOCTYPE html><html lang="nl"><head><title>x</title></head>'
        "<body><p><div>block in a paragraph</div></p><span id=a></span><i id=a></i></body></html>",
        encoding="utf-8",
    )
    errors = run_vnu([page])
    assert len(errors[page.resolve()]) >= 2, errors
