"""The service's links between records, goals and carried agreements.

Mixed into :class:`~magcore.app.conversations.ConversationsMixin`:

- the conversations a goal names (``agreed_in``, its ``agreement``'s, one linked later) are
  ones its owner and the writer both take part in, neither cancelled nor destroyed, and its
  agreement one of that conversation's agreed record
  (:meth:`LinksMixin._check_goal_conversations`), before anything else is read of them;
- a goal's link (``topic``) is checked against the cycle definition that declares it
  (:meth:`LinksMixin._linked`); an unknown id is a named :class:`~magcore.errors.Problem`;
- the conversation a progress note names is one of the goal's owner's, in which the writer
  takes part, or one the goal was agreed in, and not destroyed (:meth:`LinksMixin._check_noted`);
- a record form's development goals become agreements when the record is drafted, and goals
  when it is agreed (:mod:`magcore.app.record_goals`);
- a team agreement carried into a team conversation is closed from there, also by a member who
  joined after it was agreed (:mod:`magcore.domain.conversation.carried`);
- a goal made from a record's agreement and that agreement close together, when the person
  closing one may close the other themselves (:func:`~magcore.app.record_goals.goal_follows`,
  :func:`~magcore.app.record_goals.agreement_follows`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import attrs

from ..access.origins import about_person, cancelled_or_destroyed, destroyed, requested
from ..domain.conversation import (
    Command,
    Conversation,
    ConversationEvent,
    DraftRecord,
    State,
    UpdateAgreement,
    carried_agreement_origin,
    decide_carried_update,
)
from ..domain.conversation import read_model as conversation_rows
from ..domain.conversation.themes import UNKNOWN_THEME
from ..domain.goals import CloseGoal, Goal, GoalCommand, LinkConversation, NoteProgress, SetGoal
from ..errors import InputRefused, NotFoundError, Problem, RecordInvalidError, TransitionError
from ..events import Event
from ..model.cycle import CycleDefinition
from ..model.records import split_agreement_reference
from ..storage.base import StreamWrite
from . import record_goals
from .aggregates import CONVERSATION, GOAL, evolve_conversation
from .catalogue import CatalogueMixin

if TYPE_CHECKING:
    from ..forms import FormDefinition
    from ..storage.base import Store
    from .handler import CommandHandler

__all__ = ["GOAL_AGREEMENT", "GOAL_CONVERSATION", "LinksMixin"]

#: The keyword of the problem that a goal, or its progress note, names a conversation that its
#: owner and the writer did not both take part in (``/agreed_in``, ``/conversation``).
GOAL_CONVERSATION = "goal_conversation"
#: The keyword of the problem that a goal's ``agreement`` is not one of its conversation's.
GOAL_AGREEMENT = "goal_agreement"


def _goal_problem(pointer: str, message: str, keyword: str) -> RecordInvalidError:
    return RecordInvalidError([Problem(pointer, message, keyword=keyword)], what="goal")


def _both(owner: str, actor: str) -> str:
    """Who must have taken part, in words."""
    return f"{owner} takes part" if owner == actor else f"{owner} and {actor} take part"


class LinksMixin(CatalogueMixin):
    """Goal links, goals from records and carried team agreements (mixed into the service)."""

    if TYPE_CHECKING:
        handler: CommandHandler
        store: Store

        def _load(self, conversation_id: str) -> Conversation: ...

    # -- the conversations a goal names ----------------------------------------------------

    def _shared_conversation(
        self, conversation_id: str, *, owner: str, actor: str
    ) -> Conversation | None:
        """Conversation *conversation_id* as its first event says (metadata, nothing
        decrypted), when both *owner* and *actor* take part in it (a conversation about
        *owner*, a team conversation they are in, or one about someone else they both took
        part in, as a manager in their employee's); ``None`` otherwise: unknown, someone
        else's, or one either was not in, the same answer."""
        conv = requested(self.store, conversation_id)
        if conv is None or not (conv.is_participant(owner) and conv.is_participant(actor)):
            return None
        return conv

    def _check_goal_conversations(self, goal: Goal | None, command: GoalCommand) -> GoalCommand:
        """*command* with the conversations it names checked, before anything else is read of
        them (so no answer tells whether someone else's conversation exists, or what it is).

        ``SetGoal``: the goal's owner and the actor both took part in the conversation it is
        agreed in (``agreed_in``), which was not cancelled and not destroyed; its ``agreement``
        (``<conversation>#<agreement>``) is of that same conversation (when ``agreed_in`` is
        not given, the agreement's conversation is checked the same way and fills it in) and
        one of its agreed record (a cancelled conversation has none: it never took place; a
        destroyed one has none left). ``LinkConversation`` on a goal the actor works on: the
        goal's owner and the actor both take part in the conversation, which was not
        cancelled and not destroyed. Each refusal is a
        :class:`~magcore.errors.RecordInvalidError` naming the field, in the same words
        whether the conversation exists or not, was cancelled or destroyed, and without its
        id (no answer tells whether a destroyed conversation was there); nothing is stored."""
        if isinstance(command, LinkConversation):
            if goal is not None and goal.may_write(command.actor):
                self._require_shared(
                    command.conversation, "/conversation", owner=goal.owner, actor=command.actor
                )
            return command  # no goal, or not the actor's: decide_goal refuses it
        if not isinstance(command, SetGoal):
            return command
        owner, actor = command.owner, command.actor
        if command.agreed_in is not None:
            self._require_shared(command.agreed_in, "/agreed_in", owner=owner, actor=actor)
        if command.agreement is None:
            return command
        conversation, agreement_id = split_agreement_reference(command.agreement)
        if command.agreed_in not in (None, conversation):
            raise _goal_problem(
                "/agreement",
                "a goal's agreement is one of the conversation it was agreed in (agreed_in)",
                GOAL_AGREEMENT,
            )
        if not self._shared_agreement(conversation, agreement_id, owner=owner, actor=actor):
            raise _goal_problem(
                "/agreement",
                "a goal's agreement (<conversation>#<agreement>) is one of the agreed record of "
                f"a conversation in which {_both(owner, actor)}; the agreement named is not one",
                GOAL_AGREEMENT,
            )
        if command.agreed_in is None:
            return attrs.evolve(command, agreed_in=conversation)
        return command

    def _require_shared(self, named: str, pointer: str, *, owner: str, actor: str) -> None:
        """Refuse *named* unless *owner* and *actor* both take part in it and it was neither
        cancelled nor destroyed (retention or erasure): one message for every case, so the
        answer tells nothing of whether it exists or what became of it."""
        shared = self._shared_conversation(named, owner=owner, actor=actor)
        if shared is None or cancelled_or_destroyed(self.store, named):
            raise _goal_problem(
                pointer,
                f"a goal names a conversation in which {_both(owner, actor)}, neither cancelled "
                "nor destroyed; the conversation named is not one",
                GOAL_CONVERSATION,
            )

    def _shared_agreement(
        self, conversation: str, agreement_id: str, *, owner: str, actor: str
    ) -> bool:
        """Whether *agreement_id* is an agreement of the agreed record of *conversation*, in
        which *owner* and *actor* took part. Read from the raw state for this answer only
        (after the first event said who took part): nothing of it is returned; a destroyed
        conversation has none."""
        if (
            not agreement_id
            or self._shared_conversation(conversation, owner=owner, actor=actor) is None
        ):
            return False
        loaded = self.handler.live(CONVERSATION, conversation)
        conv = loaded.state if loaded is not None else None
        return (
            conv is not None
            and conv.state is State.AGREED
            and any(a.id == agreement_id for a in conv.agreements)
        )

    def _conversation_cycle(self, conversation_id: str) -> str | None:
        """The cycle of a conversation, as its first event says (``None`` when it does not)."""
        conv = requested(self.store, conversation_id)
        return None if conv is None else conv.cycle

    # -- a goal's link ---------------------------------------------------------------------

    def _linked(self, command: GoalCommand) -> GoalCommand:
        """*command* with its link checked: a ``topic`` must be a value, behaviour or
        competence of the cycle (given, or the cycle of the conversation it was agreed in);
        the cycle is filled in, and the theme when only the topic was given."""
        if not isinstance(command, SetGoal):
            return command
        self._check_goal_theme(command)
        if command.topic is None:
            return command
        key = command.cycle
        if key is None and command.agreed_in is not None:
            key = self._conversation_cycle(
                command.agreed_in
            )  # checked: the owner's and the actor's
        if key is None:
            raise RecordInvalidError(
                [Problem("/cycle", "a goal linked to a topic names its cycle (or agreed_in)")],
                what="goal",
            )
        try:
            definition = self.cycle(key)
        except NotFoundError:
            raise RecordInvalidError(
                [Problem("/cycle", f"unknown cycle {key!r}")], what="goal"
            ) from None
        found = definition.link(command.topic)
        if found is None:
            raise RecordInvalidError(
                [
                    Problem(
                        "/topic",
                        f"{command.topic!r} is not a value, behaviour or competence of cycle "
                        f"{definition.key}",
                        keyword="goal_link",
                    )
                ],
                what="goal",
            )
        theme = command.theme if command.theme is not None else found[0].id
        return attrs.evolve(command, cycle=definition.key, theme=theme)

    def _check_goal_theme(self, command: SetGoal) -> None:
        """Refuse a goal's ``theme`` that its cycle (given, or that of the conversation it was
        agreed in) does not have, or, without either, that no installed cycle or plugin has: a
        misspelt special-category theme would leave the goal without its protection."""
        if command.theme is None:
            return
        key = command.cycle
        if key is None and command.agreed_in is not None:
            key = self._conversation_cycle(
                command.agreed_in
            )  # checked: the owner's and the actor's
        definition: CycleDefinition | None = None
        if key is not None:
            try:
                definition = self.cycle(key)
            except NotFoundError:
                definition = None
        if definition is None:
            where = "any installed cycle"
            known = {t.id for c in self.cycles.values() for t in c.themes}
            known |= {t.id for t in self.host.hooks.themes()}
        else:
            where = f"cycle {definition.key}"
            known = {t.id for t in definition.themes}
        if command.theme in known:
            return
        raise InputRefused(
            [
                Problem(
                    "/theme",
                    f"is not a theme of {where} (themes: {', '.join(sorted(known)) or 'none'})",
                    UNKNOWN_THEME,
                )
            ]
        )

    # -- the conversation of a progress note -----------------------------------------------

    def _check_noted(self, goal: Goal | None, command: GoalCommand) -> None:
        """Refuse a progress note naming a conversation that is not the goal's own (agreed in,
        its agreement's) nor one about its owner in which the writer takes part, as that
        conversation's first event says, or one that was destroyed (retention or erasure: a
        note naming it would make a new reference to erased data). One message whether the
        conversation exists or not, and without its id (so the web API shows it as it is):
        the answer tells nothing about someone else's conversation. Nothing is stored."""
        if not isinstance(command, NoteProgress) or command.conversation is None or goal is None:
            return  # no conversation named, or no goal: decide_goal refuses what is wrong
        named = command.conversation
        own = {goal.agreed_in}
        if goal.agreement is not None:
            own.add(split_agreement_reference(goal.agreement)[0])
        if not destroyed(self.store, named):  # the same refusal below, whoever's it was
            if named in own:
                return
            conv = about_person(self.store, named, goal.owner)
            if conv is not None and conv.is_participant(command.actor):
                return
        raise RecordInvalidError(
            [
                Problem(
                    "/conversation",
                    f"a progress note names the conversation its goal was agreed in, or one "
                    f"about {goal.owner} in which {command.actor} takes part, and not a "
                    "destroyed one; the conversation named is not such a one",
                    keyword=GOAL_CONVERSATION,
                )
            ],
            what="progress note",
        )

    # -- goals from a record ---------------------------------------------------------------

    def _record_form(self, conv: Conversation) -> tuple[CycleDefinition, FormDefinition | None]:
        """The cycle of *conv* and the record form it pinned (or its kind names)."""
        definition = self.cycle(conv.cycle)
        pinned = conv.forms.get("record")
        form_id = definition.kind(conv.kind).record_form
        form = self.form_version(pinned) if pinned else self.form(form_id) if form_id else None
        return definition, form

    def _with_record_goals(self, conv: Conversation, command: Command) -> Command:
        """A draft record with an agreement of the employee per development goal in it."""
        if not isinstance(command, DraftRecord) or conv.subject is None:
            return command
        definition, form = self._record_form(conv)
        goals = record_goals.record_goals(form, command.answers)
        if not goals:
            return command
        return record_goals.with_goal_agreements(command, definition, goals)

    def _check_goal_links(self, conv: Conversation, command: Command) -> None:
        """Refuse a draft whose development goals point to what the cycle does not declare
        (after the form's own checks, so those are named first)."""
        if not isinstance(command, DraftRecord) or conv.subject is None:
            return
        definition, form = self._record_form(conv)
        goals = record_goals.record_goals(form, command.answers)
        problems = record_goals.link_problems(definition, goals)
        if problems:
            raise RecordInvalidError(problems, what=f"answers to form {form.id if form else ''}")

    def _agreed_goals(
        self, conv: Conversation, new_events: Sequence[Event], actor: str, now: datetime
    ) -> list[StreamWrite]:
        """The goals of a record that *new_events* agree, to write in the same transaction."""
        if conv.subject is None or not any(e.type == ConversationEvent.AGREED for e in new_events):
            return []
        agreed = evolve_conversation(conv, new_events)
        assert agreed.record is not None  # agreed means a record was confirmed
        definition, form = self._record_form(agreed)
        goals = record_goals.record_goals(form, agreed.record.answers)
        return record_goals.goal_writes(agreed, definition, goals, actor=actor, now=now)

    def record_goal_ids(self, conversation_id: str) -> tuple[str, ...]:
        """The ids of the goals made from the development goals of a conversation's agreed
        record (empty before it is agreed, or when its form has no goal list). Ids only: read
        each goal through :meth:`view_goal`, which decides and audits."""
        conv = self._load(conversation_id)
        if conv.record is None or conv.subject is None or conv.state is not State.AGREED:
            return ()
        _definition, form = self._record_form(conv)
        present = {a.id for a in conv.agreements}
        return tuple(
            record_goals.goal_id(conv.id, goal.agreement_id)
            for goal in record_goals.record_goals(form, conv.record.answers)
            if goal.agreement_id in present
        )

    # -- a goal and its agreement close together -------------------------------------------

    def _goal_follows(
        self, conv: Conversation, command: Command, now: datetime
    ) -> list[StreamWrite]:
        """The closing of the goal made from the agreement *command* marks, to write in the
        same transaction (none when it does not follow: see :mod:`.record_goals`)."""
        if (
            not isinstance(command, UpdateAgreement)
            or conv.subject is None
            or command.status not in record_goals.GOAL_FOR_AGREEMENT
        ):
            return []  # only done or dropped closes a goal: no read for the rest
        loaded = self.handler.live(GOAL, record_goals.goal_id(conv.id, command.agreement_id))
        if loaded is None:
            return []
        follows = record_goals.goal_follows(loaded.state, conv, command, now=now)
        return [StreamWrite(loaded.stream, loaded.version, follows)] if follows else []

    def _agreement_follows(
        self, goal: Goal | None, command: GoalCommand, now: datetime
    ) -> list[StreamWrite]:
        """The closing of the agreement *goal* was made from, when *command* closes the goal,
        to write in the same transaction (with the conversation's list rows)."""
        if not isinstance(command, CloseGoal) or goal is None or not goal.agreement:
            return []
        conversation, _ = split_agreement_reference(goal.agreement)
        loaded = self.handler.live(CONVERSATION, conversation)
        if loaded is None or loaded.state is None:
            return []
        follows = record_goals.agreement_follows(loaded.state, goal, command, now=now)
        if not follows:
            return []
        rows = conversation_rows(evolve_conversation(loaded.state, follows))
        return [StreamWrite(loaded.stream, loaded.version, follows, read_model=rows)]

    # -- a carried team agreement ----------------------------------------------------------

    def _carried_origin(self, carrier_id: str, command: UpdateAgreement) -> str:
        """The conversation a carried agreement named in *command* was agreed in (the carrier
        itself when there is none, so the refusal is decided, and audited, there)."""
        try:
            return carried_agreement_origin(
                self._load(carrier_id), command.agreement_id, actor=command.actor
            )
        except TransitionError:
            return carrier_id

    def _carried_update(
        self, origin: Conversation, carrier_id: str, command: UpdateAgreement, now: datetime
    ) -> tuple[Event, ...]:
        return decide_carried_update(origin, self._load(carrier_id), command, now=now)
