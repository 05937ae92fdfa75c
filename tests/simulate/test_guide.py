"""The researcher's guide runs: every ```python block, in order, in one namespace."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guides" / "researchers.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.S)


def test_guide_has_code():
    """The guide shows code (so the next test cannot pass vacuously)."""
    assert len(_blocks()) >= 6


@pytest.mark.slow
def test_guide_code_runs(capsys):
    """The guide's examples run end to end (until Sybil collects docs)."""
    pytest.importorskip("pyarrow")
    pytest.importorskip("matplotlib")
    pytest.importorskip("distributed")
    namespace: dict[str, object] = {"__name__": "guide"}
    for number, block in enumerate(_blocks(), start=1):
        exec(compile(block, f"{GUIDE.name}[block {number}]", "exec"), namespace)
    assert "['/inflow_rate', '/years']" in capsys.readouterr().out
