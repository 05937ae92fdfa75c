"""The measurement comparison page and plot: only shown numbers, and accessible in nl and en."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from magcore.access.measurement_html import comparison_html, comparison_plot, comparison_text
from magcore.domain.measurement import compare
from magcore.model.measurement import Comparison, Phase, Round, RoundState
from tests.cli.htmlcheck import html_problems
from tests.support.axe import describe_violations, missing_tooling, run_axe
from tests.support.measurement import DAY, QUESTIONNAIRE
from tests.support.tools import require


def _round(round_id: str, phase: Phase, respondents: int | None) -> Round:
    return Round(
        id=round_id,
        series="s-1",
        organisation="org",
        unit="t1",
        phase=phase,
        label="0-meting" if phase is Phase.BASELINE else "1-meting",
        questionnaire=QUESTIONNAIRE,
        k=5,
        eligible=12,
        opened_on=DAY.isoformat(),
        state=RoundState.CLOSED,
        respondents=respondents,
    )


def _comparison() -> Comparison:
    baseline = {
        "help": Counter(sometimes=7, often=5),
        "share": Counter(rarely=6, often=3, sometimes=3),
    }
    follow_up = {"help": Counter(often=10, rarely=1, sometimes=1)}
    suppressed = _round("r-3", Phase.FOLLOW_UP, None)
    return compare(
        [
            (_round("r-1", Phase.BASELINE, 12), baseline),
            (_round("r-2", Phase.FOLLOW_UP, 12), follow_up),
            (suppressed, None),
        ],
        k=5,
    )


def test_the_page_shows_only_the_comparisons_numbers() -> None:
    """Numbers below five never appear: 3 + 3 become a rest of 6; 10 often with a rest of 2
    is not shown at all (2 could be worked out); a suppressed round says so."""
    result = _comparison()
    page = comparison_html(result, "en")
    assert "Sometimes: 7 (58%)" in page
    assert "Often: 5 (42%)" in page
    assert "Rarely: 6 (50%)" in page
    assert "Other answers or no answer: 6 (50%)" in page
    assert "Often: 3" not in page
    assert "Often: 10" not in page
    assert "Not shown: too few answers" in page
    assert "Not shown: fewer than 5 people took part" in page
    assert html_problems(page) == []
    text = "\n".join(comparison_text(result, "nl"))
    assert "Niet getoond: te weinig antwoorden" in text
    assert all(n >= 5 for n in result.numbers())


def test_the_plot_is_drawn(tmp_path: Path) -> None:
    """The plot is a PNG file (needs matplotlib: the plots extra)."""
    pytest.importorskip("matplotlib")
    path = comparison_plot(_comparison(), tmp_path / "plot.png", "en")
    assert path.read_bytes().startswith(b"\x89PNG")


@pytest.mark.browser
@pytest.mark.slow
def test_the_pages_have_no_axe_violations(tmp_path: Path) -> None:
    """axe-core finds no WCAG 2.x A/AA violation in the page, in Dutch and English, with the
    plot beside the table."""
    require(missing_tooling())
    pytest.importorskip("matplotlib")
    result = _comparison()
    comparison_plot(result, tmp_path / "plot.png")
    pages = []
    for language in ("nl", "en"):
        page = tmp_path / f"measurement-{language}.html"
        page.write_text(comparison_html(result, language, image="plot.png"), encoding="utf-8")
        pages.append(page)
    found = run_axe(pages)
    assert {page: [] for page in pages} == found, describe_violations(found)
