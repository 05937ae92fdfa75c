"""The documentation builds without warnings and covers every hook and every command."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from magcore import hookspecs
from magcore.cli import cli

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _headings(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    return {m.group(1).strip().strip("`") for m in re.finditer(r"^#{1,4} (.+)$", text, re.M)}


def _command_paths(group: click.Group, ctx: click.Context, prefix: str) -> list[str]:
    paths: list[str] = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        module = getattr(command.callback, "__module__", "") or ""
        if command.callback is not None and not module.startswith("magcore."):
            continue  # a plugin's command (magcore serve...), which its own README documents
        path = f"{prefix} {name}"
        paths.append(path)
        if isinstance(command, click.Group):
            paths.extend(_command_paths(command, ctx, path))
    return paths


@pytest.mark.slow
def test_docs_build_without_warnings(tmp_path):
    """sphinx-build -W (warnings are errors) over the whole site, API pages included."""
    pytest.importorskip("sphinx")
    pytest.importorskip("myst_parser")
    pytest.importorskip("furo")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            str(DOCS),
            str(tmp_path / "html"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-5000:]
    assert (tmp_path / "html" / "tutorial" / "first-cycle.html").exists()
    assert (tmp_path / "html" / "reference" / "api.html").exists()
    # The schemas are published where their $id says.
    import json

    from magcore.schemas import SCHEMA_BASE, SCHEMA_NAMES

    for name in SCHEMA_NAMES:
        published = tmp_path / "html" / "schemas" / "v1" / f"{name}.schema.json"
        assert json.loads(published.read_text())["$id"] == f"{SCHEMA_BASE}{name}.schema.json"


def test_every_hook_has_its_section():
    """docs/plugins/hooks.md has a heading name(arg, ...) for every hook in magcore.hookspecs."""
    hooks = {
        name: function
        for name, function in vars(hookspecs).items()
        if name.startswith("magcore_") and callable(function)
    }
    headings = _headings(DOCS / "plugins" / "hooks.md")
    import inspect

    missing = [
        f"{name}({', '.join(inspect.signature(function).parameters)})"
        for name, function in sorted(hooks.items())
        if f"{name}({', '.join(inspect.signature(function).parameters)})" not in headings
    ]
    assert hooks
    assert missing == []


def test_every_command_has_its_section():
    """docs/reference/cli.md has a heading 'magcore <command>' for every command and subcommand."""
    ctx = click.Context(cli, info_name="magcore")
    commands = _command_paths(cli, ctx, "magcore")
    headings = _headings(DOCS / "reference" / "cli.md")
    assert "magcore export person" in commands
    assert [c for c in commands if c not in headings] == []


def test_every_page_is_in_a_toctree():
    """Every page under docs/ (other than included fragments) is reachable from the index."""
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    pages = [
        p.relative_to(DOCS).with_suffix("").as_posix()
        for p in DOCS.rglob("*.md")
        if "_build" not in p.parts and "example" not in p.parts and p.name != "index.md"
    ]
    globbed = [g.rstrip("*") for g in re.findall(r"^([\w-]+/)\*$", index, re.M)]
    for page in pages:
        assert page in index or any(page.startswith(g) for g in globbed), page


def test_every_public_module_is_in_the_api_reference():
    """docs/reference/api.md has an automodule for every module without a leading underscore;
    the command modules of magcore.cli are described in cli.md instead (magcore.cli.context,
    the API for plugin commands, is here)."""
    import pkgutil

    import magcore

    documented = set(
        re.findall(r"automodule:: ([\w.]+)", (DOCS / "reference" / "api.md").read_text())
    )
    public = {
        module.name
        for module in pkgutil.walk_packages(magcore.__path__, "magcore.")
        if not any(part.startswith("_") for part in module.name.split("."))
        and not (module.name.startswith("magcore.cli") and module.name != "magcore.cli.context")
    }
    assert "magcore.forms" in public
    assert sorted(public - documented) == []


def test_the_sharing_page_says_what_the_audit_chain_is():
    """docs/explanation/sharing-and-access.md said "The chain is not keyed" while every line is
    keyed (HMAC under the audit key) and checkpoints are signed: the page says what the code
    does, as the audit page and the command reference do."""
    from magcore import open_service
    from magcore.domain.sharing import GrantSharing

    service = open_service("memory://")
    service.share(
        GrantSharing(actor="e1", person="e1", to="hr", what="agreements", purpose="development")
    )
    lines = list(service.store.read_audit())
    assert lines
    assert all(line["key"] for line in lines), "every line is keyed"
    service.close()
    text = (DOCS / "explanation" / "sharing-and-access.md").read_text(encoding="utf-8")
    assert "not keyed" not in text
    assert "HMAC" in text
    assert "magcore audit checkpoint" in text
    assert "--checkpoint" in text
