"""The Nu HTML Checker (``vnu.jar``, the W3C validator's engine) over local HTML files.

``make node-deps`` installs the ``vnu-jar`` npm package into ``tests/vnu``; it runs with the
machine's Java (17 or newer). One JVM checks every file in one call.

Usage in a test::

    from tests.support.vnu import run_vnu

    errors = run_vnu([page])
    assert errors[page] == []
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

VNU_DIR = Path(__file__).resolve().parent.parent / "vnu"
VNU_JAR = VNU_DIR / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def missing_tooling() -> str | None:
    """What is missing to run the checker (``None`` when it can run)."""
    missing = []
    if shutil.which("java") is None:
        missing.append("java (Debian: default-jre-headless)")
    if not VNU_JAR.exists():
        missing.append(f"{VNU_JAR} (run `make node-deps`)")
    return "; ".join(missing) or None


def run_vnu(pages: list[Path]) -> dict[Path, list[dict[str, Any]]]:
    """The checker's errors per page (warnings and info are left out)."""
    result = subprocess.run(
        [
            "java",
            "-jar",
            str(VNU_JAR),
            "--errors-only",
            "--format",
            "json",
            "--exit-zero-always",
            *map(str, pages),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    report = json.loads(result.stderr or result.stdout)
    errors: dict[Path, list[dict[str, Any]]] = {page.resolve(): [] for page in pages}
    for message in report["messages"]:
        url = str(message.get("url", ""))
        path = Path(url.removeprefix("file:")).resolve()
        if message.get("type") == "error" or message.get("subType") == "fatal":
            errors.setdefault(path, []).append(message)
    return errors


def describe(errors: dict[Path, list[dict[str, Any]]]) -> str:
    """One line per error: the file, the line and what the checker says."""
    return "\n".join(
        f"{path.name}:{m.get('lastLine', '?')}: {m.get('message', '')}"
        for path, messages in sorted(errors.items())
        for m in messages
    )
