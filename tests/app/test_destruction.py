"""The retention term's destruction as the service's query and command: the privacy officer
lists what is due (one audit line per listing, a refusal too) and destroys one of them; the
list leaves out what is destroyed already, and nobody else gets it or destroys anything."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from magcore.access.erasure import destroy_conversation
from magcore.access.retention import SELECTIELIJST_2020
from magcore.app.service import Service
from magcore.errors import AccessDenied, ConsentError, InputRefused, NotFoundError

from ..access.mix_world import T0, agreed
from ..access.test_carried_origin import _service

#: Five years after the conversation is completed (the cycle's selectielijst-2020), and a bit.
TERM = timedelta(days=5 * 366 + 1)


def _world() -> tuple[Service, str, str]:
    """Two conversations agreed on the first day (Anna's, Erik's), and the term passed."""
    service = _service()
    annas = agreed(service, "yearly", employee="anna", manager="bram")
    eriks = agreed(service, "yearly", employee="erik", manager="carla")
    service.clock.current += TERM  # type: ignore[attr-defined]
    return service, annas, eriks


def _lines(service: Service, since: int) -> list[dict[str, Any]]:
    return [dict(line) for line in service.store.read_audit()][since:]


def _keys(service: Service) -> list[tuple[str, bool]]:
    return [(k.id, k.alive) for k in service.store.inner.list_keys()]  # type: ignore[attr-defined]


def test_the_privacy_officer_lists_what_is_due_with_one_audit_line() -> None:
    service, annas, eriks = _world()
    since = service.store.audit_head().count
    listed = service.due_destructions("po")
    assert [(d.conversation, d.profile) for d in listed] == sorted(
        [(annas, "selectielijst-2020"), (eriks, "selectielijst-2020")]
    )
    assert {d.due for d in listed} == {T0.date().replace(year=T0.year + 5)}
    assert listed.viewer == "po"
    assert listed.at == service.clock.now()
    (line,) = _lines(service, since)
    assert line["action"] == "list-destruction-due"
    assert (line["actor"], line["result"], line["purpose"]) == ("po", "allowed", "retention")
    assert line["object"] == "listing:po/destruction-due"
    assert line["at"] == service.clock.now().isoformat()
    assert line["reason"] == "privacy officer: 2 conversations due for destruction listed"
    service.close()


def test_nothing_is_due_before_the_term_and_the_listing_is_still_audited() -> None:
    service = _service()
    agreed(service, "yearly", employee="anna", manager="bram")
    since = service.store.audit_head().count
    assert list(service.due_destructions("po")) == []
    (line,) = _lines(service, since)
    assert (line["action"], line["result"]) == ("list-destruction-due", "allowed")
    assert line["reason"] == "privacy officer: 0 conversations due for destruction listed"
    service.close()


def test_a_destroyed_conversation_is_left_out_of_the_list() -> None:
    """Destroyed by the officer's command, or by a retention run's function: its first event
    stays (a store with keys), its last is the tombstone, and the list leaves it out."""
    service, annas, eriks = _world()
    done = service.destroy_due(annas, actor="po")
    assert (done.conversation, done.profile) == (annas, "selectielijst-2020")
    assert done.keys
    assert [d.conversation for d in service.due_destructions("po")] == [eriks]
    destroy_conversation(
        service.store, eriks, profile=SELECTIELIJST_2020, due=done.due, clock=service.clock
    )
    assert list(service.due_destructions("po")) == []
    service.close()


def test_the_list_decrypts_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ids, profiles and days only: the events are read as stored."""
    service, _, _ = _world()

    def refuse(event: Any) -> Any:
        raise AssertionError(f"{event.stream} was decrypted for the list")

    monkeypatch.setattr(service.store.codec, "open", refuse)  # type: ignore[attr-defined]
    assert len(service.due_destructions("po")) == 2
    service.close()


@pytest.mark.parametrize("actor", ["anna", "bram", "hr1", "dirk", "nobody"])
def test_nobody_else_gets_the_list_and_the_refusal_is_audited(actor: str) -> None:
    service, annas, _ = _world()
    since = service.store.audit_head().count
    with pytest.raises(AccessDenied) as refused:
        service.due_destructions(actor)
    assert annas not in str(refused.value)
    (line,) = _lines(service, since)
    assert line["action"] == "list-destruction-due"
    assert (line["actor"], line["result"], line["purpose"]) == (actor, "denied", "retention")
    assert line["object"] == f"listing:{actor}/destruction-due"
    assert line["reason"].startswith("denied because")
    assert line["at"] == service.clock.now().isoformat()
    service.close()


def test_an_actor_that_is_no_id_is_refused_by_name_before_anything_is_written() -> None:
    service, _, _ = _world()
    since = service.store.audit_head().count
    with pytest.raises(InputRefused) as refused:
        service.due_destructions("po\n")
    assert refused.value.problems[0].pointer == "/actor"
    assert _lines(service, since) == []
    service.close()


@pytest.mark.parametrize("actor", ["anna", "bram", "hr1", "dirk"])
def test_nobody_else_destroys_and_the_refusal_is_audited(actor: str) -> None:
    service, annas, _ = _world()
    keys = _keys(service)
    since = service.store.audit_head().count
    with pytest.raises(ConsentError) as refused:
        service.destroy_due(annas, actor=actor)
    assert refused.value.field == "actor"
    assert "privacy officer" in str(refused.value)
    (line,) = _lines(service, since)
    assert (line["action"], line["actor"], line["result"]) == (
        "DestroyConversation",
        actor,
        "denied",
    )
    assert line["object"] == f"conversation:{annas}"
    assert line["at"] == service.clock.now().isoformat()
    assert _keys(service) == keys
    assert service.view(annas, actor="bram").summary == "record"
    service.close()


def test_what_is_not_due_is_not_found_and_destroys_nothing() -> None:
    """Not due yet, destroyed already, or no such conversation: one answer for each, with
    the refusal's line; nothing is destroyed."""
    service, annas, _ = _world()
    service.destroy_due(annas, actor="po")
    young = agreed(service, "yearly", employee="anna", manager="bram")  # agreed today
    messages = []
    for named in (young, annas, "no-such-conversation"):
        keys = _keys(service)
        since = service.store.audit_head().count
        with pytest.raises(NotFoundError) as refused:
            service.destroy_due(named, actor="po")
        messages.append(str(refused.value).replace(named, "<id>"))
        (line,) = _lines(service, since)
        assert (line["action"], line["actor"], line["result"]) == (
            "DestroyConversation",
            "po",
            "refused",
        )
        assert line["object"] == f"conversation:{named}"
        assert _keys(service) == keys
    assert len(set(messages)) == 1
    assert service.view(young, actor="bram").summary == "record"
    service.close()


def test_the_officer_destroys_one_conversation_with_its_audit_line() -> None:
    service, annas, eriks = _world()
    since = service.store.audit_head().count
    done = service.destroy_due(annas, actor="po")
    destroyed = [line for line in _lines(service, since) if line["action"] == "destroy"]
    assert [(d["actor"], d["object"], d["purpose"]) for d in destroyed] == [
        ("po", f"conversation:{annas}", "retention")
    ]
    assert destroyed[0]["reason"] == "retention ref:selectielijst-2020"
    assert destroyed[0]["at"] == service.clock.now().isoformat()
    assert len(done.keys) >= 1
    assert service.view(annas, actor="anna").summary is None
    assert service.view(eriks, actor="erik").summary == "record"
    service.close()


def test_a_privacy_officer_who_left_gets_no_list_and_destroys_nothing() -> None:
    from magcore.domain.orgchanges import Leave

    service, annas, _ = _world()
    today = service.clock.now().date()
    service.record_change("gemeente", Leave(person="po", on=today), actor="hr")
    with pytest.raises(AccessDenied):
        service.due_destructions("po")
    with pytest.raises(ConsentError):
        service.destroy_due(annas, actor="po")
    service.use_roles({"extern": ["privacy_officer"]})  # an external officer the settings name
    assert annas in [d.conversation for d in service.due_destructions("extern")]
    service.close()
