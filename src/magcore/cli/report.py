"""``magcore report``: participation per team, department and organisation, never content.

A cell about fewer people than the minimum group size is suppressed, and so are the cells that
would let someone work it out by subtraction (see :mod:`magcore.access.statistics`).
"""

from __future__ import annotations

import csv
import io
from datetime import date

import click

from ._common import get_app, json_option
from ._output import DATE, emit_json, print_table

__all__ = ["report"]


@click.command()
@click.option("--from", "start", type=DATE, help="First day (default: 1 January this year).")
@click.option("--to", "end", type=DATE, help="Day after the last (default: a year later).")
@click.option(
    "--min-group",
    "k",
    type=click.IntRange(1, 1000),
    default=None,
    help="The minimum group size (default 5); smaller groups are not shown.",
)
@click.option(
    "--level",
    type=click.Choice(["all", "team", "department", "organisation"]),
    default="all",
    show_default=True,
    help="Which rows to show.",
)
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV instead of a table.")
@json_option
def report(
    start: date | None,
    end: date | None,
    k: int | None,
    level: str,
    as_csv: bool,
    as_json: bool,
) -> None:
    """Participation: conversations held and agreements made, per quarter and unit.

    Only counts; never what was said. A group smaller than --min-group is shown as
    'suppressed', and so is any cell from which a suppressed one could be worked out.
    """
    from ..access.statistics import (
        DEFAULT_K,
        facts_from_store,
        organisation_units,
        participation_report,
    )

    app = get_app()
    today = app.clock().now().date()
    start = start or date(today.year, 1, 1)
    end = end or date(start.year + 1, start.month, min(start.day, 28))
    if end <= start:
        raise click.BadParameter(f"--to {end} must be after --from {start}", param_hint="--to")
    k = k or DEFAULT_K
    service = app.service()
    org = service.organisation(app.config.organisation)
    facts = facts_from_store(service.store, org, held_from=start, held_until=end)
    result = participation_report(facts, k=k, teams=organisation_units(org))
    rows = [row for row in result.rows() if level == "all" or row["level"] == level]
    if as_json:
        emit_json(
            {"from": start, "to": end, "k": result.k, "periods": result.periods, "cells": rows}
        )
        return
    columns = ["level", "unit", "period", "conversations", "agreements"]
    if as_csv:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=[*columns, "suppressed"], lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row[c] for c in [*columns, "suppressed"]})
        click.echo(out.getvalue(), nl=False)
        return
    print_table(
        f"Participation {start} to {end} (groups under {result.k} people are not shown)",
        columns,
        [
            (
                row["level"],
                row["unit"],
                row["period"],
                "suppressed" if row["suppressed"] else row["conversations"],
                "suppressed" if row["suppressed"] else row["agreements"],
            )
            for row in rows
        ],
    )
