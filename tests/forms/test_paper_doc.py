"""The examples in docs/how-to/paper.md run, in order, from the repository root."""

from __future__ import annotations

import re

import pytest

from .support import ROOT

PAGE = ROOT / "docs" / "how-to" / "paper.md"


def test_the_paper_how_to_runs(monkeypatch):
    """Every python block of the page runs in one namespace and its assertions hold."""
    pytest.importorskip("weasyprint")
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 3
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {"__name__": "paper_doc"}
    for block in blocks:
        exec(compile(block, str(PAGE), "exec"), namespace)  # our own docs page
