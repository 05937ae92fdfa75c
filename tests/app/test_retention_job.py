"""The retention job (``service.apply_retention``, ``magcore store retention``): what is past
its term is destroyed, once; a record under a restriction of processing (AVG art. 18) is kept
while it holds, also from the privacy officer's list and command; one conversation that cannot
be checked or destroyed does not stop the others."""

from __future__ import annotations

from typing import Any

import pytest

from magcore.app import destruction
from magcore.app.service import Service
from magcore.errors import ConsentError, NotFoundError, StorageError

from .test_destruction import _lines, _world


def _stream_ends_destroyed(service: Service, conversation: str) -> bool:
    from magcore.access.origins import destroyed

    return destroyed(service.store, conversation)


def test_the_job_destroys_what_is_past_its_term_once() -> None:
    service, annas, eriks = _world()
    since = service.store.audit_head().count
    run = service.apply_retention()
    assert sorted(run.destroyed) == sorted([annas, eriks])
    assert (dict(run.by_profile), run.held, run.again, run.failed) == (
        {"selectielijst-2020": 2},
        0,
        0,
        0,
    )
    assert run.today == service.clock.now().date()
    destroys = [x for x in _lines(service, since) if x["action"] == "destroy"]
    assert {(x["actor"], x["object"], x["purpose"]) for x in destroys} == {
        ("system", f"conversation:{annas}", "retention"),
        ("system", f"conversation:{eriks}", "retention"),
    }
    assert all(_stream_ends_destroyed(service, c) for c in (annas, eriks))
    since = service.store.audit_head().count
    assert service.apply_retention().destroyed == ()  # the next day: nothing again
    assert _lines(service, since) == []
    over = service.apply_retention(again=True)  # after upgrading an older store
    assert (over.destroyed, over.again) == ((), 2)
    service.close()


def test_a_dry_run_writes_nothing() -> None:
    service, annas, eriks = _world()
    head = service.store.audit_head().count
    run = service.apply_retention(dry_run=True)
    assert run.dry_run is True
    assert sorted(run.destroyed) == sorted([annas, eriks])
    assert service.store.audit_head().count == head
    assert not any(_stream_ends_destroyed(service, c) for c in (annas, eriks))
    service.close()


def test_a_restricted_record_is_kept_while_the_restriction_holds() -> None:
    """Anna restricted her record (she needs it for a claim): the job, the officer's list and
    the officer's command all keep it; once lifted, the next run destroys it."""
    service, annas, eriks = _world()
    service.restrict(
        "anna", actor="po", reason="nodig voor een bezwaarprocedure", conversation=annas
    )
    assert [d.conversation for d in service.due_destructions("po")] == [eriks]
    since = service.store.audit_head().count
    with pytest.raises(NotFoundError, match="restricted"):
        service.destroy_due(annas, actor="po")
    [refused] = _lines(service, since)
    assert (refused["actor"], refused["result"]) == ("po", "refused")
    run = service.apply_retention()
    assert (run.destroyed, run.held) == ((eriks,), 1)
    assert not _stream_ends_destroyed(service, annas)
    service.lift_restriction("anna", actor="po", conversation=annas)
    later = service.apply_retention()
    assert (later.destroyed, later.held) == ((annas,), 0)
    service.close()


def test_a_blanket_restriction_keeps_every_record_of_the_person() -> None:
    service, annas, _eriks = _world()
    service.restrict("erik", actor="po", reason="verzoek van de medewerker")
    run = service.apply_retention()
    assert (run.destroyed, run.held) == ((annas,), 1)
    service.close()


def test_one_conversation_that_cannot_be_destroyed_does_not_stop_the_others(
    monkeypatch: Any,
) -> None:
    service, annas, eriks = _world()
    real = destruction.destroy_conversation

    def refusing(store: Any, conversation: str, **kwargs: Any) -> Any:
        if conversation == annas:
            raise StorageError("the disk is full")
        return real(store, conversation, **kwargs)

    monkeypatch.setattr(destruction, "destroy_conversation", refusing)
    run = service.apply_retention()
    assert (run.destroyed, run.failed) == ((eriks,), 1)
    monkeypatch.setattr(destruction, "destroy_conversation", real)
    assert service.apply_retention().destroyed == (annas,)  # the next run finishes it
    service.close()


def test_an_uninstalled_cycle_is_counted_not_fatal(monkeypatch: Any) -> None:
    """The conversations' cycle is no longer installed: nothing can say their term, so
    nothing is destroyed, the job says how many it could not check and raises nothing."""
    service, annas, eriks = _world()
    monkeypatch.setattr(Service, "cycles", property(lambda self: {}))
    run = service.apply_retention()
    assert (run.destroyed, run.failed) == ((), 2)
    assert not any(_stream_ends_destroyed(service, c) for c in (annas, eriks))
    service.close()


def test_the_shared_list_keeps_restricted_records_out_for_every_caller() -> None:
    """``due_for_destruction`` itself (what a hand-written retention run would call) leaves a
    restricted record out; the survey says it is held."""
    from magcore.access.retention import due_for_destruction, retention_survey
    from magcore.model.days import local_day

    service, annas, eriks = _world()
    service.restrict("anna", actor="po", reason="nodig voor een claim", conversation=annas)
    today = local_day(service.clock.now(), service.timezone)
    args = {
        "today": today,
        "cycles": service.cycles,
        "profiles": service.retention_profiles(),
        "zone": service.timezone,
    }
    assert [c for c, _, _ in due_for_destruction(service.store, **args)] == [eriks]
    survey = retention_survey(service.store, **args)
    assert (survey.held, survey.unchecked) == ((annas,), ())
    service.close()


def test_the_privacy_officers_lines_are_filed_under_retention_and_erasure() -> None:
    from magcore.access.processing import activity_for

    service, annas, _eriks = _world()
    service.due_destructions("po")
    with pytest.raises(ConsentError):
        service.destroy_due(annas, actor="bram")
    lines = [dict(x) for x in service.store.read_audit()]
    mine = [x for x in lines if x["action"] in ("list-destruction-due", "DestroyConversation")]
    assert {x["action"] for x in mine} == {"list-destruction-due", "DestroyConversation"}
    assert {activity_for(x).id for x in mine} == {"retention-and-erasure"}
    service.close()
