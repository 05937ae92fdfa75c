"""``magcore new-plugin NAME``: the scaffold, and that its tests pass once installed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from click.testing import CliRunner

from magcore.cli import cli
from magcore.cli._app import App

ROOT = Path(__file__).resolve().parents[2]


def _new(tmp_path, *args):
    app = App(config_path=tmp_path / "magcore.toml")
    return CliRunner().invoke(cli, ["new-plugin", *args, "--dir", str(tmp_path)], obj=app)


def test_new_plugin_writes_the_layout(tmp_path):
    """The folder has the distribution's files with every placeholder filled in."""
    result = _new(tmp_path, "demo-town", "--json")
    assert result.exit_code == 0, result.output
    target = tmp_path / "magcore-demo-town"
    files = sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file())
    assert files == [
        "README.md",
        "pyproject.toml",
        "src/magcore_demo_town/__init__.py",
        "src/magcore_demo_town/cycle.json",
        "src/magcore_demo_town/plugin.py",
        "src/magcore_demo_town/themes/werkplezier.json",
        "tests/test_plugin.py",
    ]
    for path in target.rglob("*"):
        if path.is_file():
            assert "{{" not in path.read_text(), path
    pyproject = (target / "pyproject.toml").read_text()
    assert 'magcore-demo-town = "magcore_demo_town.plugin:plugin"' in pyproject
    assert 'dependencies = ["magcore>=0.1,<0.2"]' in pyproject


def test_generated_plugin_loads_and_its_cycle_is_valid(tmp_path, monkeypatch):
    """Imported from the generated folder, the plugin gives magcore one valid cycle and themes."""
    _new(tmp_path, "magcore-demo-town")
    monkeypatch.syspath_prepend(str(tmp_path / "magcore-demo-town" / "src"))
    from magcore_demo_town.plugin import plugin

    from magcore.plugins import get_plugin_manager

    host = get_plugin_manager(load_entry_points=False, extra=[("magcore-demo-town", plugin)])
    cycles = host.hooks.cycles()
    assert cycles.problems == ()
    assert [c.key for c in cycles] == ["demo_town@1"]
    themes = host.hooks.themes()
    assert themes.problems == ()
    assert [t.id for t in themes] == ["work", "development", "wellbeing", "demo_town_werkplezier"]


@pytest.mark.parametrize("name", ["Demo Town", "demo_town", "town-", "1town", ""])
def test_new_plugin_bad_name(tmp_path, name):
    """A name that cannot be a distribution name is a one-line error; nothing is written."""
    result = _new(tmp_path, name)
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "lower-case letters" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == []


@pytest.mark.parametrize("name", ["score-town", "rating", "town-grade"])
def test_new_plugin_refuses_a_name_whose_cycle_magcore_refuses(tmp_path, name):
    """The name becomes the cycle's id, which the scoring guard reads: a name that names a
    score is refused at once, saying why, and nothing is written (before, the plugin was
    written and its own tests failed)."""
    result = _new(tmp_path, name)
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "makes a cycle magcore refuses" in result.stderr
    assert "scoring" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == []


def test_new_plugin_never_overwrites(tmp_path):
    """A second scaffold into the same folder is refused."""
    assert _new(tmp_path, "demo-town").exit_code == 0
    readme = tmp_path / "magcore-demo-town" / "README.md"
    readme.write_text("mine")
    result = _new(tmp_path, "demo-town")
    assert result.exit_code == 1
    assert "exists already" in result.stderr
    assert readme.read_text() == "mine"


def test_new_plugin_refuses_a_cycle_id_that_is_installed(tmp_path):
    """A NAME whose cycle id an installed plugin registers already is refused, naming the
    plugin; nothing is written (two plugins with one id@version would both be refused)."""
    from magcore import hookimpl
    from magcore.plugins import get_plugin_manager

    class Taken:
        @hookimpl
        def magcore_register_cycles(self, register):
            register({**EXISTING, "id": "demo_town"})

    host = get_plugin_manager(load_entry_points=False, extra=[("magcore-elsewhere", Taken())])
    app = App(config_path=tmp_path / "magcore.toml", host=host)
    args = ["new-plugin", "demo-town", "--dir", str(tmp_path)]
    result = CliRunner().invoke(cli, args, obj=app)
    assert result.exit_code == 1
    assert "a cycle with id 'demo_town' is installed already (from magcore-elsewhere)" in (
        result.stderr
    )
    assert [p.name for p in tmp_path.iterdir()] == []


#: A cycle to install under the id a scaffold would use.
EXISTING = {
    "id": "existing",
    "version": 1,
    "name": {"nl": "Bestaand", "en": "Existing"},
    "approvals_required": ["works_council"],
    "kinds": [
        {
            "id": "yearly",
            "name": {"nl": "Jaargesprek", "en": "Yearly conversation"},
            "pattern": "employee_manager",
            "cadence": {"kind": "per_year", "per_year": 1},
            "initiators": ["employee", "manager"],
            "preparers": ["employee", "manager"],
        }
    ],
}

#: The contract run on the scaffold, whatever test the scaffold itself generates.
CONTRACT = """
import pytest
from magcore_demo_town.plugin import plugin

from magcore.testing import InstalledPluginContract


class TestScaffoldContract(InstalledPluginContract):
    distribution = "magcore-demo-town"

    @pytest.fixture
    def cycle_definition(self):
        return plugin.definition()
"""


def _fake_install(site: Path) -> None:
    """What pip install leaves for importlib.metadata: the distribution and its entry point."""
    info = site / "magcore_demo_town-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: magcore-demo-town\nVersion: 0.1.0\n"
    )
    (info / "entry_points.txt").write_text(
        "[magcore]\nmagcore-demo-town = magcore_demo_town.plugin:plugin\n"
    )


@pytest.mark.slow
def test_scaffold_passes_the_installed_plugin_contract_and_survives_a_theme_edit(tmp_path):
    """The scaffold as generated passes magcore.testing.InstalledPluginContract (every theme
    has prompts in Dutch and English), and its own tests still pass after a theme is added to
    the cycle and another to themes/ (they read the theme list from the files)."""
    assert _new(tmp_path, "demo-town").exit_code == 0
    plugin = tmp_path / "magcore-demo-town"
    (plugin / "tests" / "test_contract.py").write_text(CONTRACT, encoding="utf-8")
    package = plugin / "src" / "magcore_demo_town"
    cycle = json.loads((package / "cycle.json").read_text(encoding="utf-8"))
    prompt = {"nl": "Wat wil je vertellen?", "en": "What would you like to tell?"}
    title = {"nl": "Samenwerken", "en": "Working together"}
    cycle["themes"].append({"id": "teamwork", "title": title, "prompts": [prompt]})
    (package / "cycle.json").write_text(json.dumps(cycle), encoding="utf-8")
    extra = {"id": "demo_town_rust", "title": {"nl": "Rust", "en": "Calm"}, "prompts": [prompt]}
    (package / "themes" / "rust.json").write_text(json.dumps(extra), encoding="utf-8")
    _fake_install(tmp_path / "site")
    env = {k: v for k, v in os.environ.items() if k not in ("MAGCORE_LOAD_PLUGINS",)}
    env["PYTHONPATH"] = os.pathsep.join([str(package.parent), str(tmp_path / "site")])
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "."],
        capture_output=True,
        text=True,
        env=env,
        cwd=plugin,
    )
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-2000:]
    assert "TestScaffoldContract" not in tests.stdout  # no failure of the contract
    assert " passed" in tests.stdout


def _venv(path: Path) -> Path:
    """A throwaway venv that sees this interpreter's packages (and magcore's src) via a .pth."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    python = path / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    seen = [p for p in sys.path if p and Path(p).is_dir() and "site-packages" in p]
    seen.append(sysconfig.get_paths()["purelib"])
    (Path(purelib) / "_magcore_parent.pth").write_text("\n".join(dict.fromkeys(seen)) + "\n")
    return python


@pytest.mark.install
@pytest.mark.slow
def test_generated_plugin_installs_and_its_tests_pass(tmp_path):
    """magcore new-plugin demo-town && pip install ./magcore-demo-town && pytest magcore-demo-town.

    In a throwaway venv: magcore (this checkout) and the new plugin are installed without
    dependencies or build isolation (they come from the test environment), then the plugin's
    own generated tests run — the entry point, the contributions and the conformance suite.
    """
    pytest.importorskip("hatchling")
    assert _new(tmp_path, "demo-town").exit_code == 0
    python = _venv(tmp_path / "venv")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MAGCORE_LOAD_PLUGINS")}
    pip = [
        str(python),
        "-m",
        "pip",
        "install",
        "-q",
        "--no-deps",
        "--no-build-isolation",
        "--disable-pip-version-check",
    ]
    for project in (ROOT, tmp_path / "magcore-demo-town"):
        done = subprocess.run(
            [*pip, str(project)], capture_output=True, text=True, env=env, cwd=tmp_path
        )
        assert done.returncode == 0, done.stderr[-2000:]
    tests = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "magcore-demo-town"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-2000:]
    assert " passed" in tests.stdout
    listed = subprocess.run(
        [str(tmp_path / "venv" / "bin" / "magcore"), "plugins", "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert '"magcore-demo-town"' in listed.stdout, listed.stderr
