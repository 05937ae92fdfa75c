"""Repository-wide test rules: in CI nothing may be skipped; hypothesis runs by profile.

`.ci/run` installs every tool the tests use and sets ``MAGCORE_REQUIRE_TOOLS=1``; a test that
skips there (a missing browser, PostgreSQL, poppler, an optional package) means the set-up is
broken, so the skip is reported as a failure instead of passing quietly. That holds for a whole
module skipped while it is collected (``pytest.importorskip`` at module level) as much as for
one test.

The hypothesis profiles live here, not in ``tests/conftest.py``, so that the property tests of
the plugins (``plugins/*/tests``) and of ``docs`` run under the same profile: ``ci`` (derandomised,
set by ``MAGCORE_HYPOTHESIS_PROFILE=ci``), ``dev`` (the default) or ``long``.
"""

from __future__ import annotations

import os
from collections.abc import Generator

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=60,
    stateful_step_count=30,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=30, deadline=None)
settings.register_profile("long", max_examples=1000, stateful_step_count=80, deadline=None)
settings.load_profile(os.environ.get("MAGCORE_HYPOTHESIS_PROFILE", "dev"))


def _required_in_ci(report: pytest.TestReport | pytest.CollectReport) -> None:
    """Turn a skip into a failure when ``MAGCORE_REQUIRE_TOOLS`` is set (see above)."""
    if (
        report.skipped
        and os.environ.get("MAGCORE_REQUIRE_TOOLS")
        and not hasattr(report, "wasxfail")
    ):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where every tool is installed: {report.longrepr}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    _required_in_ci(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    report = yield
    _required_in_ci(report)
    return report
