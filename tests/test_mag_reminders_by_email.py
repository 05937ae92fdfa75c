"""MAG's reminders, from the Amsterdam plugin's workflows to a real SMTP server, exactly once."""

from __future__ import annotations

import email
import email.policy
import socket
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from magcore.forms import example_answers

pytest.importorskip("aiosmtpd")
magcore_amsterdam = pytest.importorskip("magcore_amsterdam")
magcore_email = pytest.importorskip("magcore_email")

from aiosmtpd.controller import Controller  # noqa: E402
from magcore_amsterdam.plugin import plugin as amsterdam  # noqa: E402
from magcore_email import EmailConfig, EmailNotifier  # noqa: E402

from magcore import (  # noqa: E402
    Agreement,
    ConfirmRecord,
    DraftRecord,
    FixedClock,
    MarkHeld,
    Participant,
    Schedule,
    get_plugin_manager,
    open_service,
)
from magcore.app.workflows import run_workflows  # noqa: E402
from magcore.testing import approve_cycle, generate_organisation  # noqa: E402


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 OK"


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def _service(port: int):
    org = generate_organisation(people=30, teams=2, coaches=1, self_steering_share=0)
    directory = {person: f"{person}@gemeente.test" for person in org.people}
    config = EmailConfig(
        sender="gesprekken@gemeente.test", directory=directory, host="127.0.0.1", port=port
    )
    host = get_plugin_manager(
        load_entry_points=False,
        extra=[("magcore-amsterdam", amsterdam), ("magcore-email", EmailNotifier(config))],
    )
    clock = FixedClock(datetime(2025, 1, 6, 9, 0, tzinfo=UTC))
    svc = open_service("memory://", clock=clock, host=host)
    svc.import_organisation(org, actor="hr")
    for definition in host.hooks.cycles():
        approve_cycle(svc, definition)
    return svc, clock, org


def test_plan_your_conversation_arrives_once_even_when_run_twice(inbox) -> None:
    """Two runs for the same moment (1 November): one e-mail per reminder, none the second time."""
    handler, port = inbox
    svc, clock, org = _service(port)
    moment = datetime(2025, 11, 1, 6, 0, tzinfo=UTC)
    clock.set(moment)
    first = run_workflows(svc, moment, link_base="https://gesprek.gemeente.test")
    assert first.failures == ()
    sent_after_first = len(handler.messages)
    second = run_workflows(svc, moment, link_base="https://gesprek.gemeente.test")
    assert second.performed == ()
    assert len(handler.messages) == sent_after_first == len(first.performed)
    keys = Counter(m["X-Magcore-Notification"] for m in handler.messages)
    assert set(keys.values()) == {1}
    day = date(2025, 12, 31)
    employees = {p for p in org.people if org.manager_of(p, day)}
    to_employees = {
        m["To"].partition("@")[0]
        for m in handler.messages
        if m["X-Magcore-Notification"].endswith(f":0:{m['To'].partition('@')[0]}")
    }
    assert to_employees == employees
    assert {m["Subject"] for m in handler.messages} == {"Plan je gesprek"}
    assert all(
        "https://gesprek.gemeente.test/cycle/mag/mag" in m.get_content() for m in handler.messages
    )


def test_agreements_from_last_time_arrive_once_without_their_text(inbox) -> None:
    """A week before the next conversation both get one e-mail; the agreement text is absent."""
    handler, port = inbox
    svc, clock, org = _service(port)
    day = clock.now().date()
    employee = next(p for p in sorted(org.people) if org.manager_of(p, day) not in (None, p))
    manager = org.manager_of(employee, day)
    people = [Participant(employee, "employee"), Participant(manager, "manager")]
    svc.request(cycle="mag", kind="mag", participants=people, actor=employee, conversation_id="c1")
    svc.execute("c1", MarkHeld(actor=manager, on=day))
    secret = "Gesprek met bedrijfsarts over rugklachten"
    svc.execute(
        "c1",
        DraftRecord(
            actor=manager,
            agreements=[Agreement(id="a1", text=secret, owner="employee")],
            answers=example_answers(svc.form("mag-agreement")),
        ),
    )
    for person in (employee, manager):
        svc.execute("c1", ConfirmRecord(actor=person, revision=1))
    svc.request(cycle="mag", kind="mag", participants=people, actor=manager, conversation_id="c2")
    on = datetime(2025, 3, 17, 10, 0, tzinfo=UTC)
    svc.execute("c2", Schedule(actor=manager, on=on))
    moment = on - timedelta(days=7)
    clock.set(moment)
    for _ in range(2):
        run_workflows(svc, moment)
    assert sorted(m["To"] for m in handler.messages) == sorted(
        f"{p}@gemeente.test" for p in (employee, manager)
    )
    for message in handler.messages:
        assert message["Subject"] == "Je afspraken van de vorige keer"
        assert "Open afspraken van de vorige keer: 1." in message.get_content()
        assert secret not in message.as_string()
        assert "rugklachten" not in message.as_string()
