"""The axe-core tooling finds real violations and passes a clean page."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.axe import describe_violations, run_axe

pytestmark = pytest.mark.browser

BROKEN_PAGE = """<!doctype html>
<html lang="nl">
<head><meta charset="utf-8"><title>Gesprek voorbereiden</title></head>
<body>
<main>
  <h1>Gesprek voorbereiden</h1>
  <img src="foto.png">
  <form><input type="text" name="onderwerp"></form>
</main>
</body>
</html>
"""

CLEAN_PAGE = """<!doctype html>
<html lang="nl">
<head><meta charset="utf-8"><title>Gesprek voorbereiden</title></head>
<body>
<main>
  <h1>Gesprek voorbereiden</h1>
  <p>Waar wil je het over hebben?</p>
  <form>
    <label for="onderwerp">Onderwerp</label>
    <input id="onderwerp" type="text" name="onderwerp">
  </form>
</main>
</body>
</html>
"""


def _write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def test_axe_reports_missing_alt_and_missing_label(tmp_path):
    """An image without alt text and an unlabelled input are both reported."""
    page = _write(tmp_path, "broken.html", BROKEN_PAGE)

    result = run_axe([page])

    assert [page] == list(result)
    assert {"image-alt", "label"} <= {v["id"] for v in result[page]}, describe_violations(result)


def test_axe_passes_a_clean_page(tmp_path):
    """A small page with a language, a title, landmarks and labels has no violations."""
    page = _write(tmp_path, "clean.html", CLEAN_PAGE)

    result = run_axe([page])

    assert {page: []} == result, describe_violations(result)


def test_axe_keeps_results_per_file(tmp_path):
    """Checking several files at once attributes each violation to its own file."""
    broken = _write(tmp_path, "broken.html", BROKEN_PAGE)
    clean = _write(tmp_path, "clean.html", CLEAN_PAGE)

    result = run_axe([clean, broken])

    assert result[clean] == []
    assert result[broken] != []
