"""A throwaway virtual environment that sees this environment's packages, minus some plugins.

Installing a plugin for real (``pip install``) must not touch the environment the tests run in,
and the plugin under test must not already be visible there (``make venv`` installs every
``plugins/*`` editable). So the new environment gets a *shadow* site directory: links to every
entry of this environment's site-packages except the files of the hidden distributions.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
import sysconfig
import venv
from collections.abc import Iterable
from pathlib import Path

__all__ = ["PluginVenv"]


def _top_level_entries(distribution: str) -> set[str]:
    """The names in site-packages that belong to *distribution* (dist-info, .pth, packages)."""
    try:
        dist = importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        return set()
    entries = set()
    for file in dist.files or ():
        parts = Path(str(file)).parts
        if parts and parts[0] != "..":
            entries.add(parts[0])
    return entries


class PluginVenv:
    """A venv in *root* that sees the running environment's packages except *hidden* ones."""

    def __init__(self, root: Path, hidden: Iterable[str]) -> None:
        self.root = root
        site_packages = Path(sysconfig.get_paths()["purelib"])
        shadow = root / "shadow-site"
        shadow.mkdir(parents=True)
        excluded = set().union(*(_top_level_entries(name) for name in hidden))
        for entry in site_packages.iterdir():
            if entry.name not in excluded and entry.name != "__pycache__":
                (shadow / entry.name).symlink_to(entry)
        venv.EnvBuilder(with_pip=False, symlinks=True).create(root / "env")
        self.python = root / "env" / "bin" / "python"
        target = Path(
            subprocess.run(
                [
                    str(self.python),
                    "-c",
                    "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
        )
        (target / "_magcore_test_shadow.pth").write_text(
            f"import site; site.addsitedir({str(shadow)!r})\n", encoding="utf-8"
        )

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MAGCORE_")}
        env.pop("PYTHONPATH", None)
        env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
        env["PIP_NO_INDEX"] = "1"
        return env

    def pip(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run this environment's pip (the running pip, pointed at the new interpreter)."""
        result = subprocess.run(
            [sys.executable, "-m", "pip", "--python", str(self.python), *args],
            capture_output=True,
            text=True,
            env=self._env(),
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            raise AssertionError(f"pip {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def install(self, path: Path, *, editable: bool = False) -> None:
        """``pip install --no-deps --no-build-isolation [-e] path``: a real install."""
        self.pip(
            "install", "--no-deps", "--no-build-isolation", *(["-e"] if editable else []), str(path)
        )

    def uninstall(self, distribution: str) -> None:
        self.pip("uninstall", "-y", distribution)

    def run_json(self, code: str, **env: str) -> object:
        """Run *code* in the environment; it must print one JSON value."""
        result = subprocess.run(
            [str(self.python), "-c", code],
            capture_output=True,
            text=True,
            env={**self._env(), **env},
            cwd=self.root,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            raise AssertionError(f"python -c failed:\n{result.stdout}\n{result.stderr}")
        return json.loads(result.stdout.strip().splitlines()[-1])
