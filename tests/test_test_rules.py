"""The repository's test rules hold: in CI a skip is a failure, and hypothesis runs by profile.

Each case runs pytest in a subprocess on a small test folder outside the repository, with the
repository's ``conftest.py`` loaded as a plugin (``-p conftest``), as it is for every test here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MODULE_SKIP = """
import pytest
pytest.importorskip("no_such_module_for_magcore_tests")


def test_never_runs():
    raise AssertionError("collected although its module was skipped")
"""

TEST_SKIP = """
import pytest


def test_skips():
    pytest.skip("a tool is missing")
"""

PROFILE = """
from hypothesis import settings


def test_profile():
    assert settings.default.derandomize, settings.default
    assert settings.default.max_examples == 60
"""


#: pytest with the repository's conftest.py as a plugin, no cache, no other test-order plugins.
PYTEST = (sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:cacheprovider", "-q", "-rA")
PYTEST += ("-p", "no:randomly", "-p", "no:xdist")


def pytest_in(folder: Path, files: dict[str, str], **env: str) -> subprocess.CompletedProcess[str]:
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MAGCORE_")} | env
    return subprocess.run(
        [*PYTEST, "--rootdir", str(folder), "-c", os.devnull, str(folder)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_skips_pass_quietly_on_a_developers_machine(tmp_path):
    done = pytest_in(tmp_path, {"test_module.py": MODULE_SKIP, "test_one.py": TEST_SKIP})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 skipped" in done.stdout


def test_in_ci_a_module_skipped_while_collected_fails(tmp_path):
    done = pytest_in(tmp_path, {"test_module.py": MODULE_SKIP}, MAGCORE_REQUIRE_TOOLS="1")
    assert done.returncode != 0, done.stdout
    assert "skipped in CI, where every tool is installed" in done.stdout
    assert "no_such_module_for_magcore_tests" in done.stdout


def test_in_ci_a_skipped_test_fails(tmp_path):
    done = pytest_in(tmp_path, {"test_one.py": TEST_SKIP}, MAGCORE_REQUIRE_TOOLS="1")
    assert done.returncode == 1, done.stdout
    assert "1 failed" in done.stdout
    assert "a tool is missing" in done.stdout


def test_the_ci_profile_reaches_tests_outside_tests(tmp_path):
    """Plugins' property tests (``plugins/*/tests``) run derandomised under the ci profile."""
    done = pytest_in(tmp_path, {"test_profile.py": PROFILE}, MAGCORE_HYPOTHESIS_PROFILE="ci")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
