"""``magcore audit verify``: check that nobody changed, removed or cut off audit log lines."""

from __future__ import annotations

import click

from ._common import get_app, json_option
from ._output import emit_json, say

__all__ = ["audit", "verify"]


@click.group()
def audit() -> None:
    """Check the audit log."""


@audit.command()
@json_option
def verify(as_json: bool) -> None:
    """Check the hash chain of the audit log from its first line to its last.

    Exits with status 1 and names the first broken line if a line was changed, removed,
    reordered, or cut off at the end.
    """
    from ..access.audit import verify_store

    service = get_app().service()
    result = verify_store(service.store)
    if as_json:
        emit_json(
            {
                "ok": result.ok,
                "entries": result.entries,
                "problem": (
                    {"seq": result.problem.seq, "reason": result.problem.reason}
                    if result.problem
                    else None
                ),
            }
        )
    elif result.ok:
        say(f"The audit log is intact: {result.entries} lines checked.")
    if not result.ok:
        assert result.problem is not None
        click.echo(
            f"error: the audit log is broken at line {result.problem.seq}: {result.problem.reason}",
            err=True,
        )
        click.get_current_context().exit(1)
