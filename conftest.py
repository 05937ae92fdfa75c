"""Repository-wide test rule: in CI nothing may be skipped.

`.ci/run` installs every tool the tests use and sets ``MAGCORE_REQUIRE_TOOLS=1``; a test that
skips there (a missing browser, PostgreSQL, poppler, an optional package) means the set-up is
broken, so the skip is reported as a failure instead of passing quietly.
"""

from __future__ import annotations

import os
from collections.abc import Generator

import pytest


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.skipped and os.environ.get("MAGCORE_REQUIRE_TOOLS") and not hasattr(
        report, "wasxfail"
    ):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where every tool is installed: {report.longrepr}"
    return report
