"""A goal names no conversation that was cancelled or destroyed.

Found by a review: the goal's links (``agreed_in``, ``agreement``, ``LinkConversation``) were
checked against the conversation's first event only (who takes part). In a store with keys a
destroyed conversation (retention, or the erasure of the person it is about) keeps that event,
so a goal could still be set "agreed in" it, or have it linked: a new reference to a record
whose content is gone. A cancelled conversation never took place, yet a goal could say it was
agreed there. Now each is refused at its field with the same words as an id no conversation
has (no answer tells whether a destroyed conversation was there), and nothing is stored. An
``agreement`` of a cancelled conversation was refused already (it never had an agreed record),
and so was one of a destroyed conversation (none is left); a progress note naming a destroyed
conversation is refused too.
"""

from __future__ import annotations

from typing import Any

import pytest

from magcore import Cancel, get_plugin_manager
from magcore.access.erasure import destroy_conversation
from magcore.access.erasure_grounds import ErasureGround, ErasureReason
from magcore.access.retention import SELECTIELIJST_2020
from magcore.app.service import Service
from magcore.domain.goals import LinkConversation, NoteProgress, SetGoal

from ..access.mix_world import agreed, mix_cycle, open_mix
from .test_goal_conversation_check import _refused, _set

MADE_UP = "ffffffffffffffff"


@pytest.fixture(params=["memory://", "sqlite"])
def service(request: Any, tmp_path: Any) -> Any:
    url = "memory://" if request.param == "memory://" else f"sqlite:///{tmp_path}/links.db"
    service = open_mix(url, get_plugin_manager(load_entry_points=False), mix_cycle())
    yield service
    service.close()


def _destroyed(service: Service) -> str:
    """An agreed conversation about anna, held with bram, destroyed by the retention run."""
    conv = agreed(service, "yearly")
    destroy_conversation(
        service.store,
        conv,
        profile=SELECTIELIJST_2020,
        due=service.clock.now().date(),
        clock=service.clock,
    )
    return conv


def _cancelled(service: Service) -> str:
    """A conversation about anna, with bram, requested and then cancelled."""
    day = service.clock.now().date()
    people = service.participants_for("gemeente", service.cycle("mix@1"), "yearly", "anna", on=day)
    conv = service.request(cycle="mix@1", kind="yearly", participants=people, actor="anna").id
    service.execute(conv, Cancel(actor="anna", reason="andere afspraak"))
    return conv


def test_a_goal_is_not_agreed_in_a_destroyed_conversation(service: Service) -> None:
    """Anna sets a goal agreed in her destroyed conversation, or made from its agreement; bram,
    who held it, one of his own: refused at ``/agreed_in`` (``/agreement``) with the words an
    id no conversation has gets, nothing stored. Her live conversation still serves."""
    gone = _destroyed(service)
    for actor in ("anna", "bram"):
        messages = {
            _refused(service, _set(actor, "g1", agreed_in=named), "/agreed_in", "goal_conversation")
            for named in (gone, MADE_UP)
        }
        assert len(messages) == 1, actor
        assert gone not in next(iter(messages))
        agreements = {
            _refused(
                service, _set(actor, "g1", agreement=f"{named}#a1"), "/agreement", "goal_agreement"
            )
            for named in (gone, MADE_UP)
        }
        assert len(agreements) == 1, actor
    live = agreed(service, "yearly")
    view = service.execute_goal(_set("anna", "g1", agreed_in=live))
    assert view.goal is not None
    assert view.goal.conversations == (live,)


def test_a_destroyed_conversation_is_not_linked_to_a_goal(service: Service) -> None:
    """Anna's goal, agreed in a live conversation: linking her destroyed one is refused at
    ``/conversation`` in the words an id no conversation has gets, for anna and for bram who
    works on it; nothing stored."""
    live = agreed(service, "yearly")
    gone = _destroyed(service)
    service.execute_goal(
        SetGoal(
            actor="anna",
            owner="anna",
            goal_id="g1",
            title="Presenteren",
            agreed_in=live,
            collaborators=("bram",),
        )
    )
    for actor in ("anna", "bram"):
        messages = {
            _refused(
                service,
                LinkConversation(actor=actor, goal_id="g1", conversation=named),
                "/conversation",
                "goal_conversation",
            )
            for named in (gone, MADE_UP)
        }
        assert len(messages) == 1, actor
    goal = service.view_goal("g1", actor="anna").goal
    assert goal is not None
    assert goal.conversations == (live,)


def test_a_conversation_erased_with_its_person_is_not_named(service: Service) -> None:
    """The privacy officer erases anna (her conversations are destroyed with her keys). Bram,
    who held one of them with her, sets a goal of his own agreed in it, or links it to one of
    his: refused in the words an id no conversation has gets, nothing stored."""
    anna = agreed(service, "yearly")
    service.erase(
        "anna", actor="po", reason=ErasureReason(ErasureGround.REQUEST, reference="2025-7")
    )
    messages = {
        _refused(service, _set("bram", "g1", agreed_in=named), "/agreed_in", "goal_conversation")
        for named in (anna, MADE_UP)
    }
    assert len(messages) == 1
    service.execute_goal(_set("bram", "g2"))
    linked = {
        _refused(
            service,
            LinkConversation(actor="bram", goal_id="g2", conversation=named),
            "/conversation",
            "goal_conversation",
        )
        for named in (anna, MADE_UP)
    }
    assert len(linked) == 1


def test_a_progress_note_names_no_destroyed_conversation(service: Service) -> None:
    """Anna's goal was agreed in a conversation that is destroyed since: a progress note naming
    it, or linking it again, is refused at ``/conversation`` (nothing stored); a note naming
    nothing, or a live conversation of hers, is kept."""
    conv = agreed(service, "yearly")
    service.execute_goal(_set("anna", "g1", agreed_in=conv))
    destroy_conversation(
        service.store,
        conv,
        profile=SELECTIELIJST_2020,
        due=service.clock.now().date(),
        clock=service.clock,
    )
    _refused(
        service,
        NoteProgress(actor="anna", goal_id="g1", text="verder", conversation=conv),
        "/conversation",
        "goal_conversation",
    )
    later = agreed(service, "yearly")
    _refused(
        service,
        LinkConversation(actor="anna", goal_id="g1", conversation=conv),
        "/conversation",
        "goal_conversation",
    )
    service.execute_goal(NoteProgress(actor="anna", goal_id="g1", text="verder"))
    service.execute_goal(NoteProgress(actor="anna", goal_id="g1", text="ok", conversation=later))


def test_a_goal_is_not_agreed_in_nor_linked_to_a_cancelled_conversation(
    service: Service,
) -> None:
    """A cancelled conversation never took place: a goal agreed in it, made from an agreement
    of it (it has no record) or linked to it is refused at its field in the words an id no
    conversation has gets, for anna and for bram; nothing stored."""
    cancelled = _cancelled(service)
    live = agreed(service, "yearly")
    for actor in ("anna", "bram"):
        messages = {
            _refused(service, _set(actor, "g1", agreed_in=named), "/agreed_in", "goal_conversation")
            for named in (cancelled, MADE_UP)
        }
        assert len(messages) == 1, actor
        agreements = {
            _refused(
                service, _set(actor, "g1", agreement=f"{named}#a1"), "/agreement", "goal_agreement"
            )
            for named in (cancelled, MADE_UP)
        }
        assert len(agreements) == 1, actor
    service.execute_goal(_set("anna", "g1", agreed_in=live))
    linked = {
        _refused(
            service,
            LinkConversation(actor="anna", goal_id="g1", conversation=named),
            "/conversation",
            "goal_conversation",
        )
        for named in (cancelled, MADE_UP)
    }
    assert len(linked) == 1
