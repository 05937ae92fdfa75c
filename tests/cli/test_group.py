"""The ``magcore`` group: help, version, unknown commands, and commands added by plugins."""

from __future__ import annotations

import json
import subprocess
import sys

import click
from click.testing import CliRunner

from magcore import hookimpl
from magcore.cli import BUILTIN_COMMANDS, cli
from magcore.cli._app import App
from magcore.plugins import get_plugin_manager

from .conftest import cycle_plugin


class HelloPlugin:
    @hookimpl
    def magcore_register_commands(self, cli):
        @cli.command()
        def hello():
            """Say hello."""
            click.echo("hallo")


class BrokenPlugin:
    @hookimpl
    def magcore_register_commands(self, cli):
        raise RuntimeError("boom")


def _invoke(tmp_path, *args, plugins=()):
    host = get_plugin_manager(load_entry_points=False, extra=list(plugins))
    app = App(config_path=tmp_path / "magcore.toml", host=host)
    return CliRunner().invoke(cli, list(args), obj=app)


def test_help_lists_every_builtin_command(tmp_path):
    """--help lists each built-in command with its one-line help."""
    result = _invoke(tmp_path, "--help")
    assert result.exit_code == 0
    for name, (_, short) in BUILTIN_COMMANDS.items():
        assert f"  {name} " in result.stdout
        assert short.split()[0] in result.stdout


def test_help_does_not_import_commands_or_rich():
    """magcore --help imports no built-in command module, no rich, no simulation, and of the
    plugins only what registers their commands (to list them), never psycopg or Jinja2."""
    code = (
        "import sys; from magcore.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith(('magcore.cli.', 'rich', "
        "'magcore.simulate', 'psycopg', 'jinja2', 'magcore_postgres.store'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = json.loads(out.stdout.strip().splitlines()[-1].replace("'", '"'))
    assert set(loaded) <= {"magcore.cli._app", "magcore.cli.context", "magcore.cli._output"}


def test_help_lists_plugin_commands_apart(tmp_path):
    """Commands plugins add are listed under their own heading with their one-line help."""
    result = _invoke(tmp_path, "--help", plugins=[("magcore-hello", HelloPlugin())])
    assert result.exit_code == 0
    plugin_part = result.stdout.split("Plugin commands:", 1)[1]
    assert "hello" in plugin_part
    assert "Say hello." in plugin_part
    assert "hello" not in result.stdout.split("Plugin commands:", 1)[0]
    bare = _invoke(tmp_path, "--help")
    assert "None: no installed plugin adds a command." in bare.stdout


def test_a_plugin_command_reaches_the_configured_service(tmp_path, monkeypatch):
    """pass_magcore gives a plugin's command the service of the settings file."""
    from magcore.cli.context import CommandContext, pass_magcore

    class People:
        @hookimpl
        def magcore_register_commands(self, cli):
            @cli.command("people")
            @pass_magcore
            def people(magcore: CommandContext):
                """How many people the organisation has."""
                org = magcore.service().organisation(magcore.organisation_id)
                magcore.echo(f"{len(org.people)} people at {magcore.now():%Y-%m-%d}")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MAGCORE_NOW", "2025-03-10T09:00:00+00:00")
    plugins = [("test-cycles", cycle_plugin("employee-manager.json")), ("magcore-people", People())]
    assert _invoke(tmp_path, "init", plugins=plugins).exit_code == 0
    (tmp_path / "org.csv").write_text(
        "person_id,team_id,role,start\nm1,t1,manager,2024-01-01\ne1,t1,member,2024-01-01\n"
    )
    assert _invoke(tmp_path, "import-org", "org.csv", plugins=plugins).exit_code == 0
    result = _invoke(tmp_path, "people", plugins=plugins)
    assert result.exit_code == 0, result.output
    assert result.stdout == "2 people at 2025-03-10\n"


def test_version(tmp_path):
    """--version prints magcore's version."""
    assert "0.1.0" in _invoke(tmp_path, "--version").stdout


def test_unknown_command_is_one_line(tmp_path):
    """A typo is a one-line usage error with exit 2."""
    result = _invoke(tmp_path, "plna")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "No such command 'plna'" in result.stderr


def test_plugin_commands_run_and_are_listed(tmp_path):
    """A plugin's command runs; magcore plugins names it; a broken plugin is only a warning."""
    plugins = [("magcore-hello", HelloPlugin()), ("magcore-broken", BrokenPlugin())]
    result = _invoke(tmp_path, "hello", plugins=plugins)
    assert result.exit_code == 0
    assert result.stdout == "hallo\n"
    assert "warning: plugin 'magcore-broken' failed in hook magcore_register_commands" in (
        result.stderr
    )
    listed = json.loads(_invoke(tmp_path, "plugins", "--json", plugins=plugins).stdout)
    assert listed["commands"] == ["hello"]
    without = _invoke(tmp_path, "hello")
    assert without.exit_code == 2
