"""``magcore policy render``: the cycle as a plain-language regulation for the works council."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import get_app, json_option
from ._output import emit_json, say

__all__ = ["policy", "render"]


@click.group()
def policy() -> None:
    """The cycle as a regulation (regeling) the works council consents to."""


@policy.command()
@click.option("--language", type=click.Choice(["nl", "en"]), default="nl", show_default=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "html"]),
    default="markdown",
    show_default=True,
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Write to this file instead of the screen.",
)
@click.option("--cycle", default=None, help="Another installed cycle than the configured one.")
@json_option
def render(language: str, fmt: str, out: Path | None, cycle: str | None, as_json: bool) -> None:
    """Render the regulation: kinds and cadence, what is recorded, who sees what, retention,
    that no score is possible, and what researchers get, with its policy hash.

    The works council consents to this hash; any change to the cycle, its forms, the legal
    bases or retention gives a new hash.
    """
    from ..access.regulation import render_regulation
    from . import _registry

    app = get_app()
    host = app.host
    definitions = {d.key: d for d in host.hooks.cycles()}
    key = cycle or app.cycle_key()
    definition = definitions.get(key) or next(
        (d for d in sorted(definitions.values(), key=lambda d: -d.version) if d.id == key), None
    )
    if definition is None:
        from ..errors import NotFoundError

        raise NotFoundError(f"unknown cycle {key!r} (installed: {', '.join(sorted(definitions))})")
    rendered = render_regulation(
        definition,
        language=language,
        format=fmt,
        forms=_registry.cycle_forms(definition, _registry.forms(host)),
        legal_bases=_registry.legal_bases(host),
        profiles=_registry.retention_profiles(host),
        observers=host.hooks.content_needs().by_plugin(),
    )
    if out is not None:
        out.write_text(rendered.text, encoding="utf-8")
    if as_json:
        emit_json(
            {
                "cycle": definition.key,
                "language": language,
                "format": fmt,
                "hash": rendered.hash,
                "file": str(out) if out else None,
                "text": None if out else rendered.text,
            }
        )
    elif out is not None:
        say(f"Wrote {out} (policy hash {rendered.hash}).")
    else:
        click.echo(rendered.text)
