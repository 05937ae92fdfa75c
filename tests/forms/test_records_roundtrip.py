"""Records round-trip JSON -> model -> JSON unchanged, and fit the published record schema."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from magcore import schemas
from magcore.domain.conversation import (
    DraftRecord,
    MarkHeld,
    RequestConversation,
    apply,
    decide,
    replay,
)
from magcore.events import Event
from magcore.model.convert import structure, unstructure
from magcore.model.cycle import CycleDefinition
from magcore.model.records import Agreement, Participant, RecordRevision

from . import strategies
from .strategies import NOT_TEXT
from .support import ROOT, mag_form

CYCLE = CycleDefinition.from_file(ROOT / "docs" / "examples" / "cycles" / "employee-manager.json")
FORM = mag_form("agreement")
TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters=NOT_TEXT),
    min_size=1,
).filter(str.strip)
AGREEMENTS = st.lists(
    st.builds(
        Agreement,
        id=st.from_regex(r"a[0-9]{1,3}", fullmatch=True),
        text=TEXT,
        owner=st.sampled_from(["employee", "manager", "both"]),
        due=st.none() | st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
        theme=st.none() | st.sampled_from(["work", "development"]),
    ),
    max_size=4,
    unique_by=lambda a: a.id,
)
MOMENTS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


def _held_conversation(at):
    participants = (Participant("p-1", "employee"), Participant("p-2", "manager"))
    request = RequestConversation(
        actor="p-1", conversation_id="c-1", cycle=CYCLE, kind="yearly", participants=participants
    )
    events = list(decide(None, request, now=at))
    conv = replay(events)
    held = decide(conv, MarkHeld(actor="p-2", on=at.date()), now=at)
    events.extend(held)
    for event in held:
        conv = apply(event, conv)
    return conv, events


@given(
    answers=strategies.answers(FORM),
    agreements=AGREEMENTS,
    summary=st.text(
        st.characters(exclude_categories=("Cs", "Cc"), exclude_characters=NOT_TEXT),
        max_size=200,
    ),
    medium=st.sampled_from(["digital", "paper"]),
    at=MOMENTS,
)
def test_a_drafted_record_round_trips_and_fits_the_schema(answers, agreements, summary, medium, at):
    """A record drafted through the aggregate: its JSON validates, rebuilds, and is unchanged."""
    conv, events = _held_conversation(at)
    command = DraftRecord(
        actor="p-2",
        summary=summary,
        agreements=agreements,
        themes=("work",),
        answers=answers,
        medium=medium,
    )
    drafted = decide(conv, command, now=at)
    events.extend(drafted)
    conv = apply(drafted[0], conv)
    assert conv.record is not None

    record_json = unstructure(conv.record)
    assert schemas.problems("record", record_json) == []
    assert unstructure(structure(record_json, RecordRevision)) == record_json
    assert structure(record_json, RecordRevision) == conv.record
    assert conv.record.medium.value == medium
    for event in events:
        event_json = event.to_json()
        assert schemas.problems("event", event_json) == []
        assert Event.from_json(event_json).to_json() == event_json
    assert replay(events) == conv
