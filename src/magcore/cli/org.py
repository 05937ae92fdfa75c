"""``magcore import-org``: people, teams and managers from an HR system's CSV export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ._common import ID, TEXT, get_app, json_option
from ._output import emit_json, say
from .orgcsv import OrgCsvError, read_organisation_csv

__all__ = ["import_org"]


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

    Needed columns: person_id, team_id, role (member, manager or coach) and start
    (YYYY-MM-DD). Optional: end, team_name, department, parent_team_id, self_steering,
    hired_on, left_on. Each import replaces the organisation as a whole; if any row is wrong,
    every bad line is named (up to 50) and nothing is imported.
    """
    from ..errors import NotFoundError

    app = get_app()
    org_id = app.config.organisation
    try:
        org = read_organisation_csv(csv_file, org_id=org_id, name=name)
    except OrgCsvError as exc:
        if len(exc.problems) > 5:  # the error line shows five: list every one first
            for problem in exc.problems:
                click.echo(f"{problem.pointer}: {problem.message}", err=True)
        raise
    service = app.service()
    try:
        earlier = set(service.organisation(org_id).people)
    except NotFoundError:
        earlier = set()
    service.import_organisation(org, actor=actor)
    gone = sorted(earlier - set(org.people))
    managers = {a.person for a in org.assignments if a.role.value == "manager"}
    result: dict[str, Any] = {
        "organisation": org.id,
        "people": len(org.people),
        "teams": len(org.teams),
        "managers": len(managers),
        "self_steering_teams": sum(1 for t in org.teams.values() if t.self_steering),
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
    if gone:
        shown = ", ".join(gone[:10]) + (f" (+{len(gone) - 10} more)" if len(gone) > 10 else "")
        say(
            f"This import replaces the previous one: {_count(len(gone), 'person', 'people')} "
            f"from it {'is' if len(gone) == 1 else 'are'} not in {csv_file.name}: {shown}."
        )


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"
