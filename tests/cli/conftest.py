"""Fixtures for the ``magcore`` command tests: an isolated plugin host, a folder, a runner."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner, Result

from magcore import hookimpl
from magcore.cli import cli
from magcore.cli._app import App
from magcore.plugins import PluginHost, get_plugin_manager
from tests.support.approve import approve_by_cli

ROOT = Path(__file__).resolve().parents[2]
CYCLES = ROOT / "docs" / "examples" / "cycles"

ORG_CSV = """person_id,team_id,team_name,department,parent_team_id,role,start,end,hired_on,left_on
boss,dept,Afdeling,Afdeling,,manager,2024-01-01,,2015-03-01,
m1,t1,Team Noord,Afdeling,dept,manager,2024-01-01,,2018-06-01,
m2,t2,Team Zuid,Afdeling,dept,manager,2024-01-01,,2019-06-01,
e1,t1,Team Noord,Afdeling,dept,member,2024-01-01,,2020-02-01,
e2,t1,Team Noord,Afdeling,dept,member,2024-01-01,,2021-09-01,
e3,t2,Team Zuid,Afdeling,dept,member,2024-01-01,,2022-01-10,
e4,t2,Team Zuid,Afdeling,dept,member,2024-01-01,,2023-04-01,
"""


def cycle_plugin(*files: str) -> Any:
    """A plugin contributing the example cycle definitions named by *files*."""

    class Cycles:
        @hookimpl
        def magcore_register_cycles(self, register: Any) -> None:
            for name in files:
                register(json.loads((CYCLES / name).read_text(encoding="utf-8")))

    return Cycles()


def make_host(*files: str) -> PluginHost:
    """A host with the built-ins and the given example cycles, and no installed entry points."""
    return get_plugin_manager(
        load_entry_points=False, extra=[("test-cycles", cycle_plugin(*files))]
    )


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder that is the current directory; MAGCORE_NOW fixes the clock."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MAGCORE_NOW", "2025-03-10T09:00:00+00:00")
    monkeypatch.delenv("MAGCORE_CONFIG", raising=False)
    return tmp_path


@pytest.fixture
def host() -> PluginHost:
    return make_host("employee-manager.json")


@pytest.fixture
def run(workdir: Path, host: PluginHost) -> Callable[..., Result]:
    """Invoke ``magcore ARGS`` in *workdir* with the test host; returns click's Result."""

    def invoke(*args: str, input: str | None = None) -> Result:
        app = App(config_path=workdir / "magcore.toml", host=host)
        return CliRunner().invoke(cli, list(args), obj=app, input=input, catch_exceptions=False)

    return invoke


@pytest.fixture
def ready(run: Callable[..., Result], workdir: Path) -> SimpleNamespace:
    """A folder after ``magcore init`` and ``magcore import-org`` of a small organisation."""
    assert run("init").exit_code == 0
    (workdir / "org.csv").write_text(ORG_CSV, encoding="utf-8")
    result = run("import-org", "org.csv")
    assert result.exit_code == 0, result.output
    approve_by_cli(run)
    return SimpleNamespace(dir=workdir, run=run)


def data(result: Result) -> Any:
    """The JSON a ``--json`` command printed."""
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)
