"""``magcore export ics``: invitations an independent iCalendar parser (vobject) reads as
meeting requests with organiser, attendees, place and time zone; a cancellation cancels."""

from __future__ import annotations

from datetime import timedelta

import pytest
import vobject

from magcore import Cancel, open_service
from tests.support.approve import approve_by_cli

from .conftest import ORG_CSV, data

EMAILS = {"e1": "e1@gemeente.example", "m1": "m1@gemeente.example"}


def _with_email(csv_text: str) -> str:
    lines = csv_text.strip().splitlines()
    rows = [lines[0] + ",email"]
    for line in lines[1:]:
        rows.append(line + "," + EMAILS.get(line.split(",", 1)[0], ""))
    return "\n".join(rows) + "\n"


@pytest.fixture
def planned(run, workdir):
    """e1's conversation with m1, planned for 20 March 2025 10:00 in room 2.14."""
    assert run("init").exit_code == 0
    (workdir / "org.csv").write_text(_with_email(ORG_CSV), encoding="utf-8")
    assert run("import-org", "org.csv").exit_code == 0
    approve_by_cli(run)
    requested = data(run("plan", "--request", "--json"))["requested"]
    conv = next(r["conversation"] for r in requested if r["person"] == "e1")
    result = run(
        "schedule", conv, "--on", "2025-03-20T10:00", "--place", "Kamer 2.14", "--as", "m1"
    )
    assert result.exit_code == 0, result.output
    return conv


def _calendar(run, *args):
    result = run("export", "ics", "--json", *args)
    return vobject.readOne(data(result)["ics"])


def test_an_invitation_is_a_request_with_organiser_attendees_place_and_time_zone(run, planned):
    cal = _calendar(run, "--person", "e1")
    assert cal.method.value == "REQUEST"
    assert cal.vtimezone.tzid.value == "Europe/Amsterdam"
    (event,) = cal.vevent_list
    assert event.uid.value == f"{planned}@magcore"
    assert event.organizer.value == "mailto:m1@gemeente.example"
    attendees = {a.value for a in event.attendee_list}
    assert attendees == {"mailto:e1@gemeente.example", "mailto:m1@gemeente.example"}
    assert all(a.params["RSVP"] == ["TRUE"] for a in event.attendee_list)
    assert event.location.value == "Kamer 2.14"
    start = event.dtstart.value
    assert start.tzname() == "CET"  # from the calendar's own VTIMEZONE
    assert (start.hour, start.minute) == (10, 0)
    assert start.utcoffset() == timedelta(hours=1)  # CET in March before the switch
    assert event.sequence.value == "0"


def test_people_without_an_address_are_named_by_id(run, planned):
    """e2 has no e-mail column value: the attendee is a urn naming the person, never dropped."""
    (e2,) = [v["id"] for v in data(run("export", "records", "--as", "e2", "--json"))]
    assert run("schedule", e2, "--on", "2025-03-21T09:00", "--as", "m1").exit_code == 0
    cal = _calendar(run)
    people = {a.value for e in cal.vevent_list for a in e.attendee_list}
    assert "urn:magcore:person:e2" in people
    assert "mailto:e1@gemeente.example" in people


def test_moving_raises_the_sequence_and_cancelling_cancels(run, workdir, host, planned):
    assert run("schedule", planned, "--on", "2025-04-02T14:30", "--as", "m1").exit_code == 0
    (moved,) = _calendar(run, "--person", "e1").vevent_list
    assert moved.sequence.value == "1"
    assert (moved.dtstart.value.hour, moved.dtstart.value.utcoffset()) == (14, timedelta(hours=2))
    assert moved.location.value == "Kamer 2.14"

    service = open_service(f"sqlite:///{workdir / 'magcore.db'}", host=host)
    try:
        service.execute(planned, Cancel(actor="m1", reason="ziek"))
    finally:
        service.close()
    requests = data(run("export", "ics", "--person", "e1", "--json"))
    assert requests["invitations"] == 0
    cal = _calendar(run, "--person", "e1", "--cancelled")
    assert cal.method.value == "CANCEL"
    (cancelled,) = cal.vevent_list
    assert cancelled.uid.value == moved.uid.value
    assert cancelled.status.value == "CANCELLED"
    assert int(cancelled.sequence.value) > int(moved.sequence.value)


def test_one_invitation_is_singular(run, planned):
    result = run("export", "ics", "--person", "e1", "--out", "e1.ics")
    assert result.exit_code == 0
    assert "Wrote 1 invitation to" in result.stdout


def test_the_address_is_in_the_persons_own_export(run, planned):
    """The e-mail address is personal data magcore holds: subject access shows it (art. 15)."""
    export = data(run("export", "person", "e1"))
    assert export["employment"]["email"] == "e1@gemeente.example"
    assert "email" not in data(run("export", "person", "e2"))["employment"]


def test_the_place_and_duration_given_when_scheduling_are_in_the_invitation(run, planned):
    """A duration set when scheduling gives the invitation its real end; moving the talk to
    another room and length carries both into the new invitation and the record's metadata."""
    event = _calendar(run, "--person", "e1").vevent_list[0]
    assert event.dtend.value - event.dtstart.value == timedelta(minutes=45)  # the kind's own
    moved = run(
        "schedule",
        planned,
        "--on",
        "2025-03-21T14:00",
        "--place",
        "Online (Teams)",
        "--minutes",
        "90",
        "--as",
        "m1",
    )
    assert moved.exit_code == 0, moved.output
    event = _calendar(run, "--person", "e1").vevent_list[0]
    assert event.location.value == "Online (Teams)"
    assert event.dtend.value - event.dtstart.value == timedelta(minutes=90)
    assert (event.dtstart.value.hour, event.dtstart.value.minute) == (14, 0)
    view = open_service("sqlite:///magcore.db").view(planned, actor="e1")
    assert view.metadata is not None
    assert view.metadata["duration_minutes"] == 90
    refused = run("schedule", planned, "--on", "2025-03-22T10:00", "--minutes", "2", "--as", "m1")
    assert refused.exit_code != 0
