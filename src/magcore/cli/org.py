"""``magcore import-org``: people, teams and managers from an HR system's CSV export."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import get_app, json_option
from ._output import emit_json, say
from .orgcsv import read_organisation_csv

__all__ = ["import_org"]


@click.command("import-org")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", default="", help="The organisation's name, e.g. 'Gemeente Voorbeeld'.")
@click.option(
    "--as", "actor", default="hr", show_default=True, metavar="ID", help="Who imports it."
)
@json_option
def import_org(csv_file: Path, name: str, actor: str, as_json: bool) -> None:
    """Import people, teams and managers from CSV_FILE (one row per role a person holds).

    Needed columns: person_id, team_id, role (member, manager or coach) and start
    (YYYY-MM-DD). Optional: end, team_name, department, parent_team_id, self_steering,
    hired_on, left_on. Each import replaces the organisation as a whole; if any row is wrong,
    every bad line is named and nothing is imported.
    """
    app = get_app()
    org_id = app.config.organisation
    org = read_organisation_csv(csv_file, org_id=org_id, name=name)
    service = app.service()
    service.import_organisation(org, actor=actor)
    managers = {a.person for a in org.assignments if a.role.value == "manager"}
    result = {
        "organisation": org.id,
        "people": len(org.people),
        "teams": len(org.teams),
        "managers": len(managers),
        "self_steering_teams": sum(1 for t in org.teams.values() if t.self_steering),
    }
    if as_json:
        emit_json(result)
        return
    say(
        f"Imported {result['people']} people in {result['teams']} teams "
        f"({result['managers']} managers, {result['self_steering_teams']} self-steering teams)."
    )
