"""``magcore new-plugin NAME``: scaffold a municipality plugin with passing tests."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import get_app, json_option
from ._output import emit_json, say

__all__ = ["new_plugin"]


@click.command("new-plugin")
@click.argument("name")
@click.option(
    "--dir",
    "parent",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Where to create the magcore-NAME folder.",
)
@json_option
def new_plugin(name: str, parent: Path, as_json: bool) -> None:
    """Create magcore-NAME/: a plugin with its entry point, a cycle, a theme and tests.

    The tests pass as generated; change cycle.json to your municipality's choices and run
    them again. A NAME whose cycle id (NAME with _ for -) is installed already is refused.
    """
    from ..scaffold import create_plugin

    # The cycles installed now, each with its plugin: a new plugin may not reuse a cycle id.
    installed = {c.id: p for p, c in get_app().host.hooks.cycles().items}
    target = create_plugin(name, parent, installed=installed)
    created = sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file())
    if as_json:
        emit_json({"path": str(target.resolve()), "files": created})
        return
    say(f"Created {target}:")
    for path in created:
        say(f"  {path}")
    say(f"Next: pip install -e {target} && pytest {target}")
