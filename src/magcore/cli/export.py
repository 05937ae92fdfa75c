"""``magcore export``: a person's own data, calendar invitations, and records.

Every read of content goes through the access policy and is audited (:mod:`magcore.access.reading`);
invitations carry who, when and which kind of conversation, never content.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ._common import ID, get_app, json_option, known_person, language_option
from ._output import DATE, emit_json, say, spreadsheet_cell, to_jsonable, write_private

if TYPE_CHECKING:
    from ..access.reading import ReadPolicy
    from ..app.service import Service

__all__ = ["export", "ics", "person", "read_policy", "records"]

_OUT = click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Write to this file instead of the screen.",
)


#: The purpose recorded in the audit log when a participant exports their records.
RECORDS_EXPORT = "records_export"


def read_policy(service: Service, org_id: str, cycle_key: str) -> ReadPolicy:
    """The access policy's facts for reads from the command line: the organisation, the cycle's
    special-category themes and forms, and the legal bases the plugins declare."""
    from ..access.decision import Directory
    from ..access.reading import ReadPolicy
    from . import _registry

    host = service.host
    forms = [dict(form.json_schema()) for form in _registry.forms(host).values()]
    return ReadPolicy.for_cycle(
        service.cycle(cycle_key),
        forms=forms,
        directory=Directory.from_organisation(service.organisation(org_id)),
        legal_bases=_registry.legal_bases(host),
    )


def _write(text: str, out: Path | None, what: str, as_json: bool) -> None:
    if out is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    write_private(out, text)  # personal data in the clear: for the one who asked only
    if as_json:
        emit_json({"file": str(out), "what": what})
    else:
        say(f"Wrote {what} to {out}")


@click.group()
def export() -> None:
    """Export a person's own data, calendar invitations, or records."""


@export.command()
@click.argument("person_id", type=ID)
@click.option(
    "--as",
    "requester",
    default=None,
    type=ID,
    metavar="PERSON",
    help="Who asks: the person themselves (default) or the privacy officer.",
)
@click.option("--html", "as_html", is_flag=True, help="A readable HTML page instead of JSON.")
@language_option()
@_OUT
@json_option
def person(
    person_id: str,
    requester: str | None,
    as_html: bool,
    language: str,
    out: Path | None,
    as_json: bool,
) -> None:
    """Everything held about PERSON_ID (subject access, AVG art. 15).

    Includes what others wrote about them and the audit lines about their record. Only the
    person or the privacy officer may ask; the export itself is audited.
    """
    from ..access.subject_access_html import export_html

    app = get_app()
    service = app.service()
    org = service.organisation(app.config.organisation)
    org.person(person_id)
    # Through the gateway: each conversation under its own cycle's policy, audited.
    data = service.gateway.export(person_id, requester=requester or person_id, organisation=org)
    if as_html:
        text = export_html(data, language=language, forms=service.forms, cycles=service.cycles)
        if out is None and as_json:
            emit_json({"html": text})
            return
        _write(text, out, f"the data held about {person_id}", as_json)
        return
    if out is None:
        emit_json(data)
        return
    _write(json.dumps(data, indent=2, ensure_ascii=False), out, f"{person_id}'s data", as_json)


@export.command()
@click.option("--from", "start", type=DATE, help="Only conversations from this day.")
@click.option("--to", "end", type=DATE, help="Only conversations before this day.")
@click.option(
    "--person", "person_id", default=None, type=ID, help="Only conversations this person is in."
)
@click.option(
    "--cancelled",
    is_flag=True,
    help="The cancellations (METHOD:CANCEL) of planned conversations that were cancelled.",
)
@_OUT
@json_option
def ics(
    start: date | None,
    end: date | None,
    person_id: str | None,
    cancelled: bool,
    out: Path | None,
    as_json: bool,
) -> None:
    """Calendar invitations (.ics) for the planned conversations.

    Each is a meeting request (METHOD:REQUEST) from the person who planned it, to every
    participant (by e-mail address when the organisation import has an email column), with the
    place and the time in Europe/Amsterdam; a moved conversation has a higher SEQUENCE, so
    calendars update it. Never what it is about. Needs: pip install 'magcore[calendar]'.
    """
    from ..extras import require

    require("calendar", feature="magcore export ics")
    from ..app.invitations import calendar, invitations_for

    app = get_app()
    service = app.service()
    org_id = app.config.organisation
    known_person(service.organisation(org_id), person_id, "--person")
    found = invitations_for(
        service, org_id, person=person_id, start=start, end=end, cancelled=cancelled
    )
    text = calendar(found, method="CANCEL" if cancelled else "REQUEST").decode("utf-8")
    count = len(found)
    if out is None and as_json:
        emit_json({"invitations": count, "ics": text})
        return
    noun = "cancellation" if cancelled else "invitation"
    _write(text, out, f"{count} {noun}{'' if count == 1 else 's'}", as_json)


@export.command()
@click.option(
    "--as",
    "viewer",
    required=True,
    type=ID,
    metavar="PERSON",
    help="Whose view: the conversations this person takes part in, as they may see them.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True
)
@_OUT
@json_option
def records(viewer: str, fmt: str, out: Path | None, as_json: bool) -> None:
    """The records of the conversations PERSON takes part in, as JSON or CSV.

    Each read is decided by the access policy and audited; what PERSON may not see (another
    participant's private notes, an unpublished preparation) is left out.
    """
    app = get_app()
    service = app.service()
    known_person(service.organisation(app.config.organisation), viewer, "--as")
    # The guarded listing says which conversations; each is read through the gateway.
    listed = service.listing(viewer, purpose=RECORDS_EXPORT)
    views = [
        service.view(item.conversation, actor=viewer, purpose=RECORDS_EXPORT) for item in listed
    ]
    items = [_view(v) for v in sorted(views, key=lambda v: v.id)]
    if fmt == "json":
        text = json.dumps(items, indent=2, ensure_ascii=False)
    else:
        buffer = io.StringIO()
        columns = ["id", "kind", "state", "subject", "held_on", "summary", "agreements"]
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for item in items:
            row = {c: item.get(c) for c in columns}
            row["agreements"] = " | ".join(f"{a['owner']}: {a['text']}" for a in item["agreements"])
            writer.writerow({c: spreadsheet_cell(v) for c, v in row.items()})
        text = buffer.getvalue()
    if out is None and as_json and fmt == "csv":
        emit_json({"csv": text})
        return
    _write(text, out, f"{len(items)} record{'' if len(items) == 1 else 's'}", as_json)


def _view(view: Any) -> dict[str, Any]:
    meta = dict(view.metadata or {})
    return {
        "id": view.id,
        "kind": meta.get("kind"),
        "state": meta.get("state"),
        "subject": meta.get("subject"),
        "held_on": meta.get("held_on"),
        "summary": view.summary,
        "agreements": to_jsonable(list(view.agreements)),
        "dissents": to_jsonable(list(view.dissents)),
    }
