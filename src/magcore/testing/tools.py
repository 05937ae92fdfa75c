"""Skip a test whose tooling is missing on a developer's machine, but never in CI.

A test that needs an outside tool (Spectral, axe, the Nu HTML Checker, a PostgreSQL server)
calls :func:`require_tool` with what is missing, or ``None``. On a developer's machine the test
is skipped with that reason; where ``MAGCORE_REQUIRE_TOOLS`` is set (``.ci/run`` sets it, since
every tool is installed there on purpose) it fails instead, so a broken set-up never passes
quietly as skipped::

    >>> require_tool(None)  # nothing missing: the test goes on
"""

from __future__ import annotations

import os

__all__ = ["require_tool"]


def require_tool(problem: str | None) -> None:
    """Skip (locally) or fail (with ``MAGCORE_REQUIRE_TOOLS`` set) when *problem* says what is
    missing; do nothing when it is ``None`` or empty."""
    if not problem:
        return
    import pytest

    if os.environ.get("MAGCORE_REQUIRE_TOOLS"):
        pytest.fail(f"required in CI: {problem}")
    pytest.skip(problem)
