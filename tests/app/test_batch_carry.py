"""Carried agreements on the bulk path: ``Service.request_many`` reads the open agreements of a
whole batch at once, and carries into each conversation exactly what a single request carries."""

from __future__ import annotations

from datetime import date
from typing import Protocol, runtime_checkable

import pytest

from magcore import Agreement, UpdateAgreement
from magcore.app import conversations as conversations_module

from .test_service import hold_and_agree, setup  # noqa: F401  (the fixture)

DAY = date(2025, 1, 6)


def _employees(org, count):
    return [p for p in sorted(org.people) if org.manager_of(p, DAY) and org.team_of(p, DAY)][:count]


def _agreed(service, cycle, org, person, agreements):
    participants = service.participants_for(org.id, cycle, "yearly", person, on=DAY)
    conv = service.request(
        cycle=cycle, kind="yearly", participants=participants, actor=participants[1].person
    )
    return hold_and_agree(service, conv, agreements)


def _spec(service, cycle, org, person):
    participants = service.participants_for(org.id, cycle, "yearly", person, on=DAY)
    return {
        "cycle": cycle,
        "kind": "yearly",
        "participants": participants,
        "actor": participants[1].person,
    }


@pytest.fixture
def history(setup):  # noqa: F811
    """Four employees: one with two open agreements, one whose only agreement is done, one
    with open agreements from two agreed conversations, one with none."""
    service, cycle, org, _, _ = setup
    two, done, twice, none = _employees(org, 4)
    _agreed(
        service,
        cycle,
        org,
        two,
        (
            Agreement(id="a1", text="Cursus Excel", owner="employee"),
            Agreement(id="a2", text="Samen plannen", owner="both", due=date(2025, 6, 1)),
        ),
    )
    finished = _agreed(
        service, cycle, org, done, (Agreement(id="d1", text="Klaar", owner="employee"),)
    )
    service.execute(finished.id, UpdateAgreement(actor=done, agreement_id="d1", status="done"))
    _agreed(service, cycle, org, twice, (Agreement(id="b1", text="Eerst", owner="manager"),))
    _agreed(service, cycle, org, twice, (Agreement(id="b2", text="Daarna", owner="employee"),))
    return service, cycle, org, [two, done, twice, none]


def test_the_batched_look_up_gives_each_person_what_the_single_one_gives(history):
    service, _, _, people = history
    single = {person: service._open_agreements_of(person) for person in people}
    assert service._open_agreements_of_many(people) == single
    two, done, twice, none = people
    assert [a.text for a in single[two]] == ["Cursus Excel", "Samen plannen"]
    assert single[done] == ()
    assert single[none] == ()
    # both held on one day: in the order of their conversations' ids, whichever that is
    assert sorted(a.text for a in single[twice]) == ["Daarna", "Eerst"]
    assert all(a.carried_from == a.id and "#" in a.id for a in single[two] + single[twice])


def test_a_store_without_the_bulk_read_is_asked_person_by_person(history, monkeypatch):
    """A store of an older plugin (no ``open_agreements_many``) carries the same."""
    service, _, _, people = history
    single = {person: service._open_agreements_of(person) for person in people}

    @runtime_checkable
    class _NoStoreHasIt(Protocol):
        def a_method_no_store_has(self) -> None: ...

    asked = []
    inner = service.store.inner
    per_person = inner.open_agreements
    monkeypatch.setattr(conversations_module, "ReadsAgreementsInBulk", _NoStoreHasIt)
    monkeypatch.setattr(inner, "open_agreements", lambda s: asked.append(s) or per_person(s))
    assert service._open_agreements_of_many(people) == single
    assert sorted(asked) == sorted(people)


def test_a_batch_carries_into_each_conversation_what_a_single_request_carries(history, monkeypatch):
    service, cycle, org, people = history
    expected = {person: service._open_agreements_of(person) for person in people}
    inner = service.store.inner
    reads = []
    bulk = inner.open_agreements_many
    monkeypatch.setattr(inner, "open_agreements", lambda s: pytest.fail("one read per person"))
    monkeypatch.setattr(inner, "open_agreements_many", lambda s: reads.append(s) or bulk(s))
    # The first person twice in one batch: both conversations carry their open agreements.
    order = [*people, people[0]]
    started = service.request_many(
        [_spec(service, cycle, org, person) for person in order], batch_size=3
    )
    assert len(reads) == 2  # one read per batch (3 + 2 requests), not one per person
    for person, conv_id in zip(order, started, strict=True):
        state = service._load(conv_id)
        assert state.subject == person
        assert state.carried_forward == expected[person]
    # Carried content stays sealed in the store like a single request's: no text in clear.
    texts = [a.text for carried in expected.values() for a in carried]
    assert texts
    for person, conv_id in zip(order, started, strict=True):
        (sealed,) = service.store.inner.read(f"conversation:{conv_id}")
        (opened,) = service.store.read(f"conversation:{conv_id}")
        assert not any(text in str(sealed.data) for text in texts)
        assert all(a.text in str(opened.data) for a in expected[person])
    # And a single request afterwards carries the same as the batch did.
    monkeypatch.undo()
    one = service.request(**_spec(service, cycle, org, people[2]))
    assert service._load(one.id).carried_forward == expected[people[2]]
