"""The audit log as Logboek Dataverwerkingen records, checked against the standard's rules.

The rules are the interface of Logius' *Logboek Dataverwerkingen* (component Logboek): every
record has a 16-byte ``trace_id``, an 8-byte ``span_id``, a ``status_code`` from the enum, a
``name``, ``start_time`` and ``end_time`` in milliseconds and a list of ``attributes``; the
``dpl.core`` attributes are a URI to the register of processing activities and a data subject
id with its type. They are written down here as a JSON Schema of their own, independent of the
code that writes the records.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlparse

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from magcore import open_service
from magcore.access.audit import verify_store
from magcore.access.logboek import logboek_records, pseudonym, subject_key
from magcore.access.processing import ACTIVITIES, activity_for
from magcore.demo import run_demo

pytest.importorskip("opentelemetry.sdk")

HEX = {"type": "string", "pattern": "^[0-9a-f]+$"}
RECORD = {
    "type": "object",
    "required": [
        "trace_id",
        "span_id",
        "status_code",
        "name",
        "start_time",
        "end_time",
        "attributes",
    ],
    "properties": {
        "trace_id": {**HEX, "minLength": 32, "maxLength": 32, "not": {"pattern": "^0+$"}},
        "span_id": {**HEX, "minLength": 16, "maxLength": 16, "not": {"pattern": "^0+$"}},
        "parent_span_id": {**HEX, "minLength": 16, "maxLength": 16},
        "status_code": {"enum": ["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"]},
        "name": {"type": "string", "minLength": 1},
        "start_time": {"type": "integer", "minimum": 0},
        "end_time": {"type": "integer", "minimum": 0},
        "resource": {
            "type": "object",
            "required": ["attributes"],
            "properties": {"attributes": {"$ref": "#/$defs/key_values"}},
        },
        "attributes": {"$ref": "#/$defs/key_values"},
    },
    "$defs": {
        "key_values": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["key", "value"],
                "properties": {
                    "key": {"type": "string", "minLength": 1},
                    "value": {"type": ["string", "integer", "number", "boolean"]},
                },
            },
        }
    },
}
REGISTER = "https://hr.example.nl/verwerkingsregister"


def attributes(record: dict) -> dict:
    return {a["key"]: a["value"] for a in record["attributes"]}


@pytest.fixture(scope="module")
def demo_year(tmp_path_factory):
    """A demo year (60 people) and its service with the installation's keys."""
    out = tmp_path_factory.mktemp("logboek") / "demo"
    result = run_demo(out, people=60)
    service = open_service(result.store_url)
    yield service
    service.close()


@pytest.fixture(scope="module")
def exported(demo_year):
    key = subject_key(demo_year.key_provider.audit_key())
    before = list(demo_year.store.read_audit())
    records = logboek_records(
        demo_year.store,
        actor="privacy-officer",
        register=REGISTER,
        subject_key=key,
        clock=demo_year.clock,
    )
    return before, records, key


def test_every_record_follows_the_standards_interface(exported):
    before, records, _ = exported
    assert len(records) == len(before) > 100
    validator = jsonschema.Draft202012Validator(RECORD)
    for record in records:
        errors = [e.message for e in validator.iter_errors(record)]
        assert not errors, (record, errors)
        assert record["end_time"] >= record["start_time"]
        attrs = attributes(record)
        for key in attrs:
            assert key.startswith("dpl."), key  # the standard's namespace
        activity = attrs["dpl.core.processing_activity_id"]
        parsed = urlparse(activity)
        assert parsed.scheme == "https"
        assert parsed.netloc
        assert activity.startswith(REGISTER + "#")
        assert activity.rpartition("#")[2] in ACTIVITIES
        if "dpl.core.data_subject_id" in attrs:
            assert attrs["dpl.core.data_subject_id_type"].startswith(REGISTER + "#")


def test_records_follow_the_lines_one_to_one(exported):
    before, records, _ = exported
    assert [attributes(r)["dpl.magcore.audit_seq"] for r in records] == [e["seq"] for e in before]
    status = {"done": "STATUS_CODE_OK", "allowed": "STATUS_CODE_OK", "denied": "STATUS_CODE_UNSET"}
    for entry, record in zip(before, records, strict=True):
        assert record["status_code"] == status.get(entry["result"], "STATUS_CODE_ERROR")
        assert attributes(record)["dpl.core.processing_activity_id"].endswith(
            "#" + activity_for(entry).id
        )


def test_traces_group_a_command_and_parents_stay_inside_their_trace(exported):
    _, records, _ = exported
    spans = {r["span_id"]: r for r in records}
    assert len(spans) == len(records)  # span ids are unique
    children = [r for r in records if "parent_span_id" in r]
    assert children  # one command writes several lines
    for child in children:
        parent = spans[child["parent_span_id"]]
        assert parent["trace_id"] == child["trace_id"]
        assert "parent_span_id" not in parent


def test_people_appear_only_as_keyed_pseudonyms(demo_year, exported):
    _, records, key = exported
    people = {r.subject for r in demo_year.store.conversations() if r.subject}
    text = json.dumps(records)
    for person in people:
        assert re.search(rf'"{re.escape(person)}"', text) is None
    subjects = {
        attributes(r)["dpl.core.data_subject_id"]
        for r in records
        if "dpl.core.data_subject_id" in attributes(r)
    }
    # every conversation's subject is found under their pseudonym, and nothing else is there
    assert {pseudonym(p, key) for p in people} <= subjects
    conversations = {r.id: r.subject for r in demo_year.store.conversations()}
    for record in records:
        attrs = attributes(record)
        obj = attrs["dpl.magcore.object"]
        if obj.startswith("conversation:"):
            ident = obj.split("/", 1)[0].partition(":")[2]
            assert attrs["dpl.core.data_subject_id"] == pseudonym(conversations[ident], key)


def test_export_is_deterministic_and_audited(demo_year, exported):
    _, records, key = exported
    again = logboek_records(
        demo_year.store,
        actor="privacy-officer",
        register=REGISTER,
        subject_key=key,
        clock=demo_year.clock,
    )
    assert again[: len(records)] == records
    # the first export left its own line, which the second export shows
    last = attributes(again[-1])
    assert last["dpl.magcore.object"].startswith("audit:logboek/")
    assert last["dpl.core.processing_activity_id"].endswith("#operations")
    assert verify_store(demo_year.store, keys=demo_year.key_provider.audit_key).ok


def test_the_regulation_prints_the_register_the_log_refers_to():
    from magcore.access.processing import register_markdown

    text = "\n".join(register_markdown("nl"))
    for activity in ACTIVITIES.values():
        assert f"(`{activity.id}`)" in text
        assert activity.name.nl in text


@given(
    action=st.text(max_size=20),
    obj=st.text(max_size=40),
    purpose=st.sampled_from(["", "conversation", "subject_access", "research"]),
)
def test_every_line_belongs_to_a_registered_activity(action, obj, purpose):
    activity = activity_for({"action": action, "object": obj, "purpose": purpose})
    assert ACTIVITIES[activity.id] is activity
