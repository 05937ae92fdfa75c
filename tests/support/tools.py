"""Skip a test whose tooling is missing on a developer's machine — but never in CI.

`.ci/run` sets ``MAGCORE_REQUIRE_TOOLS=1``: there every tool is installed on purpose, so a
missing one is a broken set-up, and the test fails instead of passing quietly as skipped. The
rule itself is :func:`magcore.testing.require_tool`, which plugins' tests use as well.
"""

from __future__ import annotations

from magcore.testing.tools import require_tool as require

__all__ = ["require"]
