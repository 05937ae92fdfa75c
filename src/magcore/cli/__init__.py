"""The ``magcore`` command: thin over the library, one small module per command group.

Commands are imported only when they run (``magcore --help`` reads their one-line help from the
table below), rich only when something is shown, and plugins add their own commands through the
``magcore_register_commands`` hook. A user error (a :class:`~magcore.errors.MagcoreError`, a bad
option, a missing file) is printed as one line starting with ``error:`` and exits non-zero; a
traceback means a bug in magcore or a plugin.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from .. import __version__
from ..errors import MagcoreError
from ._app import DEFAULT_CONFIG, App

__all__ = ["BUILTIN_COMMANDS", "MagcoreGroup", "cli", "main"]

#: Built-in commands: name → (module:attribute, one-line help shown by ``magcore --help``).
BUILTIN_COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("magcore.cli.setup:init", "Create an embedded store and choose a cycle."),
    "import-org": ("magcore.cli.org:import_org", "Import people, teams and managers from CSV."),
    "org": ("magcore.cli.org:org", "Record one change: someone joins, leaves or moves team."),
    "plan": ("magcore.cli.planning:plan", "Show (and request) the conversations due in a period."),
    "due": ("magcore.cli.planning:due", "Who is due a conversation, per manager or team."),
    "schedule": ("magcore.cli.conversations:schedule", "Put a requested conversation on a date."),
    "prepare": ("magcore.cli.conversations:prepare", "Save (and publish) your preparation."),
    "record": ("magcore.cli.conversations:record", "Write the record of a held conversation."),
    "agree": ("magcore.cli.conversations:agree", "Confirm a conversation's record."),
    "dissent": ("magcore.cli.conversations:dissent", "Add a note of disagreement to a record."),
    "report": ("magcore.cli.report:report", "Participation figures with a minimum group size."),
    "measure": (
        "magcore.cli.measure:measure",
        "Anonymous team measurements: open, answer, compare.",
    ),
    "export": ("magcore.cli.export:export", "Export personal data, invitations or records."),
    "policy": ("magcore.cli.policy:policy", "The cycle as a regulation for the works council."),
    "privacy": (
        "magcore.cli.privacy:privacy",
        "Restrict, lift or erase a person's record (the privacy officer).",
    ),
    "audit": ("magcore.cli.audit:audit", "Check the audit log."),
    "store": ("magcore.cli.store:store", "Check, back up, restore, migrate or copy the store."),
    "plugins": ("magcore.cli.plugins:plugins", "List installed plugins and their hooks."),
    "dispatch": ("magcore.cli.dispatch:dispatch", "Deliver committed batches to observers."),
    "demo": ("magcore.cli.demo:demo", "Run a year of the MAG cycle on a generated organisation."),
    "new-plugin": (
        "magcore.cli.scaffold:new_plugin",
        "Create a municipality plugin to start from.",
    ),
}

#: Commands other parts of magcore provide when they are present.
OPTIONAL_COMMANDS: dict[str, tuple[str, str]] = {
    "simulate": ("magcore.simulate.cli:simulate_command", "Simulate cycles for research."),
}

#: Commands whose module cannot even load without an optional extra (see magcore.extras).
COMMAND_EXTRAS: dict[str, str] = {"simulate": "simulate"}


def _needs_extra(name: str, extra: str) -> click.Command:
    """A stand-in for command *name* while *extra* is missing: any use, even ``--help``, is one
    line naming the extra to install."""
    from ..extras import require

    def run() -> None:
        require(extra, feature=f"magcore {name}")

    return click.Command(
        name,
        callback=run,
        help=f"Needs the optional extra: pip install 'magcore[{extra}]'.",
        add_help_option=False,
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    )


def _available_optional() -> dict[str, tuple[str, str]]:
    """The optional commands whose module exists (checked on disk: importing costs time)."""
    package = Path(__file__).resolve().parent.parent
    found: dict[str, tuple[str, str]] = {}
    for name, (target, short) in OPTIONAL_COMMANDS.items():
        parts = target.partition(":")[0].split(".")[1:]
        if package.joinpath(*parts[:-1], parts[-1] + ".py").exists():
            found[name] = (target, short)
    return found


def _one_line(message: str) -> str:
    """*message* on one line, with each control, bidirectional or surrogate character it may
    quote (a field name someone sent) shown as its escape: a terminal shows it as it is."""
    from ..model._text_characters import FORBIDDEN  # on the error path only: start-up stays lean

    flat = " ".join(message.split())
    return FORBIDDEN.sub(lambda found: f"\\u{ord(found.group()):04x}", flat)


class MagcoreGroup(click.Group):
    """A click group that imports commands when used and shows user errors as one line."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lazy = {**BUILTIN_COMMANDS, **_available_optional()}
        self._plugins_loaded = False
        self._plugin_commands: set[str] = set()
        self.plugin_problems: list[str] = []

    def forget_plugin_commands(self) -> None:
        """Drop commands plugins added, so the next run asks the (possibly other) plugins again."""
        for name in self._plugin_commands:
            self.commands.pop(name, None)
        self._plugin_commands = set()
        self._plugins_loaded = False
        self.plugin_problems = []

    # -- lazy commands ---------------------------------------------------------------------

    def _load_plugin_commands(self, ctx: click.Context) -> None:
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        app = ctx.find_root().ensure_object(App)
        try:
            host = app.host
        except MagcoreError as exc:
            self.plugin_problems.append(str(exc))
            return
        before = set(self.commands)
        problems = [*host.load_problems, *host.hooks.register_commands(self)]
        self._plugin_commands = set(self.commands) - before
        for problem in problems:
            self.plugin_problems.append(str(problem))
            click.echo(f"warning: {_one_line(str(problem))}", err=True)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Built-in commands, and those plugins added once they were loaded."""
        return sorted({*self._lazy, *self.commands})

    def all_commands(self, ctx: click.Context) -> list[str]:
        """Every command, loading the plugins' commands first (slower than list_commands)."""
        self._load_plugin_commands(ctx)
        return self.list_commands(ctx)

    def plugin_commands(self, ctx: click.Context) -> list[str]:
        """The commands installed plugins added."""
        self._load_plugin_commands(ctx)
        return sorted(self._plugin_commands)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        # The extra first, every time: a command loaded before (by --help listing every
        # command, or an earlier run in the same process) still needs what it needed.
        extra = COMMAND_EXTRAS.get(cmd_name) if cmd_name in self._lazy else None
        if extra is not None:
            from ..extras import missing

            if missing(extra):
                return _needs_extra(cmd_name, extra)
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name in self._lazy:
            target = self._lazy[cmd_name][0]
            module_name, _, attribute = target.partition(":")
            command = getattr(importlib.import_module(module_name), attribute)
            if not isinstance(command, click.Command) and callable(command):
                command = command()  # a factory, e.g. magcore.simulate.cli.simulate_command
            if not isinstance(command, click.Command):
                raise TypeError(f"{target} is not a click command")
            self.commands[cmd_name] = command
            return command
        self._load_plugin_commands(ctx)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The built-in commands, then those the installed plugins add (their modules are
        imported for this; their forms and cycles are not)."""
        added = set(self.plugin_commands(ctx))
        rows: list[tuple[str, str]] = []
        plugin_rows: list[tuple[str, str]] = []
        for name in self.list_commands(ctx):
            if name in self._lazy and name not in self.commands:
                rows.append((name, self._lazy[name][1]))
                continue
            command = self.commands.get(name)
            if command is not None and not command.hidden:
                target = plugin_rows if name in added else rows
                target.append((name, command.get_short_help_str(limit=60)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
        with formatter.section("Plugin commands"):
            if plugin_rows:
                formatter.write_dl(plugin_rows)
            else:
                formatter.write_text("None: no installed plugin adds a command.")

    # -- errors ----------------------------------------------------------------------------

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the command; print user errors as one line on standard error with exit 1 or 2."""
        code: int
        self.forget_plugin_commands()
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.Abort:
            click.echo("error: aborted", err=True)
            code = 1
        except click.ClickException as exc:
            hint = ""
            if isinstance(exc, click.UsageError) and exc.ctx is not None:
                hint = f" (see '{exc.ctx.command_path} --help')"
            click.echo(f"error: {_one_line(exc.format_message())}{hint}", err=True)
            code = exc.exit_code
        except MagcoreError as exc:
            click.echo(f"error: {_one_line(str(exc))}", err=True)
            code = 1
        except ImportError as exc:  # a module of an optional extra no check caught up front
            from ..errors import ExtraMissingError
            from ..extras import extra_of

            needed = extra_of(exc.name)
            if needed is None:
                raise  # a bug in magcore or a plugin: the traceback says where
            missing = ExtraMissingError(needed, "this command", [exc.name or needed])
            click.echo(f"error: {_one_line(str(missing))}", err=True)
            code = 1
        except OSError as exc:  # a file that cannot be read or written
            click.echo(f"error: {_one_line(str(exc))}", err=True)
            code = 1
        else:
            code = result if isinstance(result, int) else 0
        if standalone_mode:
            sys.exit(code)
        return code


@click.group(cls=MagcoreGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=f"The settings file (default: ./{DEFAULT_CONFIG}, or $MAGCORE_CONFIG).",
)
@click.option(
    "--store",
    "store",
    default=None,
    metavar="URL",
    help=(
        "Use this store instead of the one in the settings file (without a settings file, "
        "the other settings keep their defaults)."
    ),
)
@click.version_option(version=__version__, prog_name="magcore")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, store: str | None) -> None:
    """magcore: scoring-free conversation cycles for municipalities.

    Start with 'magcore demo' to see a year of conversations on a generated organisation, or
    'magcore init' to set up your own.
    """
    if config_path is None:
        config_path = Path(os.environ.get("MAGCORE_CONFIG") or DEFAULT_CONFIG)
    app = ctx.ensure_object(App)
    app.config_path = config_path
    app.store_override = store
    ctx.call_on_close(app.close)


def _new_app() -> App:
    return App(config_path=Path(DEFAULT_CONFIG))


def main(argv: Sequence[str] | None = None) -> None:
    """The console script ``magcore``."""
    cli.main(args=argv, prog_name="magcore", obj=_new_app())
