"""axe-core finds no WCAG 2.x A/AA violation on the pages the source plugins render.

For each plugin built or changed for issue 16 (the new practices and the finished partial ones):
every form empty, filled in with valid example answers, as a record and on paper, and the
cycle's regulation, in Dutch and English.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

import magcore
from magcore.access.regulation import render_regulation
from magcore.forms import (
    FormDefinition,
    example_answers,
    render_form,
    render_paper,
    render_record,
)
from tests.support.axe import describe_violations, missing_tooling, run_axe
from tests.support.tools import require

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NAMES = (
    "krimpen",
    "rijswijk",
    "waalwijk",
    "dinkelland",
    "wethouder",
    "dordrecht",
    "hybrido",
    "vnog",
    "swop",
    "vlaardingen",
)


def _pages(name: str, folder: Path) -> list[Path]:
    try:
        module = importlib.import_module(f"magcore_{name}.plugin")
    except ImportError:  # pragma: no cover - only when a plugin is not installed
        require(f"magcore-{name} is not installed (make venv installs every plugin)")
    host = magcore.get_plugin_manager(
        load_entry_points=False, extra=[(f"magcore-{name}", module.plugin)]
    )
    (cycle,) = host.hooks.cycles()
    forms = host.hooks.contributions(
        "magcore_register_forms", lambda item, plugin: FormDefinition.from_json(item, source=plugin)
    )
    pages: dict[str, str] = {}
    for language in ("nl", "en"):
        for form in forms:
            answers = example_answers(form)
            pages[f"{form.id}-{language}-empty"] = render_form(form, language=language)
            pages[f"{form.id}-{language}-filled"] = render_form(
                form, language=language, answers=answers
            )
            pages[f"{form.id}-{language}-record"] = render_record(form, answers, language=language)
            pages[f"{form.id}-{language}-paper"] = render_paper(form, language=language)
            pages[f"{form.id}-{language}-paper-filled"] = render_paper(
                form, language=language, answers=answers
            )
        pages[f"{cycle.id}-{language}-regulation"] = render_regulation(
            cycle,
            language=language,
            format="html",
            forms={form.id: form.json_schema() for form in forms},
        ).text
    paths = []
    for page, html in pages.items():
        path = folder / f"{page}.html"
        path.write_text(html, encoding="utf-8")
        paths.append(path)
    return paths


def test_every_page_of_the_source_plugins_has_no_axe_violations(tmp_path: Path) -> None:
    """Forms (empty, filled, record, paper) and regulations of each plugin, nl and en: clean."""
    require(missing_tooling())
    pages = [page for name in NAMES for page in _pages(name, tmp_path)]
    assert len({p.name for p in pages}) == len(pages)
    assert any("regulation" in p.name for p in pages)
    results = run_axe(pages, timeout=600.0)
    assert sorted(results) == sorted(pages)
    assert all(v == [] for v in results.values()), describe_violations(results)
