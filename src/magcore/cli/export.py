"""``magcore export``: a person's own data, calendar invitations, and records.

Every read of content goes through the access policy and is audited (:mod:`magcore.access.reading`);
invitations carry who, when and which kind of conversation, never content.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..errors import MagcoreError
from ._common import get_app, json_option
from ._output import DATE, emit_json, say, to_jsonable

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


class ExtraMissing(MagcoreError):
    """An optional extra that this export needs is not installed."""


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
    out.write_text(text, encoding="utf-8")
    if as_json:
        emit_json({"file": str(out), "what": what})
    else:
        say(f"Wrote {what} to {out}")


@click.group()
def export() -> None:
    """Export a person's own data, calendar invitations, or records."""


@export.command()
@click.argument("person_id")
@click.option(
    "--as",
    "requester",
    default=None,
    metavar="PERSON",
    help="Who asks: the person themselves (default) or the privacy officer.",
)
@click.option("--html", "as_html", is_flag=True, help="A readable HTML page instead of JSON.")
@click.option("--language", type=click.Choice(["nl", "en"]), default="nl", show_default=True)
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
        text = export_html(data, language=language)
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
@click.option("--person", "person_id", default=None, help="Only conversations this person is in.")
@_OUT
@json_option
def ics(
    start: date | None, end: date | None, person_id: str | None, out: Path | None, as_json: bool
) -> None:
    """Calendar invitations (.ics) for the planned conversations.

    Each invitation says which kind of conversation, when and with whom (by id), never what
    it is about. Needs the optional extra: pip install 'magcore[calendar]'.
    """
    try:
        import icalendar
    except ImportError:
        raise ExtraMissing(
            "calendar export needs icalendar: pip install 'magcore[calendar]'"
        ) from None
    app = get_app()
    service = app.service()
    rows = service.store.conversations(participant=person_id, states=("scheduled", "prepared"))
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//magcore//conversation invitations//NL")
    calendar.add("version", "2.0")
    count = 0
    gateway = service.gateway
    for row in sorted(rows, key=lambda r: (r.scheduled_on or date.min, r.id)):
        # An invitation is a notification: it goes through the gateway (audited) to each
        # participant who may see that the conversation exists, and says no more than that.
        invited = [
            who
            for who in row.participants
            if gateway.notice(f"conversation:{row.id}", recipient=who).allowed
        ]
        conv = service._load(row.id)
        if conv.scheduled_for is None or not invited:
            continue
        begins = conv.scheduled_for.astimezone(UTC)  # UTC: every calendar reads it the same
        day = conv.scheduled_for.date()
        if (start and day < start) or (end and day >= end):
            continue
        definition = service.cycle(conv.cycle)
        kind = definition.kind(conv.kind)
        event = icalendar.Event()
        event.add("uid", f"{conv.id}@magcore")
        event.add("summary", f"{kind.name.nl} / {kind.name.en}")
        event.add("dtstart", begins)
        event.add("dtend", begins + timedelta(minutes=kind.duration_minutes))
        event.add("dtstamp", app.clock().now())
        event.add("sequence", conv.reschedules)
        for who in invited:
            event.add(
                "attendee", f"urn:magcore:person:{who}", parameters={"ROLE": "REQ-PARTICIPANT"}
            )
        calendar.add_component(event)
        count += 1
    text = calendar.to_ical().decode("utf-8")
    if out is None and as_json:
        emit_json({"invitations": count, "ics": text})
        return
    _write(text, out, f"{count} invitations", as_json)


@export.command()
@click.option(
    "--as",
    "viewer",
    required=True,
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
            writer.writerow(row)
        text = buffer.getvalue()
    if out is None and as_json and fmt == "csv":
        emit_json({"csv": text})
        return
    _write(text, out, f"{len(items)} records", as_json)


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
