"""``magcore import-org`` and ``magcore org change``: the organisation from an HR system's CSV
export, and one change (someone joins, leaves, moves team; a team gets another manager)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..model.organisation import MAX_ABSENT_DAYS
from ._common import ID, TEXT, get_app, json_option
from ._output import DATE, emit_json, say
from .orgcsv import OrgCsvError, read_organisation_csv

__all__ = ["import_org", "org"]


@click.command("import-org")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--name", default="", type=TEXT, help="The organisation's name, e.g. 'Gemeente Voorbeeld'."
)
@click.option(
    "--as", "actor", default="hr", show_default=True, type=ID, metavar="ID", help="Who imports it."
)
@json_option
def import_org(csv_file: Path, name: str, actor: str, as_json: bool) -> None:
    """Import people, teams and managers from CSV_FILE (one row per role a person holds).

    Needed columns: person_id, team_id, role (member, manager, coach, or another role id
    such as hr_adviser that a party may need) and start (YYYY-MM-DD). Optional: end,
    team_name, department, parent_team_id, self_steering, hired_on, left_on. Each import is
    compared with the organisation as stored, and what changed is recorded as dated events
    (joined, left, moved team, manager changed...): the same file imported again records
    nothing. If any row is wrong, every bad line is named (up to 50) and nothing is imported.
    """
    app = get_app()
    org_id = app.config.organisation
    try:
        org = read_organisation_csv(csv_file, org_id=org_id, name=name)
    except OrgCsvError as exc:
        if len(exc.problems) > 5:  # the error line shows five: list every one first
            for problem in exc.problems:
                click.echo(f"{problem.pointer}: {problem.message}", err=True)
        raise
    summary = app.service().import_organisation_summary(org, actor=actor)
    counts = dict(summary.facts or summary.changes)
    gone = list(summary.removed)
    managers = org.manager_ids()
    result: dict[str, Any] = {
        "organisation": org.id,
        "people": len(org.people),
        "teams": len(org.teams),
        "managers": len(managers),
        "self_steering_teams": sum(1 for t in org.teams.values() if t.self_steering),
        "changes": dict(sorted(counts.items())),
        "not_in_this_file": gone,
    }
    if as_json:
        emit_json(result)
        return
    say(
        f"Imported {_count(result['people'], 'person', 'people')} in "
        f"{_count(result['teams'], 'team')} ({_count(result['managers'], 'manager')}, "
        f"{_count(result['self_steering_teams'], 'self-steering team')})."
    )
    if not summary.written:
        say("Nothing changed since the last import: nothing was recorded.")
    else:
        shown_counts = ", ".join(f"{kind} {n:,}" for kind, n in sorted(counts.items()))
        say(f"Recorded {_count(sum(counts.values()), 'change')}: {shown_counts}.")
        if summary.written != sum(counts.values()):
            say(f"(as {_count(summary.written, 'event')}: large imports are written in batches)")
    if gone:
        shown = ", ".join(gone[:10]) + (f" (+{len(gone) - 10} more)" if len(gone) > 10 else "")
        say(
            f"This import replaces the previous one: {_count(len(gone), 'person', 'people')} "
            f"from it {'is' if len(gone) == 1 else 'are'} not in {csv_file.name}: {shown}."
        )


@click.group()
def org() -> None:
    """Record one organisation change without a full import."""


_KINDS = ("join", "leave", "move", "manager", "returned")


@org.command("change")
@click.argument("kind", type=click.Choice(_KINDS))
@click.option("--person", type=ID, metavar="ID", help="Who joins, leaves or moves.")
@click.option("--team", type=ID, metavar="ID", help="The team joined, moved to or managed.")
@click.option(
    "--manager", type=ID, metavar="ID", help="The new manager (manager; leave out for nobody)."
)
@click.option("--on", "day", type=DATE, help="The effective day (default: today).")
@click.option("--role", type=click.Choice(["member", "coach"]), default="member", show_default=True)
@click.option("--email", default=None, type=TEXT, help="The work e-mail address (join).")
@click.option(
    "--absent-days",
    type=click.IntRange(min=1, max=MAX_ABSENT_DAYS),
    default=None,
    help="How many days the absence lasted (returned; never its reason).",
)
@click.option(
    "--as", "actor", default="hr", show_default=True, type=ID, metavar="ID", help="Who records it."
)
@json_option
def change(
    kind: str,
    person: str | None,
    team: str | None,
    manager: str | None,
    day: Any,
    role: str,
    email: str | None,
    absent_days: int | None,
    actor: str,
    as_json: bool,
) -> None:
    """Record one change: KIND is join (--person, --team), leave (--person), move (--person,
    --team), manager (--team, --manager) or returned (--person, --absent-days: back at work
    after a long absence).

    The day is the effective day: for leave the first day no longer employed, for returned the
    first day back. The change is
    recorded as the same dated event an import of it would record; an unknown person or team is
    refused with a message naming the option, and nothing is recorded.
    """
    from datetime import date as _date

    from ..domain.orgchanges import ChangeManager, Join, Leave, Move, ReturnToWork, SingleChange

    app = get_app()
    service = app.service()
    on = day or service.clock.now().astimezone(service.timezone).date()
    assert isinstance(on, _date)

    def need(value: str | None, option: str) -> str:
        if value is None:
            raise click.UsageError(f"{kind} needs --{option}")
        return value

    single: SingleChange
    if kind == "join":
        single = Join(
            person=need(person, "person"), team=need(team, "team"), on=on, role=role, email=email
        )
    elif kind == "leave":
        single = Leave(person=need(person, "person"), on=on)
    elif kind == "move":
        single = Move(person=need(person, "person"), team=need(team, "team"), on=on)
    elif kind == "returned":
        if absent_days is None:
            raise click.UsageError("returned needs --absent-days")
        single = ReturnToWork(person=need(person, "person"), on=on, absent_days=absent_days)
    else:
        single = ChangeManager(team=need(team, "team"), manager=manager, on=on)
    written = service.record_change(app.config.organisation, single, actor=actor)
    result = {
        "organisation": app.config.organisation,
        "events": [
            {"type": e.type, **{k: e.data[k] for k in _SHOWN if k in e.data}} for e in written
        ],
    }
    if as_json:
        emit_json(result)
        return
    if not written:
        say("Nothing changed: the organisation already says so.")
    for event in written:
        say(
            f"Recorded {event.type}: "
            + ", ".join(f"{k} {event.data[k]}" for k in _SHOWN if event.data.get(k) is not None)
            + "."
        )


_SHOWN = ("person", "team", "from_team", "manager", "previous", "on", "absent_days")


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"
