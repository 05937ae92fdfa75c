"""An organisation stored before the stricter e-mail rules still loads.

Earlier versions imported addresses the input policy now refuses (a direction mark pasted
from a spreadsheet). Read back, such an address comes without the characters the rules
refuse when that leaves an address, and as no address otherwise; new input is still refused.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from magcore.domain.organisation import OrganisationEvent, org_stream, replay_organisation
from magcore.domain.orgbulk import bulk_changes
from magcore.domain.orgcolumns import stored_email
from magcore.errors import DefinitionError, InputRefused
from magcore.events import Event
from magcore.model.organisation import Organisation, Person
from magcore.storage.chain import canonical_text

AT = datetime(2025, 1, 1, 6, 0, tzinfo=UTC)
STREAM = org_stream("o")
MARKED = "p1\u200e@example.nl"  # a left-to-right mark, as pasted from a spreadsheet


def _event(version: int, kind: str, data: dict) -> Event:
    return Event(stream=STREAM, version=version, type=kind, at=AT, actor="hr", data=data)


def _org() -> Organisation:
    return Organisation.from_json(
        {
            "id": "o",
            "name": "O",
            "people": [{"id": "p1", "email": "p1@example.nl"}, {"id": "p2"}],
            "teams": [],
            "assignments": [],
        }
    )


def test_stored_email_keeps_valid_cleans_marked_and_drops_the_rest():
    assert stored_email("p1@example.nl") == "p1@example.nl"
    assert stored_email(None) is None
    assert stored_email(MARKED) == "p1@example.nl"
    assert stored_email("\u202ep1@example.nl\x00") == "p1@example.nl"
    assert stored_email("e\u0301\u200e@example.nl") == "\u00e9@example.nl"  # cleaned: NFC
    assert stored_email("\u202enot an address") is None
    assert stored_email(42) is None


def test_new_input_is_still_refused():
    with pytest.raises((InputRefused, DefinitionError)):
        Person(id="p1", email=MARKED)


def test_an_old_whole_snapshot_loads():
    data = _org().to_json()
    data["people"][0]["email"] = MARKED
    org = replay_organisation([_event(1, OrganisationEvent.IMPORTED, data)])
    assert org.people["p1"].email == "p1@example.nl"


def test_old_person_events_load():
    joined = {
        "person": "p9",
        "record": {"hired_on": None, "email": "p9\u200f@example.nl"},
        "roles": [],
        "on": "2025-01-01",
    }
    changed = {
        "person": "p1",
        "changes": {"email": "\u202e"},
        "previous": {"email": "p1@example.nl"},
        "on": "2025-02-01",
    }
    org = replay_organisation(
        [
            _event(1, OrganisationEvent.IMPORTED, _org().to_json()),
            _event(2, OrganisationEvent.JOINED, joined),
            _event(3, OrganisationEvent.PERSON_CHANGED, changed),
        ]
    )
    assert org.people["p9"].email == "p9@example.nl"
    assert org.people["p1"].email is None  # nothing of an address was left


def test_an_old_batch_import_loads():
    events = []
    for version, change in enumerate(bulk_changes(_org(), today=date(2025, 1, 1)), 1):
        text = canonical_text(change.data).replace("p1@example.nl", json.dumps(MARKED)[1:-1])
        events.append(_event(version, change.type, json.loads(text)))
    assert any(MARKED in canonical_text(e.data) for e in events)
    org = replay_organisation(events)
    assert org.people["p1"].email == "p1@example.nl"


def test_an_old_snapshot_loads_both_ways():
    """A snapshot made before the rules (its parts are JSON texts) reads by value and by
    column, the marked address without its mark."""
    from magcore.domain.organisation import OrgState
    from magcore.domain.orgsnapshot import read_snapshot, read_snapshot_tables, snapshot_parts

    parts = [
        text.replace("p1@example.nl", json.dumps(MARKED)[1:-1])
        for text in snapshot_parts(OrgState.of(_org()))
    ]
    assert any("\\u200e" in part or "\u200e" in part for part in parts)
    by_value = read_snapshot("o", parts)
    assert by_value is not None
    assert by_value.organisation().people["p1"].email == "p1@example.nl"
    by_column = read_snapshot_tables("o", parts)
    assert by_column is not None
    assert by_column.people["p1"].email == "p1@example.nl"


@pytest.mark.parametrize(
    ("stored", "read"),
    [
        ("a" * 250 + "@x.nl", None),  # 255 characters: printable, but longer than the rules
        ("e\u0301@example.nl", "\u00e9@example.nl"),  # both ways in NFC
        (5, None),  # not a text at all
        ("a b@c.nl", None),  # printable ASCII with an @, but no address
        ("x@@y.nl", None),
    ],
)
def test_a_snapshot_reads_each_stored_address_the_same_way_by_value_and_by_column(stored, read):
    """Found by a review: the column path took a printable address of any length as it was,
    a number raised AttributeError, and the two paths differed in normalisation."""
    from magcore.domain.organisation import OrgState
    from magcore.domain.orgsnapshot import read_snapshot, read_snapshot_tables, snapshot_parts

    parts = [
        text.replace('"p1@example.nl"', json.dumps(stored))
        for text in snapshot_parts(OrgState.of(_org()))
    ]
    by_value = read_snapshot("o", parts)
    by_column = read_snapshot_tables("o", parts)
    assert by_value is not None
    assert by_column is not None
    assert by_value.organisation().people["p1"].email == read
    assert by_column.people["p1"].email == read
    assert stored_email(stored) == read
