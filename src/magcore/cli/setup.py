"""``magcore init``: create the embedded store and choose the cycle to plan with."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ._app import DEFAULT_ORGANISATION, DEFAULT_STORE, Config, ConfigError, resolve_store_url
from ._common import ID, get_app, json_option
from ._output import emit_json, say

__all__ = ["init"]


@click.command()
@click.option(
    "--store",
    "store_url",
    default=DEFAULT_STORE,
    show_default=True,
    metavar="URL",
    help="Where to keep the data; a relative sqlite path is next to the settings file.",
)
@click.option(
    "--cycle",
    default=None,
    metavar="ID[@VERSION]",
    help="The cycle to plan with, from the installed plugins (asked for if several).",
)
@click.option(
    "--organisation",
    default=DEFAULT_ORGANISATION,
    show_default=True,
    type=ID,
    metavar="ID",
    help="The id under which the organisation is imported.",
)
@click.option("--force", is_flag=True, help="Overwrite an existing settings file.")
@json_option
def init(store_url: str, cycle: str | None, organisation: str, force: bool, as_json: bool) -> None:
    """Create an embedded store and a settings file (magcore.toml) next to it.

    The cycle comes from the installed plugins (for example magcore-amsterdam's MAG cycle);
    'magcore plugins' lists them. With several installed and no --cycle, you are asked which
    when standard input is a terminal; otherwise it is an error naming --cycle.
    """
    app = get_app()
    path = app.config_path
    if path.exists() and not force:
        raise ConfigError(f"{path} already exists: use --force to overwrite it")
    contributed = app.host.hooks.cycles()
    keys = sorted(definition.key for definition in contributed)
    if not keys:
        raise ConfigError(
            "no cycle is installed: install a municipality plugin (pip install magcore-amsterdam) "
            "or create one with 'magcore new-plugin NAME'"
        )
    if cycle is None:
        if len(keys) == 1:
            cycle = keys[0]
        elif _can_ask() and not as_json:
            cycle = click.prompt("Which cycle?", type=click.Choice(keys), default=keys[0])
        else:
            ids = ", ".join(sorted({key.split("@")[0] for key in keys}))
            why = "--json was given" if as_json else "standard input is not a terminal"
            raise ConfigError(
                f"several cycles are installed and nobody can be asked ({why}); choose one "
                f"with --cycle (e.g. --cycle {sorted(keys)[0].split('@')[0]}): {ids}"
            )
    by_id = {d.id: d.key for d in sorted(contributed, key=lambda d: d.version)}
    if cycle not in keys:
        if cycle not in by_id:
            raise ConfigError(f"unknown cycle {cycle!r}; installed: {', '.join(keys)}")
        cycle = by_id[cycle]
    config = Config(store=store_url, cycle=cycle, organisation=organisation)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Open (create and migrate) the store before writing the settings: a bad URL leaves nothing.
    app.store_override = None
    from ..storage.base import StoreSettings

    url = resolve_store_url(store_url, path.parent)
    store = app.host.hooks.open_store(url, StoreSettings(create=True))
    store.close()
    path.write_text(config.to_toml(), encoding="utf-8")
    result = {"config": str(Path(path).resolve()), "store": url, "cycle": cycle}
    if as_json:
        emit_json(result)
        return
    say(f"Created {result['config']}")
    say(f"  store: {url}")
    say(f"  cycle: {cycle}")
    say("Next: magcore import-org people.csv")


def _can_ask() -> bool:
    """Whether someone can answer a question: standard input is a terminal."""
    return sys.stdin.isatty()
