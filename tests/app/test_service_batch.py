"""Service.request_many: many requests, one transaction per batch, all or nothing per batch."""

from __future__ import annotations

from datetime import date

import pytest

from magcore import TransitionError

from .test_service import first_employee, setup  # noqa: F401  (the fixture)

DAY = date(2025, 1, 6)


def _specs(service, cycle, org, count):
    people = [p for p in sorted(org.people) if org.manager_of(p, DAY) and org.team_of(p, DAY)]
    specs = []
    for person in people[:count]:
        participants = service.participants_for(org.id, cycle, "yearly", person, on=DAY)
        specs.append(
            {
                "cycle": cycle,
                "kind": "yearly",
                "participants": participants,
                "actor": participants[1].person,
            }
        )
    return specs


def test_each_batch_is_one_transaction_and_observers_hear_once_per_batch(setup):  # noqa: F811
    service, cycle, org, recorder, _ = setup
    before = len(recorder.batches)
    done = []
    started = service.request_many(
        _specs(service, cycle, org, 5), batch_size=2, progress=done.append
    )
    assert len(started) == 5
    assert done == [2, 4, 5]
    batches = recorder.batches[before:]
    conversations = [
        {e.stream for e in b.events if not e.stream.startswith("cycle-definition:")}
        for b in batches
    ]
    assert [len(streams) for streams in conversations] == [2, 2, 1]
    # The cycle was kept (with its hash) when it was approved: no batch stores it again.
    assert service.store.version(f"cycle-definition:{cycle.key}") == 1
    assert not any(e.stream.startswith("cycle-definition:") for b in batches for e in b.events)
    assert {row.id for row in service.store.conversations()} >= set(started)


def test_a_refused_request_stores_nothing_of_its_batch(setup):  # noqa: F811
    service, cycle, org, _, _ = setup
    specs = _specs(service, cycle, org, 4)
    specs[3] = {**specs[3], "actor": "somebody-else"}  # not a participant: refused
    with pytest.raises(TransitionError):
        service.request_many(specs, batch_size=2)
    stored = {row.subject for row in service.store.conversations()}
    first_two = {s["participants"][0].person for s in specs[:2]}
    last_two = {s["participants"][0].person for s in specs[2:]}
    assert first_two <= stored  # the first batch stays
    assert not (last_two & stored)  # nothing of the refused batch


def test_the_collector_rests_while_a_batch_is_decided_and_works_again_after(
    setup,  # noqa: F811
    monkeypatch,
):
    """Each batch is decided with the cyclic garbage collector paused; it runs again after
    the batch, also when a request was refused (and when it was off before, it stays off)."""
    import gc

    from magcore.app import batch as batch_module

    service, cycle, org, _, _ = setup
    seen = []
    decide = batch_module.decide

    def watched(*args, **kwargs):
        seen.append(gc.isenabled())
        return decide(*args, **kwargs)

    monkeypatch.setattr(batch_module, "decide", watched)
    specs = _specs(service, cycle, org, 3)
    assert gc.isenabled()
    service.request_many(specs[:2], batch_size=1)
    assert seen == [False, False]
    assert gc.isenabled()
    with pytest.raises(TransitionError):
        service.request_many([{**specs[2], "actor": "somebody-else"}])
    assert gc.isenabled()
    gc.disable()
    try:
        service.request_many(specs[2:])
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_new_ids_look_like_the_first_half_of_a_random_uuid():
    """16 lower-case hex digits with the version nibble 4 where uuid4().hex puts it, and no
    two alike among many."""
    import re
    import uuid

    from magcore.app.service import _new_id

    ids = [_new_id() for _ in range(2000)]
    assert all(re.fullmatch(r"[0-9a-f]{12}4[0-9a-f]{3}", i) for i in ids)
    assert len(set(ids)) == len(ids)
    assert re.fullmatch(r"[0-9a-f]{12}4[0-9a-f]{3}", uuid.uuid4().hex[:16])  # the same shape
    assert len({i[13] for i in ids}) == 16  # the digits after the version nibble vary fully
