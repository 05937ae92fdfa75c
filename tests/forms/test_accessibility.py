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


def test_a_form_with_a_conditional_question_has_no_axe_violations(tmp_path):
    """A conditional question, shown and hidden by the script, without the script, with its
    errors, on paper: clean in Dutch, English and Frisian."""
    from magcore.forms import FormDefinition
    from magcore.forms.conditions import SCRIPT, script_source
    from tests.forms.test_conditions import HYBRID

    require(missing_tooling())
    form = FormDefinition.from_json(HYBRID)
    (tmp_path / SCRIPT).write_text(script_source(), encoding="utf-8")
    broken = {"place": "office", "home_setup": "x"}
    pages = []
    for language in ("nl", "en", "fy"):
        variants = {
            "hidden": render_form(form, language=language, script_href=SCRIPT),
            "shown": render_form(
                form, language=language, answers={"place": "home"}, script_href=SCRIPT
            ),
            "no-script": render_form(form, language=language),
            "errors": render_form(
                form,
                language=language,
                answers=broken,
                problems=validate(form, broken, language=language),
                script_href=SCRIPT,
            ),
            "paper": render_paper(form, language=language),
            "record": render_record(form, {"place": "home", "home_setup": "x"}, language=language),
        }
        for variant, html in variants.items():
            path = tmp_path / f"conditional-{language}-{variant}.html"
            path.write_text(html, encoding="utf-8")
            pages.append(path)

    results = run_axe(pages)

    assert sorted(results) == sorted(pages)
    assert all(v == [] for v in results.values()), describe_violations(results)


def test_the_script_hides_a_question_until_its_answer_is_given(tmp_path):
    """In the real browser the external script hides (and disables) a conditional question
    whose condition does not hold, and shows it when it does."""
    import re
    import subprocess

    from magcore.forms import FormDefinition
    from magcore.forms.conditions import SCRIPT, script_source
    from tests.forms.test_conditions import HYBRID
    from tests.support.axe import chromium_path

    require(missing_tooling())
    form = FormDefinition.from_json(HYBRID)
    (tmp_path / SCRIPT).write_text(script_source(), encoding="utf-8")
    blocks = {}
    for name, answers in (("empty", {}), ("home", {"place": "home", "needs": ["chair"]})):
        page = tmp_path / f"{name}.html"
        page.write_text(render_form(form, answers=answers, script_href=SCRIPT), encoding="utf-8")
        dom = subprocess.run(
            [
                chromium_path(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--dump-dom",
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout
        blocks[name] = re.findall(r'<div class="conditional" id="([^"]+)"[^>]*?( hidden="")?>', dom)
    assert blocks["empty"] == [
        ("field-home_setup-block", ' hidden=""'),
        ("field-chair_note-block", ' hidden=""'),
    ]
    assert blocks["home"] == [("field-home_setup-block", ""), ("field-chair_note-block", "")]
