"""``magcore plugins``: what is installed, which version, which hooks."""

from __future__ import annotations

from typing import Any

import click

from ._common import get_app, json_option
from ._output import emit_json, print_table, say

__all__ = ["plugins"]


@click.command()
@click.option("--all", "include_builtin", is_flag=True, help="Include magcore's built-in plugins.")
@json_option
def plugins(include_builtin: bool, as_json: bool) -> None:
    """List installed plugins, their versions, the hooks they implement and the commands they add.

    Plugins that failed to load, and contributions a plugin could not make (a form that fails its
    check, a hook that raised or returned the wrong type), are listed as problems naming the
    plugin and the hook; the rest keep working. Exits with status 1 when there is a problem.
    """
    host = get_app().host
    infos = host.plugins(include_builtin=include_builtin)
    ctx = click.get_current_context().find_root()
    group = ctx.command
    commands = group.plugin_commands(ctx) if hasattr(group, "plugin_commands") else []
    faults = [*host.load_problems, *host.hooks.problems()]
    problems = list(dict.fromkeys([str(p) for p in faults]))
    for line in getattr(group, "plugin_problems", []):  # command registration, once loaded
        if line not in problems:
            problems.append(line)
    dead = _dead_letters()
    if as_json:
        emit_json(
            {
                "plugins": [
                    {
                        "name": info.name,
                        "version": info.version,
                        "hooks": list(info.hooks),
                        "builtin": info.builtin,
                    }
                    for info in infos
                ],
                "commands": commands,
                "problems": problems,
                "faults": [
                    {"plugin": f.distribution, "hook": f.hook, "reason": f.reason} for f in faults
                ],
                "dead_letters": [
                    {"plugin": d.consumer, "batch": d.seq, "attempts": d.attempts, "error": d.error}
                    for d in dead
                ],
            }
        )
        _fail_on(problems)
        return
    if not infos:
        say("No plugins installed. Install one, for example: pip install magcore-amsterdam")
    else:
        print_table(
            "Plugins",
            ["name", "version", "hooks"],
            [(info.name, info.version or "built in", ", ".join(info.hooks)) for info in infos],
        )
    if commands:
        say(f"Commands added by plugins: {', '.join(commands)}")
    for problem in problems:
        click.echo(f"problem: {problem}", err=True)
    if dead:
        print_table(
            "Dead letters (batches a plugin could not take)",
            ["plugin", "batch", "attempts", "error"],
            [(d.consumer, str(d.seq), str(d.attempts), d.error) for d in dead],
        )
    _fail_on(problems)


def _fail_on(problems: list[str]) -> None:
    """Exit with status 1 when a plugin has a problem, so a script or CI job notices it."""
    if problems:
        click.get_current_context().exit(1)


def _dead_letters() -> list[Any]:
    """The store's dead letters, if a store is configured and opens (else none)."""
    from ..errors import MagcoreError

    try:
        service = get_app().service()
    except MagcoreError:
        return []
    return list(service.store.dead_letters())
