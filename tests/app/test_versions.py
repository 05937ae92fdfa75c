"""Versions held and approved (issue 15): forms pinned for a conversation's life, a changed
definition under the same version refused, requests only under an approved version."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import attrs
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
from magcore.access.audit import verify_store
from magcore.domain.conversation import apply
from magcore.errors import (
    ApprovalMissingError,
    ConsentError,
    DefinitionChangedError,
    InputRefused,
)
from magcore.events import thaw
from magcore.testing import approve_cycle, raw_conversation

from ..conftest import EXAMPLE_CYCLES

T0 = datetime(2025, 1, 6, 9, tzinfo=UTC)
PEOPLE = (Participant("emp", "employee"), Participant("mgr", "manager"))


def _form(version: int, required: str) -> dict:
    return {
        "id": "tiny-record",
        "version": version,
        "purpose": "record",
        "title": {"nl": "Verslag", "en": "Record"},
        "schema": {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "additionalProperties": False,
            "required": [required],
            "properties": {required: {"type": "string", "minLength": 1, "maxLength": 500}},
        },
        "ui": {"fields": {required: {"label": {"nl": "Tekst", "en": "Text"}}}},
    }


class Forms:
    def __init__(self, *forms: dict) -> None:
        self.forms = forms

    @hookimpl
    def magcore_register_forms(self, register):
        for form in self.forms:
            register(form)


def _cycle_data() -> dict:
    data = json.loads((EXAMPLE_CYCLES / "employee-manager.json").read_text())
    data["kinds"][0]["record_form"] = "tiny-record"
    return data


def _service(url: str, *forms: dict, clock: FixedClock | None = None):
    host = get_plugin_manager(load_entry_points=False, extra=[("forms", Forms(*forms))])
    return open_service(url, clock=clock or FixedClock(T0), host=host)


def test_a_request_under_an_unapproved_version_names_the_missing_approval():
    service = _service("memory://", _form(1, "summary"))
    cycle = service.add_cycle(_cycle_data())
    with pytest.raises(ApprovalMissingError, match="works council and the executive") as caught:
        service.request(cycle=cycle, kind="yearly", participants=PEOPLE, actor="emp")
    assert caught.value.missing == ("works_council", "executive")
    assert service.store.version("cycle:example-yearly") == 0
    service.approve_policy(
        cycle, body="works_council", reference="OR-2025-3", on=date(2025, 1, 2), actor="or"
    )
    with pytest.raises(ApprovalMissingError, match="not approved by the executive") as caught:
        service.request(cycle=cycle, kind="yearly", participants=PEOPLE, actor="emp")
    assert caught.value.missing == ("executive",)
    service.approve_policy(
        cycle, body="executive", reference="B&W-2025-9", on=date(2025, 1, 3), actor="hr"
    )
    conv = service.request(cycle=cycle, kind="yearly", participants=PEOPLE, actor="emp")
    assert conv.cycle == "example-yearly@1"


def test_works_council_alone_is_enough_when_the_regulation_names_only_it():
    service = _service("memory://", _form(1, "summary"))
    cycle = service.add_cycle({**_cycle_data(), "approvals_required": ["works_council"]})
    service.approve_policy(
        cycle, body="works_council", reference="OR-1", on=date(2025, 1, 2), actor="or"
    )
    assert service.request(cycle=cycle, kind="yearly", participants=PEOPLE, actor="emp")


def test_an_approval_of_another_hash_or_body_is_refused_and_the_approval_is_audited():
    service = _service("memory://", _form(1, "summary"))
    cycle = service.add_cycle({**_cycle_data(), "approvals_required": ["works_council"]})
    with pytest.raises(ConsentError, match="not the current hash"):
        service.approve_policy(
            cycle,
            body="works_council",
            reference="OR-1",
            on=date(2025, 1, 2),
            actor="or",
            policy_hash="0" * 64,
        )
    with pytest.raises(ConsentError, match="does not ask executive"):
        service.approve_policy(
            cycle, body="executive", reference="B-1", on=date(2025, 1, 2), actor="hr"
        )
    service.approve_policy(
        cycle,
        body="works_council",
        reference="OR-1",
        on=date(2025, 1, 2),
        actor="or",
        policy_hash=service.policy_hash(cycle),
    )
    lines = [line for line in service.store.read_audit() if line["action"] == "approve"]
    assert [(line["actor"], line["object"], line["result"]) for line in lines] == [
        ("or", "cycle:example-yearly@1/regulation", "done")
    ]
    assert "works_council: OR-1" in lines[0]["reason"]
    assert verify_store(service.store)


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"reference": "OR-1 \x1b[2J"}, "/reference"),
        ({"reference": "OR-1 \u2066besluit"}, "/reference"),
        ({"reference": "B" * 201}, "/reference"),
        ({"actor": "or voorzitter"}, "/actor"),
    ],
)
def test_an_approval_passes_the_input_policy_before_anything_is_kept(changes, pointer):
    """The reference and the actor are kept in clear in the cycle's stream and the audit
    line for as long as the log: controls, direction overrides, a long text and a malformed
    actor are refused, naming the field, and nothing is written."""
    service = _service("memory://", _form(1, "summary"))
    cycle = service.add_cycle({**_cycle_data(), "approvals_required": ["works_council"]})
    lines = len(list(service.store.read_audit()))
    approval = {"body": "works_council", "reference": "OR-1", "on": date(2025, 1, 2)}
    with pytest.raises(InputRefused) as refused:
        service.approve_policy(cycle, **{**approval, "actor": "or", **changes})
    assert [p.pointer for p in refused.value.problems] == [pointer]
    assert service.store.version("cycle:example-yearly") == 0
    assert len(list(service.store.read_audit())) == lines


def test_an_approval_with_the_short_hash_says_the_whole_hash_is_needed():
    """The refusal of a request shows the first 12 characters of the hash; an approval with
    only those is refused with a message that says so, not as a stale text."""
    service = _service("memory://", _form(1, "summary"))
    cycle = service.add_cycle({**_cycle_data(), "approvals_required": ["works_council"]})
    with pytest.raises(ApprovalMissingError) as missing:
        service.request(cycle=cycle, kind="yearly", participants=PEOPLE, actor="emp")
    short = service.policy_hash(cycle)[:12]
    assert f"begins {short}" in str(missing.value)
    with pytest.raises(ConsentError, match="is only the beginning of the hash") as refused:
        service.approve_policy(
            cycle,
            body="works_council",
            reference="OR-1",
            on=date(2025, 1, 2),
            actor="or",
            policy_hash=short,
        )
    assert "all 64 characters" in str(refused.value)
    assert service.policy_hash(cycle) not in str(refused.value)  # approve what was shown


def test_a_changed_definition_under_the_same_version_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'v.db'}"
    service = _service(url, _form(1, "summary"))
    approve_cycle(service, service.add_cycle(_cycle_data()))
    service.close()
    changed = _cycle_data()
    changed["kinds"][0]["duration_minutes"] = 60
    again = _service(url, _form(1, "summary"))
    again.add_cycle(changed)
    with pytest.raises(DefinitionChangedError) as caught:
        again.request(cycle="example-yearly@1", kind="yearly", participants=PEOPLE, actor="emp")
    message = str(caught.value)
    assert "cycle example-yearly@1 changed but kept its version" in message
    assert "hash" in message
    assert "new version" in message
    with pytest.raises(DefinitionChangedError):
        approve_cycle(again, "example-yearly@1")
    newer = again.add_cycle({**changed, "version": 2})
    approve_cycle(again, newer)
    assert again.request(cycle=newer, kind="yearly", participants=PEOPLE, actor="emp")


def test_a_changed_form_under_the_same_version_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'f.db'}"
    service = _service(url, _form(1, "summary"))
    cycle = service.add_cycle(_cycle_data())
    approve_cycle(service, cycle)
    service.request(cycle=cycle, kind="yearly", participants=PEOPLE, actor="emp")
    service.close()
    again = _service(url, _form(1, "text"))
    cycle = again.add_cycle(_cycle_data())
    with pytest.raises(DefinitionChangedError, match="form tiny-record@1 changed"):
        approve_cycle(again, cycle)
    with pytest.raises(DefinitionChangedError, match="form tiny-record@1 changed"):
        again.request(cycle=cycle, kind="yearly", participants=PEOPLE, actor="emp")


def test_a_record_started_under_form_v1_stays_valid_after_v2_is_installed(tmp_path):
    url = f"sqlite:///{tmp_path / 'pin.db'}"
    service = _service(url, _form(1, "summary"))
    cycle = service.add_cycle(_cycle_data())
    approve_cycle(service, cycle)
    conv = service.request(cycle=cycle, kind="yearly", participants=PEOPLE, actor="emp")
    assert raw_conversation(service, conv.id).forms == {"record": "tiny-record@1"}
    service.execute(conv.id, MarkHeld(actor="mgr", on=date(2025, 1, 7)))
    service.close()
    # The plugin now ships only version 2, which asks for another field.
    later = _service(url, _form(2, "text"))
    later.add_cycle(_cycle_data())
    done = later.execute(conv.id, DraftRecord(actor="mgr", answers={"summary": "Goed gesprek"}))
    assert done.revision == 1
    with pytest.raises(RecordInvalidError):
        later.execute(conv.id, DraftRecord(actor="mgr", answers={"text": "v2 field"}))
    assert later.form_version("tiny-record@1").version == 1  # the old version stays readable
    # A new conversation needs the new regulation approved, and then uses version 2.
    with pytest.raises(ApprovalMissingError, match="approved an earlier text"):
        later.request(cycle="example-yearly@1", kind="yearly", participants=PEOPLE, actor="emp")
    approve_cycle(later, "example-yearly@1")
    fresh = later.request(cycle="example-yearly@1", kind="yearly", participants=PEOPLE, actor="emp")
    assert raw_conversation(later, fresh.id).forms == {"record": "tiny-record@2"}


def test_conversations_kept_before_forms_were_pinned_use_the_installed_form():
    service = _service("memory://", _form(1, "summary"))
    cycle = service.add_cycle(_cycle_data())
    approve_cycle(service, cycle)
    conv = service.request(cycle=cycle, kind="yearly", participants=PEOPLE, actor="emp")
    events = service.store.read(f"conversation:{conv.id}")
    legacy = thaw(events[0].data)
    legacy.pop("forms")
    old = apply(attrs.evolve(events[0], data=legacy), None)
    assert old.forms == {}
    service.execute(conv.id, MarkHeld(actor="mgr", on=date(2025, 1, 7)))
    with pytest.raises(RecordInvalidError):  # still checked against the installed form
        service.check_answers(old, DraftRecord(actor="mgr", answers={"text": "x"}))


def test_the_bulk_path_holds_the_same_rules():
    service = _service("memory://", _form(1, "summary"))
    cycle = service.add_cycle(_cycle_data())
    spec = {"cycle": cycle, "kind": "yearly", "participants": PEOPLE, "actor": "emp"}
    with pytest.raises(ApprovalMissingError):
        service.request_many([spec])
    assert list(service.store.read_all()) == []
    approve_cycle(service, cycle)
    started = service.request_many([spec, {**spec, "actor": "mgr"}])
    assert [raw_conversation(service, c).forms for c in started] == [
        {"record": "tiny-record@1"}
    ] * 2
    assert service.store.version("form-definition:tiny-record@1") == 1
