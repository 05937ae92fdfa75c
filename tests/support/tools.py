"""Skip a test whose tooling is missing on a developer's machine — but never in CI.

`.ci/run` sets ``MAGCORE_REQUIRE_TOOLS=1``: there every tool is installed on purpose, so a
missing one is a broken set-up, and the test fails instead of passing quietly as skipped.
"""

from __future__ import annotations

import os

import pytest

__all__ = ["require"]


def require(problem: str | None) -> None:
    """Skip (locally) or fail (in CI) when *problem* says what is missing; else do nothing."""
    if not problem:
        return
    if os.environ.get("MAGCORE_REQUIRE_TOOLS"):
        pytest.fail(f"required in CI: {problem}")
    pytest.skip(problem)
