"""Run every Python code block in ``docs/**/*.md`` as a test (Sybil, MyST code fences).

The blocks of one page share one namespace and run in order, from the repository root, so a page
reads like a session. Mark a block that must not run with ``<!-- skip: next -->``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sybil import Sybil
from sybil.parsers.myst import PythonCodeBlockParser, SkipParser

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def _docs_in_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Examples use paths relative to the repository root."""
    monkeypatch.chdir(ROOT)


pytest_collect_file = Sybil(
    parsers=[PythonCodeBlockParser(), SkipParser()],
    patterns=["*.md"],
    excludes=["_build/*"],
    fixtures=["_docs_in_root"],
).pytest()

#: The example plugin under docs/plugins/example is a distribution of its own: its tests run
#: once it is installed (like every folder in plugins/), not as part of the docs.
collect_ignore_glob = ["plugins/example/*", "_build/*"]
