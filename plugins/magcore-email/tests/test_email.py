"""magcore-email against a real SMTP server on localhost (aiosmtpd, started by the tests)."""

from __future__ import annotations

import email
import email.policy
import json
import socket
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import attrs
import pytest
import vobject
from aiosmtpd.controller import Controller
from magcore_email import EmailConfig, EmailNotifier, render
from magcore_email import plugin as env_plugin
from magcore_email.notifier import render_invitation

from magcore import (
    Assignment,
    Cancel,
    CycleDefinition,
    FixedClock,
    Organisation,
    Participant,
    Person,
    Reschedule,
    Schedule,
    Team,
    get_plugin_manager,
    open_service,
)
from magcore.app.invitations import PRIVATE_PLACE, invitation_for
from magcore.app.workflows import Notification
from magcore.errors import PluginError
from magcore.testing import approve_cycle


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _notification(**changes) -> Notification:
    values = {
        "key": "wf:1",
        "message": "workflow.plan_conversation",
        "recipient": "p1",
        "language": "nl",
        "link": "https://gesprek.example/cycle/mag",
        "reference": "cycle:mag/mag",
        "due": date(2025, 12, 31),
        "count": None,
    }
    values.update(changes)
    return Notification(**values)


def test_a_language_without_templates_falls_back_and_says_which_it_is_in() -> None:
    """A Papiamento reader gets the Dutch e-mail (the chain pap → nl), labelled Dutch; a
    Frisian reader gets the Frisian one, with the date the Frisian way; English dates are
    written the English way (Babel's CLDR data)."""
    papiamento = render(_notification(language="pap"), sender="g@gemeente.test", to="a@x.test")
    assert papiamento["Content-Language"] == "nl"
    assert papiamento["Subject"] == "Plan je gesprek"
    frisian = render(_notification(language="fy"), sender="g@gemeente.test", to="a@example.test")
    assert frisian["Content-Language"] == "fy"
    assert frisian["Subject"] == "Plan dyn petear"
    assert "31 Desimber 2025" in frisian.get_content()  # CLDR writes Frisian months so
    english = render(_notification(language="en"), sender="g@gemeente.test", to="a@example.test")
    assert english["Content-Language"] == "en"
    assert "December 31, 2025" in english.get_content()


def test_a_dutch_reminder_is_plain_b1_text_with_the_link_and_date() -> None:
    """The Dutch template: subject, date written out, the link; nothing else from magcore."""
    message = render(_notification(), sender="gesprekken@gemeente.test", to="a@example.test")
    body = message.get_content()
    assert message["Subject"] == "Plan je gesprek"
    assert "31 december 2025" in body
    assert "https://gesprek.example/cycle/mag" in body
    assert message["X-Magcore-Notification"] == "wf:1"
    assert message["Content-Language"] == "nl"
    sentences = [s for s in body.replace("\n", " ").split(".") if s.strip()]
    assert max(len(s.split()) for s in sentences) <= 20


def test_an_english_reminder_and_an_unknown_message_key_use_their_templates() -> None:
    """English text for 'en'; an unknown key falls back to the general template."""
    english = render(
        _notification(language="en", message="workflow.agreements_from_last_time", count=2),
        sender="s@x.test",
        to="a@x.test",
    )
    assert english["Subject"] == "Your agreements from last time"
    assert "Open agreements from last time: 2." in english.get_content()
    other = render(_notification(message="plugin.something_new"), sender="s@x.test", to="a@x.test")
    assert other["Subject"] == "Er is iets voor je klaar"


def test_the_configuration_comes_from_the_environment(tmp_path: Path) -> None:
    """Sender and directory are required; JSON and CSV directories both work."""
    with pytest.raises(LookupError, match="MAGCORE_EMAIL_SENDER, MAGCORE_EMAIL_DIRECTORY"):
        EmailConfig.from_env({})
    directory = tmp_path / "people.json"
    directory.write_text(json.dumps({"p1": "p1@example.test"}))
    config = EmailConfig.from_env(
        {
            "MAGCORE_EMAIL_SENDER": "s@example.test",
            "MAGCORE_EMAIL_DIRECTORY": str(directory),
            "MAGCORE_EMAIL_PORT": "2525",
        }
    )
    assert (config.port, config.address_of("p1"), config.address_of("p2")) == (
        2525,
        "p1@example.test",
        None,
    )
    csv_file = tmp_path / "people.csv"
    csv_file.write_text("person,email\np2,p2@example.test\n")
    env = {"MAGCORE_EMAIL_SENDER": "s@example.test", "MAGCORE_EMAIL_DIRECTORY": str(csv_file)}
    assert EmailConfig.from_env(env).address_of("p2") == "p2@example.test"
    with pytest.raises(ValueError, match="PORT"):
        EmailConfig.from_env({**env, "MAGCORE_EMAIL_PORT": "smtp"})


def test_the_entry_point_plugin_sends_through_the_configured_server(
    smtp, tmp_path: Path, monkeypatch
) -> None:
    """The installed plugin reads MAGCORE_EMAIL_* and delivers to the address in the directory."""
    inbox, port = smtp
    directory = tmp_path / "people.json"
    directory.write_text(json.dumps({"p1": "p1@example.test"}))
    monkeypatch.setenv("MAGCORE_EMAIL_SENDER", "gesprekken@gemeente.test")
    monkeypatch.setenv("MAGCORE_EMAIL_DIRECTORY", str(directory))
    monkeypatch.setenv("MAGCORE_EMAIL_HOST", "127.0.0.1")
    monkeypatch.setenv("MAGCORE_EMAIL_PORT", str(port))
    host = get_plugin_manager(load_entry_points=False, extra=[("magcore-email", env_plugin)])
    references, failures = host.hooks.send_notification(_notification())
    assert failures == []
    assert len(references) == 1
    (message,) = inbox.messages
    assert inbox.envelopes == [("gesprekken@gemeente.test", ["p1@example.test"])]
    assert message["Message-ID"] == references[0]
    assert message["Subject"] == "Plan je gesprek"


def test_an_unknown_recipient_is_a_plugin_error_and_nothing_is_sent(smtp) -> None:
    """No address in the directory: a PluginError naming the plugin; the inbox stays empty."""
    inbox, port = smtp
    config = EmailConfig(sender="s@example.test", directory={}, host="127.0.0.1", port=port)
    host = get_plugin_manager(
        load_entry_points=False, extra=[("magcore-email", EmailNotifier(config))]
    )
    references, failures = host.hooks.send_notification(_notification(recipient="p9"))
    assert references == []
    (failure,) = failures
    assert isinstance(failure, PluginError)
    assert failure.distribution == "magcore-email"
    assert "p9" in failure.reason
    assert inbox.messages == []


def test_a_directory_function_is_asked_per_person(smtp) -> None:
    """The directory may be a callable provided by the embedding application."""
    inbox, port = smtp
    asked: list[str] = []

    def lookup(person: str) -> str | None:
        asked.append(person)
        return f"{person}@example.test"

    config = EmailConfig(sender="s@example.test", directory=lookup, host="127.0.0.1", port=port)
    EmailNotifier(config).send(_notification(recipient="p5", language="en"))
    assert asked == ["p5"]
    assert inbox.envelopes[0][1] == ["p5@example.test"]
    assert inbox.messages[0]["Subject"] == "Plan your conversation"


# -- calendar invitations -------------------------------------------------------------------

CYCLE = (
    Path(__file__).resolve().parents[3] / "docs" / "examples" / "cycles" / "employee-manager.json"
)


def _service():
    org = Organisation.build(
        id="org",
        people=[Person(id="e1", email="e1@gemeente.example"), Person(id="m1")],
        teams=[Team(id="t1")],
        assignments=[
            Assignment(person="e1", team="t1", role="member", start=date(2024, 1, 1)),
            Assignment(person="m1", team="t1", role="manager", start=date(2024, 1, 1)),
        ],
    )
    service = open_service("memory://", clock=FixedClock(datetime(2025, 3, 1, 9, tzinfo=UTC)))
    service.import_organisation(org, actor="hr")
    cycle = service.add_cycle(CycleDefinition.from_file(CYCLE))
    approve_cycle(service, cycle)
    conv = service.request(
        cycle=cycle,
        kind="yearly",
        participants=[Participant("e1", "employee"), Participant("m1", "manager")],
        actor="m1",
    )
    return service, org, conv.id


def _calendar_part(message):
    (part,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    return part


def test_an_invitation_and_its_cancellation_go_out_as_text_calendar(smtp) -> None:
    inbox, port = smtp
    service, org, conv = _service()
    when = datetime(2025, 3, 20, 9, tzinfo=UTC)
    service.execute(conv, Schedule(actor="m1", on=when, place="Stadhuis, kamer 3"))
    config = EmailConfig(
        sender="gesprekken@gemeente.example",
        directory={"m1": "m1@gemeente.example"},
        host="127.0.0.1",
        port=port,
    )
    notifier = EmailNotifier(config)
    notifier.send_invitation(invitation_for(service, conv, organisation=org))
    service.execute(conv, Reschedule(actor="m1", on=when.replace(day=27)))
    service.execute(conv, Cancel(actor="m1"))
    notifier.send_invitation(invitation_for(service, conv, organisation=org), language="en")

    (request, cancel) = inbox.messages
    assert inbox.envelopes[0][1] == ["e1@gemeente.example", "m1@gemeente.example"]
    part = _calendar_part(request)
    assert part.get_param("method") == "REQUEST"
    cal = vobject.readOne(part.get_content())
    (event,) = cal.vevent_list
    assert cal.method.value == "REQUEST"
    assert event.organizer.params["SENT-BY"] == ["mailto:gesprekken@gemeente.example"]
    assert event.location.value == "Stadhuis, kamer 3"
    assert "Stadhuis, kamer 3" in request.get_body(("plain",)).get_content()

    part = _calendar_part(cancel)
    assert part.get_param("method") == "CANCEL"
    cancelled = vobject.readOne(part.get_content())
    assert cancelled.method.value == "CANCEL"
    assert cancelled.vevent.uid.value == event.uid.value
    assert int(cancelled.vevent.sequence.value) == 2
    assert cancel["Subject"].startswith("Cancelled:")
    service.close()


def test_a_withheld_place_is_said_plainly() -> None:
    """An invitation to a special-category kind carries no place (:data:`PRIVATE_PLACE`); the
    e-mail's "Waar:" line says in the reader's language that the place is in the app."""
    service, org, conv = _service()
    service.execute(conv, Schedule(actor="m1", on=datetime(2025, 3, 20, 9, tzinfo=UTC)))
    invitation = attrs.evolve(
        invitation_for(service, conv, organisation=org), location=PRIVATE_PLACE
    )
    for language, line in (("nl", "Waar: Staat in de app"), ("en", "Where: See the app")):
        message = render_invitation(
            invitation, sender="s@x.example", to=["e1@x.example"], language=language
        )
        assert line in message.get_body(("plain",)).get_content()
    service.close()
