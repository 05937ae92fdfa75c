"""axe-core in headless Chromium finds no WCAG 2.0/2.1/2.2 A or AA violation in MAG's forms."""

from __future__ import annotations

import pytest

from magcore.forms import render_form, render_paper, render_record, validate
from tests.support.axe import describe_violations, missing_tooling, run_axe
from tests.support.tools import require

from .support import BROKEN, FILLED, mag_form

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _pages(tmp_path):
    pages = []
    for name in ("preparation", "agreement"):
        form = mag_form(name)
        for language in ("nl", "en"):
            broken = BROKEN[name]
            variants = {
                "empty": render_form(form, language=language),
                "filled": render_form(form, language=language, answers=FILLED[name]),
                "errors": render_form(
                    form,
                    language=language,
                    answers=broken,
                    problems=validate(form, broken, language=language),
                ),
                "record": render_record(form, FILLED[name], language=language),
                "paper": render_paper(form, language=language),
            }
            for variant, html in variants.items():
                path = tmp_path / f"{name}-{language}-{variant}.html"
                path.write_text(html, encoding="utf-8")
                pages.append(path)
    return pages


def test_mag_forms_have_no_axe_violations(tmp_path):
    """Both MAG forms, empty / filled in / with errors, as record and paper, nl and en: clean."""
    require(missing_tooling())
    pages = _pages(tmp_path)

    results = run_axe(pages)

    assert sorted(results) == sorted(pages)
    assert all(v == [] for v in results.values()), describe_violations(results)
