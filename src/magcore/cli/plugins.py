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
    plugin and the hook; the rest keep working. So are batches an observing plugin could not
    take (dead letters), and a configured store that does not open. Exits with status 1 when
    there is a problem, 0 when there is none.
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
    dead, unread = _dead_letters()
    problems += unread + _dead_letter_problems(dead)
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


def _dead_letters() -> tuple[list[Any], list[str]]:
    """The store's dead letters, and the problem when a store is configured but does not open.

    Without a settings file (and no ``--store``) no store is configured: there is nothing to
    check, and that is no problem."""
    from ..errors import MagcoreError

    app = get_app()
    if not app.store_override and not app.config_path.exists():
        return [], []
    try:
        service = app.service()
        return list(service.store.dead_letters()), []
    except MagcoreError as exc:
        return [], [f"cannot read the dead letters: {exc}"]


def _dead_letter_problems(dead: list[Any]) -> list[str]:
    """One problem per plugin with dead letters, saying what to do about them."""
    counts: dict[str, int] = {}
    for letter in dead:
        counts[letter.consumer] = counts.get(letter.consumer, 0) + 1
    return [
        f"plugin {consumer!r} could not take {count} batch{'' if count == 1 else 'es'} "
        "(dead letters): fix it, then run 'magcore dispatch --retry-dead'"
        for consumer, count in sorted(counts.items())
    ]
