"""A goal names only conversations its owner and its writer took part in, and agreements of them.

Found by a review: a goal's links were checked only when someone other than its owner set it.
The owner could set a goal "agreed in" any conversation id (someone else's, one that does not
exist) or "made from" any agreement (of someone else's conversation, one that does not exist),
and link any conversation id to it: the goal then claimed a link it never had, progress notes
could name that conversation, and what follows a goal's links (goals of a record, closing an
agreement with its goal, erasing copies) could act on it. Setting one linked to a topic also
answered differently for an unknown id and a known one: an oracle about other people's
conversations. The rule (:meth:`~magcore.app.linked.LinksMixin._check_goal_conversations`):
the goal's owner and the writer both take part in the conversation it is agreed in
(``agreed_in``), the one its agreement is of (``agreement``, which is that same conversation,
and fills ``agreed_in`` in when it is not given) and one linked later (``LinkConversation``), as
its first event says; an agreement is one of its agreed record. One refusal whether the
conversation exists or not, nothing stored.
"""

from __future__ import annotations

from typing import Any

import pytest

from magcore import Agreement, DraftRecord, MarkHeld, get_plugin_manager
from magcore.app.service import Service
from magcore.domain.goals import LinkConversation, NoteProgress, SetGoal
from magcore.errors import RecordInvalidError, TransitionError

from ..access.mix_world import agreed, mix_cycle, open_mix

MADE_UP = "ffffffffffffffff"


@pytest.fixture
def service() -> Any:
    service = open_mix("memory://", get_plugin_manager(load_entry_points=False), mix_cycle())
    yield service
    service.close()


def _streams(service: Service) -> dict[str, int]:
    """Every stream and its version: what a refusal must leave as it was."""
    return {s: service.store.version(s) for s in service.store.streams("")}


def _refused(service: Service, command: Any, pointer: str, keyword: str) -> str:
    """The message of the refusal of *command* at *pointer*; nothing stored."""
    before = _streams(service)
    with pytest.raises(RecordInvalidError) as refused:
        service.execute_goal(command)
    assert _streams(service) == before
    [problem] = refused.value.problems
    assert (problem.pointer, problem.keyword) == (pointer, keyword)
    return str(refused.value)


def _set(actor: str, goal_id: str, **links: Any) -> SetGoal:
    return SetGoal(actor=actor, owner=actor, goal_id=goal_id, title="Presenteren", **links)


def test_an_owner_claims_no_conversation_that_is_not_theirs(service: Service) -> None:
    """Anna sets a goal agreed in erik's conversation, or in an id no conversation has; dirk
    (who has no conversation) in erik's, in anna's or in a made-up id: each refused with the
    same words for the same owner, at ``/agreed_in``, nothing stored. In her own conversation
    it is set, and bram's own goal in the conversation about anna he held with her."""
    own = agreed(service, "yearly")
    eriks = agreed(service, "yearly", employee="erik", manager="carla")
    messages = {
        _refused(service, _set("anna", "g1", agreed_in=named), "/agreed_in", "goal_conversation")
        for named in (eriks, MADE_UP)
    }
    assert len(messages) == 1
    assert eriks not in next(iter(messages))
    dirk = {
        _refused(service, _set("dirk", "g2", agreed_in=named), "/agreed_in", "goal_conversation")
        for named in (eriks, own, MADE_UP)
    }
    assert len(dirk) == 1
    view = service.execute_goal(_set("anna", "g1", agreed_in=own))
    assert view.goal is not None
    assert view.goal.conversations == (own,)
    managers = service.execute_goal(_set("bram", "g3", agreed_in=own, agreement=f"{own}#a1"))
    assert managers.goal is not None
    assert (managers.goal.owner, managers.goal.agreed_in) == ("bram", own)


def test_a_goal_linked_to_a_topic_tells_nothing_about_the_conversation(service: Service) -> None:
    """A goal with a topic and a theme but no cycle takes both from the conversation it was
    agreed in: for erik's conversation and for an id no conversation has the same refusal
    (before the conversation is read for its cycle), nothing stored."""
    eriks = agreed(service, "yearly", employee="erik", manager="carla")
    for links in ({"topic": "work"}, {"theme": "work"}, {"topic": "nope", "theme": "nope"}):
        messages = {
            _refused(
                service,
                _set("dirk", "g1", agreed_in=named, **links),
                "/agreed_in",
                "goal_conversation",
            )
            for named in (eriks, MADE_UP)
        }
        assert len(messages) == 1, links


def test_an_agreement_is_one_of_the_agreed_record_of_the_goals_conversation(
    service: Service,
) -> None:
    """Anna's goal made from erik's agreement (with or without ``agreed_in``), from one in an id
    no conversation has, from an agreement her own record does not hold, from one of her
    conversation whose record is not agreed yet, or from her agreement while agreed in another
    of her conversations: each refused at ``/agreement``, the first three with the same words.
    Her own agreement fills ``agreed_in`` in when it is not given."""
    own = agreed(service, "yearly")
    other = agreed(service, "yearly")
    eriks = agreed(service, "yearly", employee="erik", manager="carla")
    day = service.clock.now().date()
    people = service.participants_for("gemeente", service.cycle("mix@1"), "yearly", "anna", on=day)
    drafted = service.request(cycle="mix@1", kind="yearly", participants=people, actor="anna").id
    service.execute(drafted, MarkHeld(actor="bram", on=day))
    service.execute(
        drafted,
        DraftRecord(actor="bram", agreements=[Agreement(id="a1", text="draft", owner="employee")]),
    )
    keyword = "goal_agreement"
    not_one = {
        _refused(service, _set("anna", "g1", **links), "/agreement", keyword)
        for links in (
            {"agreement": f"{eriks}#a1"},
            {"agreement": f"{MADE_UP}#a1"},
            {"agreement": f"{own}#a9"},
            {"agreement": f"{own}"},
            {"agreement": f"{drafted}#a1"},
            {"agreement": f"{drafted}#a1", "agreed_in": drafted},
            {"agreement": f"{own}#a9", "agreed_in": own},
        )
    }
    assert len(not_one) == 1
    elsewhere = {
        _refused(service, _set("anna", "g1", **links), "/agreement", keyword)
        for links in (
            {"agreement": f"{eriks}#a1", "agreed_in": own},
            {"agreement": f"{MADE_UP}#a1", "agreed_in": own},
            {"agreement": f"{other}#a1", "agreed_in": own},
        )
    }
    assert len(elsewhere) == 1
    assert not_one != elsewhere
    filled = service.execute_goal(_set("anna", "g1", agreement=f"{own}#a1")).goal
    assert filled is not None
    assert (filled.agreed_in, filled.agreement) == (own, f"{own}#a1")
    both = service.execute_goal(_set("anna", "g2", agreed_in=other, agreement=f"{other}#a1"))
    assert both.goal is not None
    assert both.goal.agreed_in == other


def test_a_manager_sets_a_goal_from_an_agreement_of_the_conversation_they_held(
    service: Service,
) -> None:
    """Bram sets anna's goal from the agreement of the conversation they held (``agreed_in``
    filled in from it); not from erik's, and carla, who did not take part, not from anna's."""
    own = agreed(service, "yearly")
    eriks = agreed(service, "yearly", employee="erik", manager="carla")

    def by(actor: str, goal_id: str, reference: str) -> SetGoal:
        return SetGoal(
            actor=actor,
            owner="anna",
            goal_id=goal_id,
            title="Presenteren",
            agreement=reference,
            collaborators=(actor,),
        )

    set_ = service.execute_goal(by("bram", "g1", f"{own}#a1")).goal
    assert set_ is not None
    assert (set_.owner, set_.agreed_in) == ("anna", own)
    _refused(service, by("bram", "g2", f"{eriks}#a1"), "/agreement", "goal_agreement")
    _refused(service, by("carla", "g2", f"{own}#a1"), "/agreement", "goal_agreement")
    _refused(
        service,
        SetGoal(
            actor="carla",
            owner="anna",
            goal_id="g2",
            title="x",
            agreed_in=own,
            collaborators=("carla",),
        ),
        "/agreed_in",
        "goal_conversation",
    )


def test_a_conversation_linked_to_a_goal_is_its_owners(service: Service) -> None:
    """Anna links erik's conversation, or an id no conversation has, to her goal; carla, who
    works on it, erik's (which anna was not in), a later one of anna's (which carla was not
    in) or a made-up id: the same refusal for each writer at ``/conversation``, nothing
    stored. Bram, who works on it, links a later conversation of anna's he took part in; anna
    her own."""
    first = agreed(service, "yearly")
    later = agreed(service, "yearly")
    vitality = agreed(service, "vitality")
    eriks = agreed(service, "yearly", employee="erik", manager="carla")
    service.execute_goal(
        SetGoal(
            actor="anna",
            owner="anna",
            goal_id="g1",
            title="Presenteren",
            agreed_in=first,
            collaborators=("bram", "carla"),
        )
    )
    for actor, named in [("anna", (eriks, MADE_UP)), ("carla", (eriks, later, MADE_UP))]:
        messages = {
            _refused(
                service,
                LinkConversation(actor=actor, goal_id="g1", conversation=conversation),
                "/conversation",
                "goal_conversation",
            )
            for conversation in named
        }
        assert len(messages) == 1, actor
    service.execute_goal(LinkConversation(actor="bram", goal_id="g1", conversation=later))
    linked = service.execute_goal(
        LinkConversation(actor="anna", goal_id="g1", conversation=vitality)
    ).goal
    assert linked is not None
    assert linked.conversations == (first, later, vitality)
    # who does not work on the goal is refused by the goal first, as before
    with pytest.raises(TransitionError, match="does not work on this goal"):
        service.execute_goal(LinkConversation(actor="erik", goal_id="g1", conversation=eriks))


def test_a_claimed_conversation_opens_no_progress_note_naming_it(service: Service) -> None:
    """What a goal's ``agreed_in`` allowed before: a note naming the conversation the goal
    claims. Now the claim itself is refused, so no note can name erik's conversation."""
    eriks = agreed(service, "yearly", employee="erik", manager="carla")
    _refused(service, _set("anna", "g1", agreed_in=eriks), "/agreed_in", "goal_conversation")
    service.execute_goal(_set("anna", "g1"))
    with pytest.raises(RecordInvalidError):
        service.execute_goal(NoteProgress(actor="anna", goal_id="g1", text="x", conversation=eriks))
