"""``magcore plugins``: what is installed, which version, which hooks."""

from __future__ import annotations

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
    plugin and the hook; the rest keep working.
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
            }
        )
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
