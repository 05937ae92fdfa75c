"""What a plugin's command gets from ``magcore``: the configured service, organisation and cycle.

A plugin adds a command with the ``magcore_register_commands`` hook. To reach the store the
user configured (``magcore.toml``, ``--config``, ``--store``, ``MAGCORE_NOW``), decorate the
command with :func:`pass_magcore`: it receives a :class:`CommandContext` as its first argument.
The service it hands out is closed when the command ends::

    import click
    from magcore import hookimpl
    from magcore.cli.context import CommandContext, pass_magcore


    @hookimpl
    def magcore_register_commands(cli):
        @cli.command("people")
        @pass_magcore
        def people(magcore: CommandContext):
            \"\"\"How many people the organisation has.\"\"\"
            org = magcore.service().organisation(magcore.organisation_id)
            magcore.echo(f"{len(org.people)} people")

Errors a command raises as :class:`~magcore.errors.MagcoreError` are shown as one line, as for
the built-in commands; :meth:`CommandContext.emit_json` prints ``--json`` output the same way.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

import click

from ._app import App, _clock_from_env

if TYPE_CHECKING:
    from ..app.service import Service
    from ..clock import Clock
    from ..model.cycle import CycleDefinition
    from ..plugins import PluginHost

__all__ = ["CommandContext", "current", "fixed_clock", "pass_magcore"]

P = ParamSpec("P")
R = TypeVar("R")


class CommandContext:
    """The running ``magcore`` command's settings and service, for a plugin's command."""

    def __init__(self, app: App) -> None:
        self._app = app

    def service(self, *, create: bool = False) -> Service:
        """A :class:`~magcore.app.service.Service` over the configured store, with the installed
        plugins and the command's clock; closed when the command ends."""
        return self._app.service(create=create)

    @property
    def host(self) -> PluginHost:
        """The installed plugins."""
        return self._app.host

    @property
    def organisation_id(self) -> str:
        """The organisation the settings file names (``organisation = ...``)."""
        return self._app.config.organisation

    def cycle(self) -> CycleDefinition:
        """The cycle the settings file names (``cycle = ...``)."""
        return self.service().cycle(self._app.cycle_key())

    def now(self) -> datetime:
        """The current time by the command's clock (``MAGCORE_NOW`` when set)."""
        return self._app.clock().now()

    def clock(self) -> Clock:
        """The command's clock: fixed at ``MAGCORE_NOW`` when set, else the system clock (a
        command that opens services of its own, such as ``magcore serve``, gives them this)."""
        return self._app.clock()

    @staticmethod
    def echo(text: str) -> None:
        """Print one line for people."""
        click.echo(text)

    @staticmethod
    def emit_json(value: Any) -> None:
        """Print *value* as JSON (dates as ISO strings, attrs values as objects)."""
        from ._output import emit_json

        emit_json(value)


def fixed_clock() -> Clock | None:
    """The fixed clock ``MAGCORE_NOW`` sets (training sessions, tests), or ``None`` when it is
    not set. A value that is no ISO date-time with a time zone, or a day outside the input
    policy's range, is a :class:`~magcore.errors.ConfigError` naming ``MAGCORE_NOW``. Outside a
    command too (a web worker process reads it this way)."""
    return _clock_from_env()


def current() -> CommandContext:
    """The context of the ``magcore`` command that is running (inside a command only)."""
    return CommandContext(click.get_current_context().find_root().ensure_object(App))


def pass_magcore(function: Callable[Concatenate[CommandContext, P], R]) -> Callable[P, R]:
    """Decorate a click command so that it receives a :class:`CommandContext` first."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        return function(current(), *args, **kwargs)

    return wrapper
