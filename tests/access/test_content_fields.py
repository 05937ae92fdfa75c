"""Every event type declares its content and metadata; content never reaches the store in clear.

The declarations (``CONTENT_FIELDS`` next to each domain module's events, joined in
:mod:`magcore.access.content`) are checked against real events: a demo year, and a story that
also sets goals, shares and restricts. A string anywhere in an event's data that is declared
neither content nor metadata fails the test, and so does an event type with no declaration.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from magcore import FixedClock, open_service
from magcore.access.content import CONTENT_FIELDS, ContentStore
from magcore.access.restriction import restriction_event
from magcore.crypto import is_token
from magcore.domain.goals import CloseGoal, NoteProgress, SetGoal
from magcore.domain.sharing import GrantSharing, RevokeSharing, person_stream
from magcore.domain.workflows import PERFORMED
from magcore.events import Event
from magcore.model.content import EventContent, find, metadata_only
from magcore.storage.base import StreamWrite
from magcore.testing.erasure import write_story

from ..conftest import EXAMPLE_CYCLES

NOW = datetime(2025, 3, 3, 9, tzinfo=UTC)
#: Every declaration a test may check: the core's, and the workflow runner's own event.
DECLARED = {**CONTENT_FIELDS, PERFORMED: metadata_only()}


def strings(value: Any, at: tuple = ()) -> list[tuple]:
    """The path of every string (and every mapping key's value) inside *value*."""
    if isinstance(value, str):
        return [at]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in strings(v, (*at, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in strings(v, (*at, i))]
    return []


def undeclared(event: Event, declared=DECLARED) -> list[str]:
    """What in *event* is declared neither content nor metadata (empty if all is)."""
    spec = declared.get(event.type)
    if spec is None:
        return [f"{event.type}: no declaration"]
    data = event.to_json()["data"]
    covered = set()
    for field in spec.content:
        covered.update(at for at, _ in find(data, field.path))
    for path in spec.metadata:
        covered.update(at for at, _ in find(data, path))
    missing = []
    for at in strings(data):
        if not any(at[: len(prefix)] == prefix for prefix in covered):
            missing.append(f"{event.type}: {'/'.join(map(str, at))}")
    return missing


@pytest.fixture(scope="module")
def story_store():
    service = open_service("memory://", clock=FixedClock(NOW))
    cycle = service.add_cycle(json.loads((EXAMPLE_CYCLES / "employee-manager.json").read_text()))
    write_story(service, cycle, "e-1", "m-1", on=date(2025, 2, 10))
    service.execute_goal(
        SetGoal(actor="e-1", goal_id="g-1", owner="e-1", title="Leren presenteren", theme=None)
    )
    service.execute_goal(NoteProgress(actor="e-1", goal_id="g-1", text="Cursus gevonden"))
    service.execute_goal(CloseGoal(actor="e-1", goal_id="g-1", status="reached", note="Klaar"))
    service.share(
        GrantSharing(actor="e-1", person="e-1", to="hr-1", what="agreements", purpose="handover")
    )
    service.share(RevokeSharing(actor="e-1", person="e-1", choice=1))
    restricted = restriction_event("x-9", 1, actor="x-9", now=NOW, reason="Ik betwist het")
    service.commit([StreamWrite(person_stream("x-9"), 0, (restricted,))])
    return service.store


def test_every_string_in_every_event_is_declared_content_or_metadata(story_store, tmp_path):
    """The story's events, and a demo year's, carry no string outside the declarations."""
    from magcore.demo import run_demo
    from magcore.storage import SQLiteStore

    events = [e for _, e in story_store.read_all()]
    run_demo(tmp_path / "demo", people=30)
    demo = SQLiteStore.open(f"sqlite:///{tmp_path / 'demo' / 'magcore.db'}")
    try:
        events += [e for _, e in demo.read_all()]
    finally:
        demo.close()
    assert {e.type for e in events} >= {"record.drafted", "goal.set", "sharing.granted"}
    assert [m for e in events for m in undeclared(e)] == []


def test_an_undeclared_string_is_found():
    """The check can fail: a new field, or a new event type, not declared."""
    event = Event(
        stream="goal:g-1",
        version=2,
        type="goal.closed",
        at=NOW,
        actor="e",
        data={"status": "reached", "note": "x", "mood": "blij"},
    )
    assert undeclared(event) == ["goal.closed: mood"]
    assert undeclared(Event(stream="x:1", version=1, type="x.done", at=NOW, actor="e")) == [
        "x.done: no declaration"
    ]
    assert (
        undeclared(
            event, {"goal.closed": EventContent(content=["note", "mood"], metadata=["status"])}
        )
        == []
    )


def test_every_declared_content_field_is_a_token_in_the_store(story_store):
    """In the wrapped store every content value is ciphertext; metadata stays in clear. An
    absent value (``None``: a sharing choice without ``until``) holds nothing to seal."""
    assert isinstance(story_store, ContentStore)
    checked = 0
    for _, event in story_store.inner.read_all():
        data = event.to_json()["data"]
        spec = CONTENT_FIELDS[event.type]
        for field in spec.content:
            for _, value in find(data, field.path):
                if value is None:
                    continue
                assert is_token(value), (event.type, field.name)
                checked += 1
        for path in spec.metadata:
            for _, value in find(data, path):
                assert not is_token(value)
    assert checked >= 15


def test_erased_content_reads_as_a_marker_and_answers_as_empty(story_store):
    """After the conversation key is destroyed, replay, export and report still work."""
    from magcore.access.subject_access import subject_access_export
    from magcore.access.subject_access_html import export_html
    from magcore.testing.erasure import MARKERS

    store = story_store
    before = json.dumps(subject_access_export(store, "e-1", requester="e-1", clock=FixedClock(NOW)))
    assert MARKERS["summary"] in before  # decrypted for the employee
    store.keys.destroy(["conversation:c1"])
    replayed = [e for e in store.read("conversation:c1") if e.type == "record.drafted"]
    assert replayed[0].data["summary"] == "[gewist]"
    assert dict(replayed[0].data["answers"]) == {}
    exported = subject_access_export(store, "e-1", requester="e-1", clock=FixedClock(NOW))
    assert "[gewist]" in json.dumps(exported)
    assert MARKERS["summary"] not in json.dumps(exported)
    assert "[gewist]" in export_html(exported)
