"""``magcore dispatch`` delivers the outbox; ``magcore plugins`` shows what could not be taken."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from magcore import hookimpl
from magcore.cli import cli
from magcore.cli._app import App
from magcore.plugins import get_plugin_manager

from .conftest import ORG_CSV, cycle_plugin, data

CALLS: list[int] = []


class Down:
    """An observer whose HR system is down until the test says it is up again."""

    up = False

    @hookimpl
    def magcore_events_committed(self, batch):
        CALLS.append(batch.seq)
        if not Down.up:
            raise RuntimeError("HR system down")


@pytest.fixture
def host():
    Down.up = False
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
    assert result.exit_code == 1, result.output
    listed = json.loads(run("plugins", "--json").stdout)["dead_letters"]  # exits 1: see below
    assert "Delivered 0 batches." in result.stdout
    assert len(listed) == 1  # the import's batch
    assert "error: 1 batch went to the dead-letter list" in result.stderr
    assert "magcore dispatch --retry-dead" in result.stderr
    assert listed
    assert {d["plugin"] for d in listed} == {"hr-link"}
    assert all(d["attempts"] == 3 and "RuntimeError" in d["error"] for d in listed)
    assert not any("HR system down" in d["error"] for d in listed)  # in the log, not the store
    shown = run("plugins")
    assert "Dead letters" in shown.output
    assert "hr-link" in shown.output
    assert data(run("audit", "verify", "--json"))["ok"] is True


def _audit(workdir, action: str) -> list[tuple[str, str, str]]:
    import sqlite3

    with sqlite3.connect(workdir / "magcore.db") as conn:
        rows = conn.execute(
            "SELECT actor, object, result FROM audit WHERE action = ? ORDER BY seq", (action,)
        ).fetchall()
    return [tuple(row) for row in rows]


def test_retry_dead_delivers_dead_letters_once_the_plugin_is_fixed_and_audits_it(workdir, host):
    """A dead-lettered batch is delivered again with --retry-dead: while the plugin still
    fails it stays on the list (one more attempt, exit 1); once fixed it is delivered, taken
    off the list, and each attempt has its audit line like any delivery."""

    def run(*args):
        app = App(config_path=workdir / "magcore.toml", host=host)
        return CliRunner().invoke(cli, list(args), obj=app, catch_exceptions=False)

    assert run("init", "--cycle", "example-yearly").exit_code == 0
    (workdir / "people.csv").write_text(ORG_CSV, encoding="utf-8")
    assert run("import-org", "people.csv").exit_code == 0
    assert run("dispatch", "--once", "--attempts", "2", "--backoff", "0.001").exit_code == 1
    dead = json.loads(run("plugins", "--json").stdout)["dead_letters"]
    assert dead
    batches = [d["batch"] for d in dead]
    before = _audit(workdir, "deliver")
    still = run("dispatch", "--retry-dead")
    assert still.exit_code == 1
    assert "failed again and stay on the dead-letter list" in still.stderr
    again = json.loads(run("plugins", "--json").stdout)["dead_letters"]
    assert [d["batch"] for d in again] == batches
    assert all(d["attempts"] == 3 for d in again)
    failed = _audit(workdir, "deliver")[len(before) :]
    assert failed == [("plugin:hr-link", f"outbox/{b}", "failed") for b in batches]
    Down.up = True
    CALLS.clear()
    fixed = run("dispatch", "--retry-dead")
    assert fixed.exit_code == 0, fixed.output
    assert f"Delivered {len(batches)} dead-lettered" in fixed.stdout
    assert batches == CALLS
    assert data(run("plugins", "--json"))["dead_letters"] == []
    done = _audit(workdir, "deliver")[len(before) + len(batches) :]
    assert done == [("plugin:hr-link", f"outbox/{b}", "done") for b in batches]
    assert data(run("audit", "verify", "--json"))["ok"] is True
    empty = run("dispatch", "--retry-dead")
    assert empty.exit_code == 0
    assert "The dead-letter list is empty" in empty.stdout


def test_plugins_exits_1_while_a_plugin_has_dead_letters_and_0_once_they_are_delivered(
    workdir, host
):
    """Dead letters are a problem `magcore plugins` reports: one line per plugin on standard
    error saying what to do, in `problems` of --json, and status 1 (a health check notices
    deliveries that stopped); once they are delivered the same listing exits with 0."""

    def run(*args):
        app = App(config_path=workdir / "magcore.toml", host=host)
        return CliRunner().invoke(cli, list(args), obj=app, catch_exceptions=False)

    assert run("init", "--cycle", "example-yearly").exit_code == 0
    (workdir / "people.csv").write_text(ORG_CSV, encoding="utf-8")
    assert run("import-org", "people.csv").exit_code == 0
    clean = run("plugins")
    assert clean.exit_code == 0, clean.output
    assert clean.stderr == ""
    assert run("dispatch", "--once", "--attempts", "2", "--backoff", "0.001").exit_code == 1
    shown = run("plugins")
    assert shown.exit_code == 1
    assert "Dead letters" in shown.stdout
    assert shown.stderr == (
        "problem: plugin 'hr-link' could not take 1 batch (dead letters): fix it, then run "
        "'magcore dispatch --retry-dead'\n"
    )
    listed = run("plugins", "--json")
    assert listed.exit_code == 1
    report = json.loads(listed.stdout)
    assert len(report["dead_letters"]) == 1
    assert report["faults"] == []  # the plugin loaded; its deliveries failed
    assert report["problems"] == [shown.stderr.removeprefix("problem: ").strip()]
    Down.up = True
    assert run("dispatch", "--retry-dead").exit_code == 0
    assert run("plugins").exit_code == 0
    assert data(run("plugins", "--json"))["problems"] == []


def test_plugins_without_a_store_is_fine_but_a_configured_store_that_fails_is_a_problem(
    workdir, host
):
    """No settings file: no store to check, the listing exits with 0. A settings file whose
    store does not open is a problem (before, the dead letters were silently not checked)."""

    def run(*args):
        app = App(config_path=workdir / "magcore.toml", host=host)
        return CliRunner().invoke(cli, list(args), obj=app, catch_exceptions=False)

    fine = run("plugins")
    assert fine.exit_code == 0, fine.output
    assert fine.stderr == ""
    (workdir / "magcore.toml").write_text(
        'store = "sqlite:///gone/magcore.db"\ncycle = "example-yearly@1"\n', encoding="utf-8"
    )
    broken = run("plugins")
    assert broken.exit_code == 1
    assert broken.stderr.startswith("problem: cannot read the dead letters: ")
    assert "hr-link" in broken.stdout  # the plugins are listed all the same
