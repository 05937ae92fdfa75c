"""Every plugin fault is a PluginError naming the plugin and the hook: a raise, and a return of
the wrong type from any hook; contribution faults show in ``magcore plugins --json``."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from magcore import PluginError, StorageError, get_plugin_manager, hookimpl
from magcore.cli import cli
from magcore.cli._app import App
from magcore.events import CommittedBatch


def host_with(**plugins):
    return get_plugin_manager(load_entry_points=False, extra=list(plugins.items()))


class Notifier:
    def __init__(self, answer):
        self.answer = answer

    @hookimpl
    def magcore_send_notification(self, notification):
        return self.answer


class Observer:
    @hookimpl
    def magcore_events_committed(self, batch):
        return "seen"


class ReturnsCycles:
    @hookimpl
    def magcore_register_cycles(self, register):
        return [{"id": "returned-not-registered"}]


class RaisingForms:
    @hookimpl
    def magcore_register_forms(self, register):
        raise RuntimeError("forms folder missing")


class FailingStore:
    @hookimpl
    def magcore_open_store(self, url, settings):
        if url.startswith("vendor://"):
            raise ConnectionError("no route to host")
        return None


class ReturnsCommands:
    @hookimpl
    def magcore_register_commands(self, cli):
        return ["not-a-command"]


def test_a_notifier_returning_the_wrong_type_is_a_named_fault_not_dropped():
    """An int from a notifier is a PluginError; a good notifier's reference is still returned."""
    host = host_with(**{"magcore-good": Notifier("msg-1"), "magcore-odd": Notifier(42)})
    sent, failures = host.hooks.send_notification(object())
    assert sent == ["msg-1"]
    (failure,) = failures
    assert (failure.distribution, failure.hook) == ("magcore-odd", "magcore_send_notification")
    assert "returned int" in failure.reason


def test_a_notifier_returning_none_is_fine():
    """None means 'nothing to report' and is no fault."""
    sent, failures = host_with(quiet=Notifier(None)).hooks.send_notification(object())
    assert (sent, failures) == ([], [])


def test_an_observer_returning_something_is_a_named_fault():
    """Observers return None; anything else is reported, naming plugin and hook."""
    failures = host_with(chatty=Observer()).hooks.events_committed(CommittedBatch((), 0))
    assert [(f.distribution, f.hook) for f in failures] == [("chatty", "magcore_events_committed")]


def test_a_register_hook_that_returns_its_items_is_a_named_fault():
    """Returning the items instead of calling register() is reported, and nothing is taken."""
    cycles = host_with(lazy=ReturnsCycles()).hooks.cycles()
    assert len(cycles) == 0
    (problem,) = cycles.problems
    assert (problem.distribution, problem.hook) == ("lazy", "magcore_register_cycles")
    assert "register(item)" in problem.reason


def test_a_failing_open_store_names_plugin_and_hook():
    """A crash inside magcore_open_store is a PluginError (and a StorageError) naming both."""
    host = host_with(**{"magcore-vendor": FailingStore()})
    with pytest.raises(PluginError) as caught:
        host.hooks.open_store("vendor://db")
    assert (caught.value.distribution, caught.value.hook) == (
        "magcore-vendor",
        "magcore_open_store",
    )
    assert isinstance(caught.value, StorageError)
    assert "ConnectionError: no route to host" in str(caught.value)


def test_a_commands_hook_returning_something_is_a_named_fault():
    """magcore_register_commands returns None; a list is reported."""
    import click

    (failure,) = host_with(odd=ReturnsCommands()).hooks.register_commands(click.Group())
    assert (failure.distribution, failure.hook) == ("odd", "magcore_register_commands")


def test_plugins_json_shows_contribution_faults(tmp_path):
    """A forms hook that raises appears in `magcore plugins --json`, naming plugin and hook."""
    host = host_with(**{"magcore-broken-forms": RaisingForms(), "lazy": ReturnsCycles()})
    app = App(config_path=tmp_path / "magcore.toml", host=host)
    result = CliRunner().invoke(cli, ["plugins", "--json"], obj=app, catch_exceptions=False)
    assert result.exit_code == 1  # a fault is not a success, for a script or a CI job either
    report = json.loads(result.stdout)
    faults = {(f["plugin"], f["hook"]) for f in report["faults"]}
    assert faults == {
        ("magcore-broken-forms", "magcore_register_forms"),
        ("lazy", "magcore_register_cycles"),
    }
    assert any("forms folder missing" in p for p in report["problems"])


def test_plugins_exits_1_on_a_fault_and_0_without(tmp_path):
    """`magcore plugins` lists a fault on standard error and exits with status 1; with every
    plugin working it exits with 0."""
    broken = App(config_path=tmp_path / "magcore.toml", host=host_with(lazy=ReturnsCycles()))
    result = CliRunner().invoke(cli, ["plugins"], obj=broken, catch_exceptions=False)
    assert result.exit_code == 1
    assert "problem: plugin 'lazy' failed in hook magcore_register_cycles" in result.stderr
    fine = App(config_path=tmp_path / "magcore.toml", host=host_with(quiet=Notifier(None)))
    assert CliRunner().invoke(cli, ["plugins"], obj=fine, catch_exceptions=False).exit_code == 0


def _cycle(name: str) -> dict:
    return {
        "id": "same",
        "version": 1,
        "name": {"nl": name, "en": name},
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


class SameCycle:
    def __init__(self, name: str) -> None:
        self.name = name

    @hookimpl
    def magcore_register_cycles(self, register):
        register(_cycle(self.name))


def test_two_plugins_registering_one_id_and_version_is_a_fault_naming_both(tmp_path):
    """Two plugins that register the same id@version: a fault naming both plugins for each,
    neither definition is used, and the service does not quietly pick one."""
    from magcore import NotFoundError, open_service

    host = host_with(**{"magcore-one": SameCycle("One"), "magcore-two": SameCycle("Two")})
    cycles = host.hooks.cycles()
    assert [c.key for c in cycles] == []
    assert {"magcore-one", "magcore-two"} == {p.distribution for p in cycles.problems}
    for problem in cycles.problems:
        assert problem.hook == "magcore_register_cycles"
        assert "cycle 'same@1' is registered 2 times by 'magcore-one' and 'magcore-two'" in str(
            problem
        )
    service = open_service("memory://", host=host, dispatch="off")
    assert len(service.plugin_failures) == 2
    with pytest.raises(NotFoundError):
        service.cycle("same")
    app = App(config_path=tmp_path / "magcore.toml", host=host)
    result = CliRunner().invoke(cli, ["plugins", "--json"], obj=app, catch_exceptions=False)
    assert result.exit_code == 1
    faults = json.loads(result.stdout)["faults"]
    assert {"magcore-one", "magcore-two"} == {f["plugin"] for f in faults}
