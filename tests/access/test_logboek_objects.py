"""With a subject key, the Logboek export names no person in clear: not as the data subject,
and not inside an object (a person's stream, an event of it, their sharing choices, their key,
what they listed), where they appear by the same pseudonym."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from magcore import (
    Agreement,
    Assignment,
    ConfirmRecord,
    DraftRecord,
    FixedClock,
    MarkHeld,
    Organisation,
    Person,
    Team,
    open_service,
)
from magcore.access.logboek import logboek_records, pseudonym, subject_key
from magcore.domain.sharing import GrantSharing

pytest.importorskip("opentelemetry.sdk")

CYCLE = {
    "id": "logboek-example",
    "version": 1,
    "name": {"nl": "Gesprek", "en": "Conversation"},
    "kinds": [
        {
            "id": "yearly",
            "name": {"nl": "Jaargesprek", "en": "Yearly conversation"},
            "pattern": "employee_manager",
            "cadence": {"kind": "per_year", "per_year": 1},
            "initiators": ["employee", "manager"],
            "preparers": ["employee", "manager"],
        }
    ],
}
PEOPLE = ("anna", "bram", "carla")


@pytest.fixture
def service():
    clock = FixedClock(datetime(2025, 3, 3, 9, 0, tzinfo=UTC))
    service = open_service("memory://", clock=clock)
    cycle = service.add_cycle(CYCLE)
    service.import_organisation(
        Organisation.build(
            id="gemeente",
            people=[Person(id=p) for p in PEOPLE],
            teams=[Team(id="balie")],
            assignments=[
                Assignment(person="bram", team="balie", role="manager", start=date(2024, 1, 1)),
                Assignment(person="anna", team="balie", role="member", start=date(2024, 1, 1)),
            ],
        ),
        actor="hr",
    )
    service.use_organisation("gemeente")
    for body in cycle.approvals_required:
        service.approve_policy(
            cycle, body=body, reference="2025-1", on=date(2025, 2, 1), actor="or"
        )
    people = service.participants_for("gemeente", cycle, "yearly", "anna", on=date(2025, 3, 3))
    conversation = service.request(cycle=cycle, kind="yearly", participants=people, actor="anna")
    service.execute(conversation.id, MarkHeld(actor="bram", on=date(2025, 3, 3)))
    agreement = Agreement(id="a1", text="Cursus", owner="employee")
    service.execute(
        conversation.id, DraftRecord(actor="bram", summary="Goed", agreements=[agreement])
    )
    for person in ("bram", "anna"):
        service.execute(conversation.id, ConfirmRecord(actor=person, revision=1))
    service.share(
        GrantSharing(actor="anna", person="anna", to="carla", what="agreements", purpose="advice")
    )
    service.sharing("anna")  # anna reads her own choices: person:anna/sharing
    service.listing("carla", purpose="advice")  # listing:carla
    service.view(conversation.id, actor="carla", purpose="advice")
    yield service
    service.close()


def _values(records):
    return [a["value"] for r in records for a in r["attributes"] if isinstance(a["value"], str)]


def test_no_person_of_the_store_appears_in_clear_with_a_subject_key(service):
    key = subject_key(service.key_provider.audit_key())
    records = logboek_records(service.store, actor="po", subject_key=key, clock=service.clock)
    objects = [
        v
        for r in records
        for a in r["attributes"]
        if a["key"] == "dpl.magcore.object"
        for v in [a["value"]]
    ]
    text = json.dumps(records)
    for person in PEOPLE:
        assert re.search(rf"(?<![0-9a-z]){person}(?![0-9a-z])", text) is None, person
    # the objects that named a person name them by the data subject's pseudonym
    anna = pseudonym("anna", key)
    assert f"person:{anna}/sharing" in objects
    assert any(o.startswith(f"person:{anna}/") and o.rpartition("/")[2].isdigit() for o in objects)
    assert f"listing:{pseudonym('carla', key)}" in objects


def test_without_a_subject_key_the_objects_stay_as_written(service):
    records = logboek_records(service.store, actor="po", clock=service.clock)
    assert "person:anna/sharing" in _values(records)
    assert "listing:carla" in _values(records)


def test_the_export_is_audited_at_the_service_clock(service):
    """An attacker review found the export's own line carried the wall clock (every other line
    carries the service clock's time)."""
    service.clock.advance(timedelta(days=3))
    logboek_records(service.store, actor="po", clock=service.clock)
    *_, line = service.store.read_audit()
    assert (line["action"], line["actor"]) == ("export", "po")
    assert line["at"] == service.clock.now().isoformat()


def test_a_preparations_author_is_named_by_their_pseudonym(service):
    """Review of 2026-12-06: a read of a preparation is audited as
    ``conversation:<id>/preparation:<author>``, and the author was written in clear beside the
    data subject's pseudonym; the author of their own preparation *is* the data subject, so
    every line of their conversation could be tied to them (the demo's Logboek held 6,360)."""
    from magcore import PublishPreparation, SavePreparation

    cycle = service.cycle("logboek-example@1")
    people = service.participants_for("gemeente", cycle, "yearly", "anna", on=date(2025, 3, 3))
    conversation = service.request(cycle=cycle, kind="yearly", participants=people, actor="anna")
    for person in ("anna", "bram"):
        service.execute(conversation.id, SavePreparation(actor=person, answers={}))
        service.execute(conversation.id, PublishPreparation(actor=person))
    service.view(conversation.id, actor="bram")
    key = subject_key(service.key_provider.audit_key())
    records = logboek_records(service.store, actor="po", subject_key=key, clock=service.clock)
    for person in PEOPLE:
        text = json.dumps(records)
        found = re.search(rf"(?<![0-9a-z]){person}(?![0-9a-z])", text)
        assert found is None, text[found.start() - 300 : found.end() + 50]
    objects = {
        a["value"] for r in records for a in r["attributes"] if a["key"] == "dpl.magcore.object"
    }
    for person in ("anna", "bram"):
        assert f"conversation:{conversation.id}/preparation:{pseudonym(person, key)}" in objects
    plain = logboek_records(service.store, actor="po", clock=service.clock)
    assert f"conversation:{conversation.id}/preparation:anna" in _values(plain)
