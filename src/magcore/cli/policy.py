"""``magcore policy render``: the cycle as a plain-language regulation for the works council."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from ..errors import DefinitionError
from ..languages import LanguageSettings
from ._common import TEXT, actor_option, get_app, json_option, language_option
from ._output import DATE, emit_json, say

__all__ = ["approve", "policy", "render"]


@click.group()
def policy() -> None:
    """The cycle as a regulation (regeling) the works council consents to."""


@policy.command()
@language_option(default=None)
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
def render(
    language: str | None, fmt: str, out: Path | None, cycle: str | None, as_json: bool
) -> None:
    """Render the regulation: kinds and cadence, what is recorded, who sees what, retention,
    that no score is possible, and what researchers get, with its policy hash.

    The works council consents to this hash; any change to the cycle, its forms, the legal
    bases or retention gives a new hash. A cycle with a fault (a form of its plugin that was
    refused, a form it names that is missing) is not rendered: the fault is named and nothing
    is written.
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

        refused = host.hooks.cycle_refusals(key)
        if refused:
            raise DefinitionError(
                f"cycle {key!r} was refused, so it has no regulation to render: "
                + "; ".join(str(p) for p in refused)
                + " (fix it; 'magcore plugins' lists every fault)"
            )
        raise NotFoundError(f"unknown cycle {key!r} (installed: {', '.join(sorted(definitions))})")
    faults = host.hooks.cycle_faults(definition)
    if faults:
        # A regulation without a refused form's fields would be consented to as if whole.
        raise DefinitionError(
            f"cycle {definition.key} has {len(faults)} fault(s), so its regulation is not "
            "rendered and nothing is written: "
            + "; ".join(str(p) for p in faults)
            + " (fix them; 'magcore plugins' lists every fault)"
        )
    settings = app.config.languages() if app.config_path.is_file() else LanguageSettings()
    language = language or settings.default
    catalogue = host.hooks.catalogues()[0].for_cycle(definition.key)
    rendered = render_regulation(
        definition,
        languages=settings,
        catalogue=catalogue,
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
                "language": rendered.language,
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


@policy.command()
@click.option(
    "--body",
    required=True,
    type=click.Choice(["works_council", "executive"]),
    help="Who approved: the works council (ondernemingsraad) or the executive (college).",
)
@click.option(
    "--reference", required=True, type=TEXT, help="The decision's reference (a letter number)."
)
@click.option(
    "--hash",
    "policy_hash",
    required=True,
    help="The policy hash of the regulation that was approved (magcore policy render shows it).",
)
@click.option(
    "--on", "on", type=DATE, default=None, help="The day of the decision (default: today)."
)
@click.option("--cycle", default=None, help="Another installed cycle than the configured one.")
@actor_option
@json_option
def approve(
    body: str,
    reference: str,
    policy_hash: str,
    on: date | None,
    cycle: str | None,
    actor: str,
    as_json: bool,
) -> None:
    """Record that a body approved this cycle version's regulation (WOR art. 27).

    Conversations can be requested under a version only once every body its regulation names
    has approved the current hash. The approval goes into the audit log.
    """
    app = get_app()
    service = app.service()
    definition = service.cycle(cycle or app.cycle_key())
    state = service.approve_policy(
        definition,
        body=body,
        reference=reference,
        on=on or app.clock().now().date(),
        actor=actor,
        policy_hash=policy_hash,
    )
    current = service.policy_hash(definition)
    approved = sorted(state.approved(definition.version, current))
    missing = [b for b in definition.approvals_required if b not in approved]
    if as_json:
        emit_json(
            {
                "cycle": definition.key,
                "hash": current,
                "approved_by": approved,
                "missing": missing,
                "active": not missing,
            }
        )
    elif missing:
        say(f"Approved by {body}. {definition.key} still needs: {', '.join(missing)}.")
    else:
        say(f"Approved by {body}. {definition.key} is active: conversations can be requested.")
