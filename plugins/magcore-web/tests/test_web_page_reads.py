"""How often a page reads the store: a fixed few times, however many cycles are installed.

The employee's conversation list once read the approvals of every installed cycle, one read
each (about 17 with the municipalities' plugins installed, 23 reads per page): now the
definitions and approval streams are listed with one read and each approval stream that
exists is read once. Counted as read transactions of the SQLite store.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from magcore_web.identity import Principal
from magcore_web.pages.common import known_cycles, organisation_id, today
from magcore_web.testing import EXAMPLE_CYCLE, HOST_A, make_test_app
from starlette.testclient import TestClient

from magcore.storage.sqlite import SQLiteStore

#: The reads of the employee's list with one conversation: the session's person checked
#: against the organisation and their roles in the directory (2: the organisation's version,
#: twice), the cycles and which have approvals (1), the approved cycle's approvals (1), the
#: organisation's version for the listing and for the manager's link (2), the conversation
#: rows and the sharing choices (2), what makes the listing index believed: the people's
#: sealed rows and their streams' versions in the event log (2), and the first events of the
#: conversations the read model says the employee takes part in (1).
LIST_READS = 11


class Reads:
    """Read transactions of every SQLite store, and the streams read, while counting."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.transactions = 0
        self.streams: Counter[str] = Counter()
        transaction, read = SQLiteStore._read, SQLiteStore.read

        def counted_transaction(store: SQLiteStore) -> Any:
            self.transactions += 1
            return transaction(store)

        def counted_read(store: SQLiteStore, stream: str) -> Any:
            self.streams[stream] += 1
            return read(store, stream)

        monkeypatch.setattr(SQLiteStore, "_read", counted_transaction)
        monkeypatch.setattr(SQLiteStore, "read", counted_read)

    def reset(self) -> None:
        self.transactions = 0
        self.streams.clear()


@pytest.fixture
def app(tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    app, services = make_test_app({HOST_A: {}}, store=f"sqlite:///{tmp_path / 'reads.db'}")
    yield app, services[HOST_A]
    services[HOST_A].close()


def _signed_in(app: Any, person: str) -> TestClient:
    sessions = app.state.sessions
    session = sessions.sign_in(sessions.new(HOST_A), Principal(person_id=person, tenant=HOST_A))
    client = TestClient(app, base_url=f"http://{HOST_A}")
    client.headers["cookie"] = f"__Host-magcore-session={session.id}"
    return client


@pytest.fixture
def started(app: tuple[Any, Any]) -> tuple[Any, Any, TestClient, str]:
    """The app, its service, Anna signed in, and the conversation she has just asked for."""
    application, service = app
    anna = _signed_in(application, "anna")
    response = anna.post(
        "/api/v1/conversations",
        headers={"authorization": f"Bearer anna@{HOST_A}"},
        json={"cycle": "web-example@1", "kind": "yearly"},
    )
    assert response.status_code == 201
    return application, service, anna, response.json()["id"]


def test_the_conversation_list_reads_the_store_a_fixed_few_times(started, monkeypatch) -> None:
    _application, service, anna, conversation = started
    reads = Reads(monkeypatch)

    page = anna.get("/conversations")
    assert page.status_code == 200
    assert conversation in page.text
    assert 'value="web-example@1|yearly"' in page.text  # the approved kind may be asked for
    first = reads.transactions
    assert first <= LIST_READS, first
    assert reads.streams["cycle:web-example"] == 1  # the approvals: once per page

    for number in range(2, 12):  # ten more installed versions, none approved
        service.add_cycle({**EXAMPLE_CYCLE, "id": f"more-{number}", "version": number})
    reads.reset()
    again = anna.get("/conversations")
    assert again.status_code == 200
    assert 'value="more-2@2|yearly"' not in again.text  # not approved: not offered
    assert reads.transactions == first
    assert sum(n for stream, n in reads.streams.items() if stream.startswith("cycle:")) == 1


#: The reads of the manager's team page: the session's person checked against the
#: organisation and the directory (2), whom they manage (1), the cycles (1), the due list of
#: every cycle through the gateway on one read of the directory, one of the organisation and
#: one of the conversations of the people they manage (3), and the guarded listing (its
#: candidates 2, the directory 1, the participations 1 and their first events 1, the people's
#: sealed rows and their streams' versions 2).
TEAM_READS = 14


def _due_on_page(page: str) -> list[tuple[str, str, str]]:
    """(person, cycle, kind) of every "ask for a conversation" form on the team page."""
    return re.findall(
        r'name="person" value="([^"]+)">\s*<input type="hidden" name="cycle" value="([^"]+)">'
        r'\s*<input type="hidden" name="kind" value="([^"]+)">',
        page,
    )


def _planned(service: Any, manager: str) -> list[tuple[str, str, str]]:
    """What the page should offer: each cycle planned on its own, for the manager's team (the
    conversations they hold with them), without what is requested already."""
    start = today(service)
    reports = service.directory.reports_of(manager, start)
    return [
        (item.person, key, item.kind)
        for key in known_cycles(service)
        for item in service.outstanding(
            organisation_id(service), key, start - timedelta(days=365), start + timedelta(days=365)
        )
        if item.person in reports and item.manager == manager
    ]


def test_the_team_page_reads_the_store_a_fixed_few_times(started, monkeypatch) -> None:
    """The manager's team page plans every installed cycle: one read of the history and of
    the organisation for all of them (it was two per cycle, 41 reads with the
    municipalities' plugins installed), showing the same as planning each cycle apart."""
    application, service, _anna, conversation = started
    bram = _signed_in(application, "bram")
    reads = Reads(monkeypatch)

    page = bram.get("/team")
    assert page.status_code == 200
    assert conversation in page.text
    first = reads.transactions
    assert first <= TEAM_READS, first
    due = _due_on_page(page.text)
    assert _planned(service, "bram") == due
    # Last year's and this year's for ben; anna's of this year is requested already.
    assert due.count(("ben", "web-example@1", "yearly")) == 2
    assert due.count(("anna", "web-example@1", "yearly")) == 1

    for number in range(2, 12):  # ten more installed versions: ten more plans, no more reads
        service.add_cycle({**EXAMPLE_CYCLE, "id": f"more-{number}", "version": number})
    reads.reset()
    again = bram.get("/team")
    assert again.status_code == 200
    assert reads.transactions == first
    more = _due_on_page(again.text)
    assert _planned(service, "bram") == more
    assert ("anna", "more-2@2", "yearly") in more
