"""A new user's first hour: the built wheels on a machine with none of the optional extras.

The wheels of magcore, magcore-amsterdam and magcore-email are built (``python -m build``, as
``make dist`` does) and installed with pip into a new virtual environment that holds only
magcore's core dependencies. There every command's ``--help`` works or says in one line which
extra it needs, and ``magcore demo`` names the extra before it writes anything: never a
traceback. Then the extras are added and the demo completes.

To stay quick and offline, the new environment does not download its dependencies: it sees the
installed distributions they name, and only those, from this environment's site-packages (a
*shadow* site folder of links, computed from the packages' metadata, as ``tests/plugin_venv``
does). ``pip check`` confirms that what it sees satisfies magcore's requirements.
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import sysconfig
import time
import venv
from collections.abc import Iterable
from pathlib import Path

import click
import pytest
from packaging.requirements import Requirement

from magcore.cli import cli

ROOT = Path(__file__).resolve().parent.parent
PROJECTS = [ROOT, ROOT / "plugins" / "magcore-amsterdam", ROOT / "plugins" / "magcore-email"]
OURS = {"magcore", "magcore-amsterdam", "magcore-email"}

pytestmark = [pytest.mark.install, pytest.mark.slow]


def _name(text: str) -> str:
    return text.lower().replace("_", "-")


def _closure(distribution: str, extras: Iterable[str] = ()) -> set[str]:
    """*distribution*'s installed dependencies (with *extras*), recursively; not ours."""
    found: set[str] = set()
    todo: list[tuple[str, tuple[str, ...]]] = [(distribution, tuple(extras))]
    while todo:
        name, wanted = todo.pop()
        for line in importlib.metadata.requires(name) or ():
            requirement = Requirement(line)
            markers = [{"extra": extra} for extra in ("", *wanted)]
            if requirement.marker is not None and not any(
                requirement.marker.evaluate(m) for m in markers
            ):
                continue
            dep = _name(requirement.name)
            if dep in OURS or dep in found:
                continue
            found.add(dep)
            todo.append((dep, tuple(requirement.extras)))
    return found


def _entries(distribution: str) -> set[str]:
    """The names in site-packages that belong to *distribution*."""
    files = importlib.metadata.distribution(distribution).files or ()
    return {Path(str(f)).parts[0] for f in files if Path(str(f)).parts[0] != ".."}


class FreshVenv:
    """A new venv with the wheels installed and a shadow site of chosen dependencies."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.site = Path(sysconfig.get_paths()["purelib"])
        self.shadow = root / "shadow-site"
        self.shadow.mkdir()
        venv.EnvBuilder(with_pip=False, symlinks=True).create(root / "env")
        self.bin = root / "env" / "bin"
        target = self.run(
            str(self.bin / "python"),
            "-c",
            "import sysconfig;print(sysconfig.get_paths()['purelib'])",
        ).stdout.strip()
        Path(target, "_shadow.pth").write_text(
            f"import site; site.addsitedir({str(self.shadow)!r})\n", encoding="utf-8"
        )

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MAGCORE_")}
        env.pop("PYTHONPATH", None)
        env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INDEX="1", NO_COLOR="1")
        env["MAGCORE_CACHE_DIR"] = str(self.root / "cache")
        return env

    def run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            argv, capture_output=True, text=True, env=self.env(), cwd=self.root, timeout=300
        )
        if check and done.returncode != 0:
            raise AssertionError(f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}")
        return done

    def see(self, distributions: Iterable[str]) -> None:
        """Let the environment import *distributions* (links in the shadow site)."""
        for dist in distributions:
            for entry in _entries(dist):
                link = self.shadow / entry
                if not link.exists() and (self.site / entry).exists():
                    link.symlink_to(self.site / entry)

    def pip(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run(sys.executable, "-m", "pip", "--python", str(self.bin / "python"), *args)

    def magcore(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run(str(self.bin / "magcore"), *args, check=False)


def _command_paths() -> list[tuple[str, ...]]:
    """Every command and sub-command of ``magcore`` as shipped (plugins' ones not included)."""
    ctx = click.Context(cli)
    paths: list[tuple[str, ...]] = []

    def walk(command: click.Command, path: tuple[str, ...]) -> None:
        paths.append(path)
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                assert sub is not None
                walk(sub, (*path, name))

    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        assert command is not None
        walk(command, (name,))
    return paths


def _clean(done: subprocess.CompletedProcess[str], what: str) -> None:
    assert "Traceback" not in done.stderr + done.stdout, f"{what}:\n{done.stderr}"
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1, f"{what}: more than one line:\n{done.stderr}"
        assert lines[0].startswith("error: "), f"{what}: {lines[0]}"


def test_base_install_names_extras_and_the_extras_make_the_demo_work(tmp_path):
    started = time.perf_counter()
    dist = tmp_path / "dist"
    for project in PROJECTS:
        subprocess.run(
            [sys.executable, "-m", "build", "--no-isolation", "--wheel", "-o", str(dist), project],
            check=True,
            capture_output=True,
        )
    env = FreshVenv(tmp_path)
    env.see(_closure("magcore"))
    env.pip("install", "--no-deps", "--no-index", *map(str, sorted(dist.glob("*.whl"))))
    env.pip("check")
    built = time.perf_counter()

    # Every command's --help: help, or one line naming the extra.
    needs_extra = []
    for path in [(), *_command_paths(), ("send-invitations",)]:
        done = env.magcore(*path, "--help")
        _clean(done, f"magcore {' '.join(path)} --help")
        if done.returncode != 0:
            assert "pip install 'magcore[" in done.stderr, done.stderr
            needs_extra.append(path)
    assert needs_extra == [("simulate",)]
    assert "send-invitations" in env.magcore("--help").stdout  # magcore-email's command

    # The demo names the extra and writes nothing.
    out = tmp_path / "demo"
    done = env.magcore("demo", "--out", str(out))
    _clean(done, "magcore demo")
    assert done.returncode == 1
    assert "pip install 'magcore[pdf]'" in done.stderr
    assert not out.exists()

    # Calendar invitations name theirs (checked before the store is opened).
    done = env.magcore("export", "ics", "--json")
    _clean(done, "magcore export ics")
    assert "pip install 'magcore[calendar]'" in done.stderr

    # With the extras the demo needs, it runs through.
    env.see(_closure("magcore", ["pdf", "cli"]))
    env.pip("check")
    done = env.magcore("demo", "--out", str(out), "--people", "60", "--json")
    _clean(done, "magcore demo with [pdf,cli]")
    assert done.returncode == 0, done.stderr
    assert {p.suffix for p in out.iterdir()} >= {".pdf", ".html", ".json", ".md", ".csv"}
    print(
        f"\nbuild + install {built - started:.1f} s, "
        f"commands and demo {time.perf_counter() - built:.1f} s"
    )
