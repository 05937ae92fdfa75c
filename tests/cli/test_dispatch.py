"""``magcore dispatch`` delivers the outbox; ``magcore plugins`` shows what could not be taken."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from magcore import hookimpl
from magcore.cli import cli
from magcore.cli._app import App
from magcore.plugins import get_plugin_manager

from .conftest import ORG_CSV, cycle_plugin, data

CALLS: list[int] = []


class Down:
    @hookimpl
    def magcore_events_committed(self, batch):
        CALLS.append(batch.seq)
        raise RuntimeError("HR system down")


@pytest.fixture
def host():
    return get_plugin_manager(
        load_entry_points=False,
        extra=[("test-cycles", cycle_plugin("employee-manager.json")), ("hr-link", Down())],
    )


def test_dispatch_retries_then_dead_letters_and_plugins_shows_them(workdir, host):
    def run(*args):
        app = App(config_path=workdir / "magcore.toml", host=host)
        return CliRunner().invoke(cli, list(args), obj=app, catch_exceptions=False)

    assert run("init", "--cycle", "example-yearly").exit_code == 0
    (workdir / "people.csv").write_text(ORG_CSV, encoding="utf-8")
    assert run("import-org", "people.csv").exit_code == 0
    assert CALLS, "the command's own dispatch called the observer"
    assert data(run("plugins", "--json"))["dead_letters"] == []
    result = run("dispatch", "--once", "--attempts", "3", "--backoff", "0.001")
    assert result.exit_code == 0, result.output
    listed = data(run("plugins", "--json"))["dead_letters"]
    assert listed
    assert {d["plugin"] for d in listed} == {"hr-link"}
    assert all(d["attempts"] == 3 and "HR system down" in d["error"] for d in listed)
    shown = run("plugins")
    assert "Dead letters" in shown.output
    assert "hr-link" in shown.output
    assert data(run("audit", "verify", "--json"))["ok"] is True
