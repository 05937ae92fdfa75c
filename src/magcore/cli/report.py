"""``magcore report``: participation per team, department and organisation, never content.

Counts are published per calendar month, quarter or year only. A cell about fewer people than
the regulation's minimum group size is suppressed, and so are the cells that would let someone
work it out from the others; the decision is kept in the store, so every later report hides
the same cells (see :mod:`magcore.access.statistics`). Every report leaves an audit line.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import click

from ._common import ID, MIN_GROUP, get_app, json_option, operator, period_of
from ._output import DATE, emit_json, print_table, spreadsheet_cell

__all__ = ["report"]


@click.command()
@click.option(
    "--from", "start", type=DATE, help="First day: the first of a month, quarter or year."
)
@click.option(
    "--to", "end", type=DATE, help="Day after the last (default: a year later; at most 50 years)."
)
@click.option(
    "--grain",
    type=click.Choice(["month", "quarter", "year"]),
    default="quarter",
    show_default=True,
    help="Count per calendar month, quarter or year.",
)
@click.option(
    "--min-group",
    "k",
    type=MIN_GROUP,
    default=None,
    help="The minimum group size: the regulation's (5) or higher, never lower.",
)
@click.option(
    "--level",
    type=click.Choice(["all", "team", "department", "organisation"]),
    default="all",
    show_default=True,
    help="Which units to show.",
)
@click.option(
    "--as", "asker", type=ID, default=None, metavar="PERSON", help="Who asks (for the audit log)."
)
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV instead of a table.")
@json_option
def report(
    start: date | None,
    end: date | None,
    grain: str,
    k: int | None,
    level: str,
    asker: str | None,
    as_csv: bool,
    as_json: bool,
) -> None:
    """Participation: conversations held and agreements made, per calendar period and unit.

    Only counts; never what was said. A group smaller than the minimum group size is shown as
    'suppressed', and so is any cell from which a suppressed one could be worked out.
    """
    from ..access.statistics import MinimumGroupError
    from ..access.statistics_audit import SolverMissing, solver_available
    from ..access.statistics_report import LEVELS, participation_report

    if not solver_available():
        raise click.ClickException(str(SolverMissing()))
    app = get_app()
    now = app.clock().now()
    start, end = period_of(start, end, today=now.date())
    service = app.service()
    org = service.organisation(app.config.organisation)
    try:
        result = participation_report(
            service.store,
            org,
            start=start,
            end=end,
            grain=grain,
            k=k,
            asker=asker or operator(),
            at=now,
            origin=operator(),
            levels=LEVELS if level == "all" else (level,),
        )
    except MinimumGroupError as exc:
        raise click.BadParameter(str(exc), param_hint="--min-group") from None
    rows = result.rows()
    if as_json:
        emit_json(
            {
                "from": start,
                "to": end,
                "grain": result.grain,
                "k": result.k,
                "periods": result.periods,
                "cells": rows,
            }
        )
        return
    columns = ["level", "unit", "name", "period", "conversations", "agreements", "suppressed"]
    if as_csv:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: spreadsheet_cell(row[c]) for c in columns})
        click.echo(out.getvalue(), nl=False)
        return
    print_table(
        f"Participation {start} to {end} per {result.grain} "
        f"(groups under {result.k} people are not shown)",
        ["level", "unit", "period", "conversations", "agreements"],
        [
            (
                row["level"],
                row["name"],
                row["period"],
                "suppressed" if row["suppressed"] else row["conversations"],
                "suppressed" if row["suppressed"] else row["agreements"],
            )
            for row in rows
        ],
    )
