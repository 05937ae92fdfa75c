"""Restriction and erasure as service commands: the privacy officer decides, the service checks
it (an employee asks the officer; nobody else restricts, lifts or erases), every refusal has an
audit line and changes nothing."""

from __future__ import annotations

import pytest

from magcore.access.erasure_grounds import ErasureReason
from magcore.app.service import Service
from magcore.domain.sharing import Restrictions, person_stream
from magcore.errors import ConsentError, InputRefused

from ..access.mix_world import agreed
from ..access.test_carried_origin import _service

TEXT = "het gesprek over de balie"


def _world() -> tuple[Service, str]:
    service = _service()
    return service, agreed(service, "yearly", employee="anna", manager="bram")


def _unchanged(service: Service) -> tuple[int, list[tuple[str, bool]]]:
    keys = [(k.id, k.alive) for k in service.store.inner.list_keys()]  # type: ignore[attr-defined]
    return service.store.version(person_stream("anna")), keys


def test_the_privacy_officer_restricts_one_conversation_and_lifts_it() -> None:
    service, conversation = _world()
    assert service.view(conversation, actor="bram").summary == "record"
    held = service.restrict("anna", actor="po", reason="bezwaar", conversation=conversation)
    assert held == Restrictions(everything=False, conversations=frozenset({conversation}))
    assert service.view(conversation, actor="bram").summary is None
    assert service.view(conversation, actor="anna").summary is None
    lifted = service.lift_restriction("anna", actor="po", conversation=conversation)
    assert lifted == Restrictions()
    assert service.view(conversation, actor="bram").summary == "record"
    service.close()


def test_the_whole_record_is_restricted_without_a_conversation() -> None:
    service, conversation = _world()
    held = service.restrict("anna", actor="po", reason="onjuist")
    assert held.everything
    assert service.view(conversation, actor="bram").summary is None
    assert service.lift_restriction("anna", actor="po") == Restrictions()
    service.close()


def test_lifting_what_is_not_restricted_writes_nothing() -> None:
    service, conversation = _world()
    before = service.store.version(person_stream("anna"))
    assert service.lift_restriction("anna", actor="po", conversation=conversation) == (
        Restrictions()
    )
    assert service.store.version(person_stream("anna")) == before
    service.close()


def test_lift_says_whether_a_restriction_was_lifted() -> None:
    """``lift`` tells what ``lift_restriction`` does not: whether anything was restricted."""
    service, conversation = _world()
    service.restrict("anna", actor="po", reason="bezwaar", conversation=conversation)
    nothing = service.lift("anna", actor="po")  # the whole record was not restricted
    assert (nothing.lifted, nothing.restrictions.conversations) == (False, {conversation})
    done = service.lift("anna", actor="po", conversation=conversation)
    assert (done.lifted, done.restrictions) == (True, Restrictions())
    again = service.lift("anna", actor="po", conversation=conversation)
    assert (again.lifted, again.restrictions) == (False, Restrictions())
    service.close()


@pytest.mark.parametrize("actor", ["anna", "bram", "hr1", "dirk"])
@pytest.mark.parametrize("what", ["restrict", "lift", "erase"])
def test_nobody_but_the_privacy_officer_restricts_lifts_or_erases(actor: str, what: str) -> None:
    """The employee asks the officer; the manager, HR and anyone else are refused. The refusal
    is an audit line naming the asker; no event is written and no key destroyed."""
    service, conversation = _world()
    if what == "lift":
        service.restrict("anna", actor="po", reason="bezwaar")
    before = _unchanged(service)
    lines = service.store.audit_head().count
    commands = {
        "restrict": lambda: service.restrict("anna", actor=actor, reason="bezwaar"),
        "lift": lambda: service.lift_restriction("anna", actor=actor),
        "erase": lambda: service.erase("anna", actor=actor, reason=ErasureReason("request")),
    }
    with pytest.raises(ConsentError) as refused:
        commands[what]()
    assert refused.value.field == "actor"
    assert "privacy officer" in str(refused.value)
    assert _unchanged(service) == before
    (line,) = list(service.store.read_audit())[lines:]
    assert (line["actor"], line["result"], line["reason"]) == (actor, "denied", "ConsentError")
    assert (
        line["action"]
        == {
            "restrict": "RestrictProcessing",
            "lift": "LiftRestriction",
            "erase": "ErasePerson",
        }[what]
    )
    assert line["object"] == person_stream("anna")
    assert service.view(conversation, actor="bram").summary == (
        None if what == "lift" else "record"
    )
    service.close()


def test_a_conversation_about_someone_else_is_refused_as_an_unknown_one_is() -> None:
    """Restricting Anna's record by naming Erik's conversation is refused with the message an
    id that does not exist gets: the answer tells nothing about other people's ids."""
    service, _ = _world()
    eriks = agreed(service, "yearly", employee="erik", manager="carla")
    before = _unchanged(service)
    messages = []
    for named in (eriks, "no-such-conversation"):
        lines = service.store.audit_head().count
        with pytest.raises(ConsentError) as refused:
            service.restrict("anna", actor="po", reason="bezwaar", conversation=named)
        assert refused.value.field == "conversation"
        messages.append(str(refused.value).replace(named, "<id>"))
        (line,) = list(service.store.read_audit())[lines:]  # the refusal's own line
        assert (line["actor"], line["action"], line["result"]) == (
            "po",
            "RestrictProcessing",
            "denied",
        )
        assert line["object"] == "person:anna"
    assert messages[0] == messages[1]
    assert _unchanged(service) == before
    service.close()


def test_an_unknown_person_is_refused_by_name() -> None:
    service, _ = _world()
    with pytest.raises(InputRefused) as refused:
        service.restrict("nobody", actor="po", reason="bezwaar")
    assert refused.value.problems[0].pointer == "/person"
    assert service.store.version(person_stream("nobody")) == 0
    service.close()


@pytest.mark.parametrize("reason", ["", "a\u202eb", "x" * 501, "nul\x00"])
def test_a_reason_the_input_policy_refuses_stores_nothing(reason: str) -> None:
    service, _ = _world()
    before = _unchanged(service)
    lines = service.store.audit_head().count
    with pytest.raises(InputRefused) as refused:
        service.restrict("anna", actor="po", reason=reason)
    assert refused.value.problems[0].pointer == "/reason"
    assert _unchanged(service) == before
    (line,) = list(service.store.read_audit())[lines:]
    assert (line["action"], line["reason"]) == ("RestrictProcessing", "InputRefused: 1 problem")
    service.close()


def test_the_privacy_officer_erases_by_destroying_the_keys() -> None:
    service, conversation = _world()
    erased = service.erase("anna", actor="po", reason=ErasureReason("request", reference="Z-1"))
    assert f"conversation:{conversation}" in erased.streams
    assert erased.keys
    assert service.view(conversation, actor="bram").summary is None
    lines = [line for line in service.store.read_audit() if line["action"] == "erase"]
    assert {line["actor"] for line in lines} == {"po"}
    assert {line["reason"] for line in lines} == {"request ref:Z-1"}
    service.close()


def test_an_erasure_with_words_for_a_reason_is_refused_before_anything() -> None:
    """A reason in words would stay in the audit log in clear: refused naming ``/reason``,
    before the actor is even looked at; no key is destroyed and no line written."""
    service, conversation = _world()
    before = _unchanged(service)
    lines = service.store.audit_head().count
    with pytest.raises(InputRefused) as refused:
        service.erase("anna", actor="po", reason="na een burn-out")  # type: ignore[arg-type]
    assert refused.value.problems[0].pointer == "/reason"
    assert _unchanged(service) == before
    (line,) = list(service.store.read_audit())[lines:]  # the refusal, without the words
    assert (line["action"], line["result"]) == ("ErasePerson", "refused")
    assert "burn-out" not in str(list(service.store.read_audit()))
    assert service.view(conversation, actor="bram").summary == "record"


def test_retention_is_not_a_ground_for_an_erasure_on_request() -> None:
    """The retention run destroys what its profile says, with the profile as its reference;
    an officer's erasure naming that ground would be logged as retention for good."""
    service, conversation = _world()
    before = _unchanged(service)
    with pytest.raises(InputRefused) as refused:
        service.erase("anna", actor="po", reason=ErasureReason("retention", reference="Z-1"))
    assert refused.value.problems[0].pointer == "/ground"
    assert _unchanged(service) == before
    assert service.view(conversation, actor="bram").summary == "record"
    service.close()
    service.close()


def test_a_privacy_officer_who_left_decides_nothing_from_that_day() -> None:
    """The setting still names ``po`` as privacy officer, but po has left the organisation:
    from the day they left, the directory gives them no role, so their restriction is
    refused (and a read of a restricted record would be too)."""
    from datetime import timedelta

    from magcore.domain.orgchanges import Leave

    service, _ = _world()
    today = service.clock.now().date()
    service.record_change("gemeente", Leave(person="po", on=today + timedelta(days=1)), actor="hr")
    assert service.restrict("anna", actor="po", reason="bezwaar").everything  # still employed
    service.lift_restriction("anna", actor="po")
    service.clock.current += timedelta(days=1)  # type: ignore[attr-defined]
    before = _unchanged(service)
    with pytest.raises(ConsentError):
        service.restrict("anna", actor="po", reason="bezwaar")
    assert _unchanged(service) == before
    service.close()


def test_someone_a_later_import_took_out_decides_nothing() -> None:
    """The HR import leaves out the privacy officer (``person.removed``): the setting still
    names them, but the organisation held them once, so they hold no role any more (someone
    it never held, an external officer, would)."""
    from magcore import Organisation

    service, _ = _world()
    current = service.organisation("gemeente")
    without = Organisation.build(
        id="gemeente",
        people=[p for pid, p in current.people.items() if pid != "po"],
        teams=list(current.teams.values()),
        assignments=list(current.assignments),
    )
    service.import_organisation(without, actor="hr")
    assert "po" not in service.organisation("gemeente").people
    before = _unchanged(service)
    with pytest.raises(ConsentError):
        service.restrict("anna", actor="po", reason="bezwaar")
    with pytest.raises(ConsentError):
        service.export("anna", requester="po")
    assert _unchanged(service) == before
    service.use_organisation("gemeente", {"extern": ["privacy_officer"]})
    assert service.restrict("anna", actor="extern", reason="bezwaar").everything
    service.close()
