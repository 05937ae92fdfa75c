"""``magcore policy render`` renders no regulation for a cycle with a fault, and says why."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from magcore import hookimpl
from magcore.cli import cli
from magcore.cli._app import App
from magcore.plugins import get_plugin_manager

from .conftest import CYCLES


def _town_cycle() -> dict:
    """The example employee–manager cycle as ``town@1``, its kind naming a preparation form."""
    cycle = json.loads((CYCLES / "employee-manager.json").read_text(encoding="utf-8"))
    kinds = [{**cycle["kinds"][0], "preparation_form": "town-preparation"}, *cycle["kinds"][1:]]
    return {**cycle, "id": "town", "version": 1, "kinds": kinds}


class TownWithARefusedForm:
    @hookimpl
    def magcore_register_cycles(self, register):
        register(_town_cycle())

    @hookimpl
    def magcore_register_forms(self, register):
        raise ValueError("'text' is not a JSON Schema type at /schema/properties/hulp/type")


class TownWithARefusedCycle:
    @hookimpl
    def magcore_register_cycles(self, register):
        cycle = _town_cycle()
        del cycle["kinds"][0]["name"]
        register(cycle)


def _render(tmp_path: Path, plugin, *args: str):
    host = get_plugin_manager(load_entry_points=False, extra=[("magcore-town", plugin)])
    app = App(config_path=tmp_path / "magcore.toml", host=host)
    command = ["policy", "render", "--cycle", "town@1", *args]
    return CliRunner().invoke(cli, command, obj=app, catch_exceptions=False)


def test_a_cycle_whose_form_was_refused_is_not_rendered(tmp_path):
    """The form the cycle uses was refused: render fails naming the fault and the missing
    form, and writes no file (no regulation without the form's fields, no hash to approve)."""
    out = tmp_path / "regeling.md"
    result = _render(tmp_path, TownWithARefusedForm(), "--out", str(out))
    assert result.exit_code == 1
    assert not out.exists()
    assert "Wrote" not in result.output
    error = result.stderr
    assert "cycle town@1 has 2 fault(s), so its regulation is not rendered" in error
    assert "plugin 'magcore-town' failed in hook magcore_register_forms" in error
    assert "'text' is not a JSON Schema type" in error
    assert "names 'town-preparation' as its preparation form, and no plugin registers" in error
    assert error.count("\n") == 1  # one line, as every error


def test_a_refused_cycle_is_named_as_refused_with_its_fault(tmp_path):
    """A cycle refused entirely is not just an unknown cycle: the error says it was refused
    and why."""
    result = _render(tmp_path, TownWithARefusedCycle())
    assert result.exit_code == 1
    assert "cycle 'town@1' was refused" in result.stderr
    assert "required field is missing at /kinds/0/name" in result.stderr


def test_a_cycle_without_faults_is_rendered(tmp_path):
    """Without a fault the regulation is written with its hash, as before."""

    class Town:
        @hookimpl
        def magcore_register_cycles(self, register):
            cycle = _town_cycle()
            register({**cycle, "kinds": [{**cycle["kinds"][0], "preparation_form": None}]})

    out = tmp_path / "regeling.md"
    result = _render(tmp_path, Town(), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.exists()
    assert "policy hash" in result.output


class TownWithAMisspeltForm:
    @hookimpl
    def magcore_register_cycles(self, register):
        cycle = _town_cycle()
        cycle["kinds"][0]["preparation_form"] = "town-preparatoin"
        register(cycle)


def test_magcore_plugins_names_a_form_a_cycle_names_and_no_plugin_registers(tmp_path):
    """A typo in a cycle's form id is a fault ``magcore plugins`` lists (and exits 1), blamed
    on the cycle that names the form, with the forms there are: before, only ``policy
    render`` found it, and said ``magcore plugins`` would list it."""
    host = get_plugin_manager(
        load_entry_points=False, extra=[("magcore-town", TownWithAMisspeltForm())]
    )
    app = App(config_path=tmp_path / "magcore.toml", host=host)
    result = CliRunner().invoke(cli, ["plugins", "--json"], obj=app, catch_exceptions=False)
    assert result.exit_code == 1
    faults = json.loads(result.stdout)["faults"]
    [fault] = [f for f in faults if "town-preparatoin" in f["reason"]]
    assert (fault["plugin"], fault["hook"]) == ("magcore-town", "magcore_register_cycles")
    assert "(forms: " in fault["reason"]  # the forms there are, to spot the typo
