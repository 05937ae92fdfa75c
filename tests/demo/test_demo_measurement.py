"""The demo shows a plugin's anonymous team measurement: a baseline, a follow-up, a comparison."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from magcore.demo import run_demo
from magcore.plugins import get_plugin_manager
from tests.support.tools import require

from ..cli.htmlcheck import html_problems


@pytest.mark.slow
def test_the_vakmanschap_demo_writes_the_measurement_comparison(tmp_path: Path) -> None:
    """Two teams measured in January and December; the pages (nl, en) and the plot are in the
    folder, and no number on the page is below five."""
    pytest.importorskip("magcore_vakmanschap")
    result = run_demo(tmp_path / "demo", plugin="vakmanschap", people=40, seed=7)
    summary = json.loads((result.out / "demo-summary.json").read_text(encoding="utf-8"))
    measured = summary["measurement"]
    assert measured["questionnaire"] == "vakmanschap-team"
    assert len(measured["rounds"]) == 2 * len(measured["teams"]) >= 2
    assert all(n is None or n >= 5 for n in measured["rounds"].values())
    for key in ("measurement_html", "measurement_html_en"):
        page = (result.out / summary["files"][key]).read_text(encoding="utf-8")
        assert html_problems(page) == []
        assert "1-meting" in page


@pytest.mark.slow
def test_a_plugin_without_a_questionnaire_measures_nothing(tmp_path: Path) -> None:
    """The reference plugin contributes no questionnaire: the summary says so."""
    host = get_plugin_manager()
    # locally a skip, in CI (MAGCORE_REQUIRE_TOOLS) a failure: the dev venv installs it
    if "magcore-amsterdam" not in host.hooks.cycles().by_plugin():
        require("magcore-amsterdam is not installed (make venv)")
    result = run_demo(tmp_path / "demo", people=30, seed=3, host=host)
    assert result.summary["measurement"] is None
    assert "measurement_html" not in result.files
