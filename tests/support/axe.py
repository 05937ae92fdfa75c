"""Accessibility checks of local HTML files with axe-core in headless Chromium.

The browser work happens in ``tests/a11y/check.mjs`` (playwright-core driving Debian's
``/usr/bin/chromium``); this module runs it and turns its JSON into Python values.
``make node-deps`` (part of ``make test``) installs the node packages.

Usage in a test::

    from tests.support.axe import run_axe, describe_violations

    @pytest.mark.browser
    def test_report_is_accessible(tmp_path):
        page = render_report(tmp_path)
        result = run_axe([page])
        assert result[page] == [], describe_violations(result)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

A11Y_DIR = Path(__file__).resolve().parent.parent / "a11y"
CHECK_SCRIPT = A11Y_DIR / "check.mjs"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")


class AxeUnavailableError(RuntimeError):
    """The axe-core tooling (node, node packages or Chromium) is not installed."""


def chromium_path() -> str:
    """The browser binary the check uses (``MAGCORE_CHROMIUM`` overrides the default)."""
    return os.environ.get("MAGCORE_CHROMIUM", DEFAULT_CHROMIUM)


def missing_tooling() -> str | None:
    """Say what is missing to run axe, or ``None`` when everything is in place."""
    if shutil.which("node") is None:
        return "node is not on PATH"
    if (
        not (A11Y_DIR / "node_modules" / "axe-core").is_dir()
        or not (A11Y_DIR / "node_modules" / "playwright-core").is_dir()
    ):
        return f"node packages missing: run `npm ci --prefix {A11Y_DIR}` (make node-deps)"
    if not Path(chromium_path()).exists():
        return f"no browser at {chromium_path()}: apt-get install chromium (see .ci/run)"
    return None


def run_axe(
    html_paths: list[Path],
    *,
    tags: tuple[str, ...] = WCAG_TAGS,
    timeout: float = 180.0,
) -> dict[Path, list[dict[str, Any]]]:
    """Check local HTML files with axe-core and return the violations of each file.

    Every path given is a key of the result, with ``[]`` for a file without violations.
    Each violation is axe-core's result dict (``id``, ``impact``, ``help``, ``nodes``, ...).
    Raises ``AxeUnavailableError`` when the tooling is missing and ``RuntimeError`` when the
    check itself fails.
    """
    paths = [Path(p) for p in html_paths]
    if not paths:
        return {}
    problem = missing_tooling()
    if problem is not None:
        raise AxeUnavailableError(problem)
    resolved = [p.resolve() for p in paths]
    env = dict(os.environ)
    env["MAGCORE_AXE_TAGS"] = ",".join(tags)
    env["MAGCORE_CHROMIUM"] = chromium_path()
    proc = subprocess.run(
        ["node", str(CHECK_SCRIPT), *map(str, resolved)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"axe check failed (exit {proc.returncode}):\n{proc.stderr.strip()}")
    raw: dict[str, list[dict[str, Any]]] = json.loads(proc.stdout)
    return {orig: raw[str(res)] for orig, res in zip(paths, resolved, strict=True)}


def describe_violations(results: dict[Path, list[dict[str, Any]]]) -> str:
    """A readable summary of ``run_axe`` output, for assertion messages."""
    lines: list[str] = []
    for path, violations in results.items():
        for v in violations:
            targets = ", ".join(
                " ".join(map(str, node.get("target", []))) for node in v.get("nodes", [])
            )
            lines.append(f"{path}: [{v.get('impact')}] {v['id']}: {v.get('help')} ({targets})")
    return "\n".join(lines) or "no violations"
