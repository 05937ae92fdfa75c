"""A refused write leaves an audit line, and that line holds no content.

The audit log is kept in clear and outlives erasure, so a refusal's line keeps the error's class
and content-free facts (``MagcoreError.audit_reason``), never its message: a message may quote
what was written (a field name the form does not know) or what a check plugin saw (its crash
over the record). Found by trying it as an attacker: both reached the SQLite file in clear.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from magcore import (
    DraftRecord,
    FixedClock,
    MarkHeld,
    Participant,
    RecordInvalidError,
    get_plugin_manager,
    hookimpl,
    open_service,
)
from magcore.errors import (
    AccessDenied,
    ApprovalMissingError,
    ConflictError,
    InputRefused,
    MagcoreError,
    PluginError,
    Problem,
    TransitionError,
)
from magcore.testing import approve_cycle

from ..conftest import EXAMPLE_CYCLES
from ..support.forms import TINY_RECORD_FORM

NOW = datetime(2025, 1, 6, 9, tzinfo=UTC)
MARKER = "QX9MARKER burn-out sinds januari"


class RecordForm:
    @hookimpl
    def magcore_register_forms(self, register):
        register(TINY_RECORD_FORM)


class CrashingCheck:
    """A check plugin with an ordinary bug: its exception quotes the record it was given."""

    @hookimpl
    def magcore_check_record(self, record):
        raise ValueError(f"cannot read {record.get('summary')!r}")


def _service(tmp_path, *plugins):
    host = get_plugin_manager(load_entry_points=False, extra=[("form", RecordForm()), *plugins])
    db = tmp_path / "magcore.db"
    service = open_service(f"sqlite:///{db}", clock=FixedClock(NOW), host=host)
    data = json.loads((EXAMPLE_CYCLES / "employee-manager.json").read_text())
    data["kinds"][0]["record_form"] = "tiny-record"
    cycle = service.add_cycle(data)
    approve_cycle(service, cycle)
    people = (Participant("emp", "employee"), Participant("mgr", "manager"))
    conv = service.request(cycle=cycle, kind="yearly", participants=people, actor="emp")
    service.execute(conv.id, MarkHeld(actor="mgr", on=date(2025, 1, 7)))
    return service, conv, db


def _raw(db) -> bytes:
    return b"".join(
        part.read_bytes() for part in (db, db.with_name(db.name + "-wal")) if part.exists()
    )


def _refusals(service):
    return [line for line in service.store.read_audit() if line["result"] == "refused"]


def test_a_check_plugins_crash_over_a_record_is_audited_without_the_record(tmp_path):
    service, conv, db = _service(tmp_path, ("crashing", CrashingCheck()))
    with pytest.raises(PluginError) as caught:
        service.execute(conv.id, DraftRecord(actor="mgr", answers={"summary": MARKER}))
    assert MARKER not in str(caught.value)  # nor in the error a front end may log
    assert MARKER in str(caught.value.__cause__)  # the plugin's own exception, in memory
    [line] = _refusals(service)
    assert line["reason"] == "PluginError: crashing in magcore_check_record"
    assert line["actor"] == "mgr"
    service.close()
    assert MARKER.encode() not in _raw(db)


def test_an_answer_field_the_form_does_not_know_is_audited_without_its_name(tmp_path):
    service, conv, db = _service(tmp_path)
    with pytest.raises(RecordInvalidError) as caught:
        service.execute(conv.id, DraftRecord(actor="mgr", answers={MARKER: "x"}))
    assert MARKER in str(caught.value)  # the writer is told which field, in their own words
    [line] = _refusals(service)
    assert line["reason"].startswith("RecordInvalidError: ")
    assert MARKER not in line["reason"]
    service.close()
    assert MARKER.encode() not in _raw(db)


def test_an_errors_audit_reason_keeps_ids_states_and_counts_only():
    quoted = Problem("/answers", f'This form has no field called "{MARKER}".')
    reasons = [
        MagcoreError(MARKER).audit_reason(),
        RecordInvalidError([quoted, quoted]).audit_reason(),
        InputRefused([quoted]).audit_reason(),
        PluginError(distribution="acme", hook="magcore_check_record", reason=MARKER).audit_reason(),
        PluginError(distribution="acme", hook=None, reason=MARKER).audit_reason(),
        TransitionError(
            conversation_id="c1", state="held", action="draft", reason=MARKER
        ).audit_reason(),
        ConflictError(
            stream="conversation:c1", expected_version=3, actual_version=4
        ).audit_reason(),
        ApprovalMissingError(MARKER, cycle="mag@1", missing=["works-council"]).audit_reason(),
        AccessDenied(actor="hr", object_id="c1", purpose="hr", reason="no choice").audit_reason(),
    ]
    assert reasons == [
        "MagcoreError",
        "RecordInvalidError: 2 problems",
        "InputRefused: 1 problem",
        "PluginError: acme in magcore_check_record",
        "PluginError: acme",
        "TransitionError: draft in state held",
        "ConflictError: at version 4, expected 3",
        "ApprovalMissingError: mag@1 lacks works-council",
        "AccessDenied: hr: no choice",
    ]
