"""The plugin docs agree with the code: every hook documented, the guide shows the real files,
and the guide's example plugin installs with pip and works."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from magcore import hookspecs
from tests.plugin_venv import PluginVenv

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "plugins"
EXAMPLE = DOCS / "example" / "magcore-example"
FENCE = re.compile(r"<!-- file: (?P<path>[^ ]+) -->\n```[a-z]*\n(?P<body>.*?)```\n", re.DOTALL)


def _hookspecs() -> dict[str, list[str]]:
    specs = {}
    for name, function in inspect.getmembers(hookspecs, inspect.isfunction):
        if hasattr(function, f"{hookspecs.PROJECT}_spec"):
            specs[name] = list(inspect.signature(function).parameters)
    return specs


def test_there_are_hookspecs_to_document() -> None:
    """The spec module is read correctly (so the next test cannot pass vacuously)."""
    specs = _hookspecs()
    assert "magcore_register_cycles" in specs
    assert specs["magcore_check_record"] == ["record", "form", "conversation", "actor", "language"]


@pytest.mark.parametrize("name", sorted(_hookspecs()))
def test_every_hook_has_a_section_with_its_arguments(name: str) -> None:
    """docs/plugins/hooks.md has a heading ``name(arg, ...)`` for every hookspec."""
    heading = f"## {name}({', '.join(_hookspecs()[name])})"
    text = (DOCS / "hooks.md").read_text(encoding="utf-8")
    assert heading in text.splitlines()


def test_every_documented_hook_exists() -> None:
    """No section describes a hook that magcore does not have."""
    text = (DOCS / "hooks.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^## (magcore_[a-z_]+)\(", text, re.MULTILINE))
    assert documented == set(_hookspecs())


def test_the_python_examples_in_the_hook_reference_compile() -> None:
    """Each Python example on the hook page is at least valid Python."""
    text = (DOCS / "hooks.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    assert len(blocks) >= len(_hookspecs())
    for block in blocks:
        compile(block, "hooks.md", "exec")


def test_the_guide_shows_the_example_files_exactly() -> None:
    """Every file block in writing-plugins.md equals the file in the example package."""
    text = (DOCS / "writing-plugins.md").read_text(encoding="utf-8")
    shown = {m["path"]: m["body"] for m in FENCE.finditer(text)}
    assert set(shown) >= {"pyproject.toml", "src/magcore_example/plugin.py"}
    for path, body in shown.items():
        assert (EXAMPLE / path).read_text(encoding="utf-8") == body, path


@pytest.mark.install
def test_the_example_plugin_installs_and_works(tmp_path: Path) -> None:
    """pip install -e the example: its cycle, theme and workflow appear, and its tests pass."""
    env = PluginVenv(tmp_path, hidden=["magcore-example"])
    env.install(EXAMPLE, editable=True)
    found = env.run_json(
        "import json\n"
        "from magcore import get_plugin_manager\n"
        "from magcore.app.workflows import contributed_workflows\n"
        "host = get_plugin_manager()\n"
        "print(json.dumps([sorted(c.key for c in host.hooks.cycles()),\n"
        "                  sorted(t.id for t in host.hooks.themes()),\n"
        "                  [w.id for w in contributed_workflows(host)[0]],\n"
        "                  {i.name: i.hooks for i in host.plugins(include_builtin=False)}]))\n"
    )
    cycles, themes, workflows, plugins = found
    assert "example-check-in@1" in cycles
    assert "workload" in themes
    assert "example-quiet-reminder" in workflows
    assert plugins["magcore-example"] == [
        "magcore_register_cycles",
        "magcore_register_forms",
        "magcore_register_messages",
        "magcore_register_themes",
        "magcore_register_workflows",
    ]
    result = env.run_json(
        "import json, subprocess, sys\n"
        "r = subprocess.run([sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider'],"
        f" cwd={str(EXAMPLE)!r}, capture_output=True, text=True)\n"
        "print(json.dumps([r.returncode, r.stdout[-2000:]]))\n"
    )
    assert result[0] == 0, result[1]
    assert "3 passed" in result[1]
