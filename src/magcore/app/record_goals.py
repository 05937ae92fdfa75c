"""Goals from a record: a development goal written in the record becomes an agreement and a Goal.

Why: in a growth conversation (Rijswijk's growth matrix) the employee writes personal goals in
the record, each linked to a value, a behaviour or a competence of the cycle. Those goals must
carry forward and live on after the conversation without the integrator writing code for it.

How: a record form marks a list field as goals with ``"x-magcore-goals"`` in its schema,
naming the sub-fields that hold the goal's words, its link and its date::

    "personal_goals": {"type": "array", "items": {...},
        "x-magcore-goals": {"title": "goal", "topic": ["behaviour", "value"],
                            "due": "by_when", "description": "you_notice_it_by"}}

``topic`` lists the sub-fields to look in, first answer wins (a behaviour if chosen, else its
value). The service then, on its own path:

1. when the record is drafted, adds one agreement of the employee per goal (id ``goal-<n>``,
   the goal's words, its date, the theme the link belongs to), unless the draft already holds an
   agreement with that id; a link the cycle does not declare is refused as a named
   :class:`~magcore.errors.Problem` (nothing stored);
2. when the record is agreed (both confirmed), sets a :class:`~magcore.domain.goals.Goal` per
   goal agreement, in the same transaction: owned by the employee, the other participants as
   collaborators, ``agreed_in`` the conversation, ``topic`` the link, ``agreement`` the
   agreement (:func:`goal_id` names it), ``copied_from`` where the words were written (the
   agreement, or the one it was carried from). These goals are written in the record's own
   transaction, not through :meth:`~magcore.app.conversations.ConversationsMixin.execute_goal`:
   what they name is true by construction (the conversation agreed, its agreement, its
   employee), so the check of a goal's conversations that a goal set by hand passes
   (:meth:`~magcore.app.linked.LinksMixin._check_goal_conversations`) is not asked again.

The link is metadata (an id of the cycle definition); the words are content. The goal's title
and description are a copy of the record's words, so they are sealed with the conversation's
key, not the goal's: destroying the conversation (retention, or erasing the employee) erases
the copy with it, and the goal then reads with the erased marker as its title. Progress and
closing notes written on the goal later are the goal's own, under its key. No level is attached
anywhere.

A goal and the agreement it was made from close together (:func:`agreement_follows`,
:func:`goal_follows`): closing one writes the other's closing in the same transaction, **only
when the same person may close the other themselves**, so following never gives anyone a power
they do not have. The employee closing their goal marks the agreement done (reached) or dropped
(dropped, changed) when it is theirs to mark (an agreement of the employee, or of both);
marking the agreement done or dropped closes the goal as reached or dropped when the employee
does it (the goal is theirs alone: a manager marking an agreement of both leaves the goal open
for the employee). An agreement that is already closed, a goal that is already closed, a record
that is not agreed or was destroyed: nothing follows. Each following event names the other
(``goal`` on ``agreement.updated``, ``agreement`` on ``goal.closed``, metadata); the closing note
is not copied, so each text stays under its own key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Final

import attrs

from ..domain.conversation import Conversation, DraftRecord, UpdateAgreement, decide
from ..domain.goals import (
    CloseGoal,
    Goal,
    GoalStatus,
    SetGoal,
    decide_goal,
    goal_stream,
    record_goal_id,
)
from ..errors import DefinitionError, Problem, TransitionError
from ..events import Event, thaw
from ..model.cycle import CycleDefinition
from ..model.records import (
    Agreement,
    AgreementOwner,
    AgreementStatus,
    agreement_reference,
    split_agreement_reference,
)
from ..storage.base import StreamWrite

if TYPE_CHECKING:
    from ..forms import FormDefinition

__all__ = [
    "AGREEMENT_FOR_GOAL",
    "GOALS_KEY",
    "GOAL_FOR_AGREEMENT",
    "GoalField",
    "RecordGoal",
    "agreement_follows",
    "goal_fields",
    "goal_follows",
    "goal_id",
    "goal_writes",
    "link_problems",
    "record_goals",
    "with_goal_agreements",
]

#: The schema keyword that marks a record form's list field as development goals.
GOALS_KEY: Final = "x-magcore-goals"
_TITLE_LIMIT = 200
_KEYWORD = "goal_link"


@attrs.frozen(kw_only=True)
class GoalField:
    """A list field of a record form that holds development goals, and where each part is."""

    name: str
    title: str
    topic: tuple[str, ...] = ()
    due: str | None = None
    description: str | None = None


@attrs.frozen(kw_only=True)
class RecordGoal:
    """One development goal as written in a record's answers."""

    agreement_id: str
    pointer: str
    """Where the goal is in the answers (``/personal_goals/0``)."""
    title: str
    topic: str | None
    topic_pointer: str | None
    due: date | None
    description: str


def _names(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise DefinitionError(f"{GOALS_KEY}: topic must name a sub-field or a list of them")


def goal_fields(form: FormDefinition | None) -> tuple[GoalField, ...]:
    """The goal fields a record *form* declares (none for most forms)."""
    if form is None:
        return ()
    properties = form.schema.get("properties") or {}
    found = []
    for name, schema in properties.items():
        spec = schema.get(GOALS_KEY) if isinstance(schema, Mapping) else None
        if not isinstance(spec, Mapping):
            continue
        title = spec.get("title")
        if not isinstance(title, str):
            raise DefinitionError(
                f"{GOALS_KEY} must name the sub-field with the goal's words (title)",
                pointer=f"/schema/properties/{name}/{GOALS_KEY}",
                source=form.key,
            )
        found.append(
            GoalField(
                name=str(name),
                title=title,
                topic=_names(spec.get("topic")),
                due=spec.get("due"),
                description=spec.get("description"),
            )
        )
    return tuple(found)


def record_goals(form: FormDefinition | None, answers: Mapping[str, Any]) -> list[RecordGoal]:
    """The development goals in a record's *answers*, numbered ``goal-1``, ``goal-2``, ..."""
    answers = thaw(answers)
    result: list[RecordGoal] = []
    for field in goal_fields(form):
        items = answers.get(field.name) or ()
        for index, item in enumerate(items if isinstance(items, list) else ()):
            if not isinstance(item, Mapping) or not str(item.get(field.title) or "").strip():
                continue
            pointer = f"/{field.name}/{index}"
            topic_name = next((n for n in field.topic if item.get(n)), None)
            due = item.get(field.due) if field.due else None
            result.append(
                RecordGoal(
                    agreement_id=f"goal-{len(result) + 1}",
                    pointer=pointer,
                    title=str(item[field.title]).strip(),
                    topic=str(item[topic_name]) if topic_name else None,
                    topic_pointer=f"{pointer}/{topic_name}" if topic_name else None,
                    due=date.fromisoformat(due) if isinstance(due, str) and due else None,
                    description=str(item.get(field.description) or "") if field.description else "",
                )
            )
    return result


def link_problems(definition: CycleDefinition, goals: Sequence[RecordGoal]) -> list[Problem]:
    """A named problem for each goal whose link the cycle does not declare, or whose words are
    longer than a goal's title may be."""
    problems = []
    for goal in goals:
        if goal.topic is not None and definition.link(goal.topic) is None:
            problems.append(
                Problem(
                    goal.topic_pointer or goal.pointer,
                    f"{goal.topic!r} is not a value, behaviour or competence of cycle "
                    f"{definition.key}",
                    keyword=_KEYWORD,
                )
            )
        if len(goal.title) > _TITLE_LIMIT:
            problems.append(
                Problem(
                    goal.pointer,
                    f"a goal is at most {_TITLE_LIMIT} characters (this one has {len(goal.title)})",
                    keyword="maxLength",
                )
            )
    return problems


def _theme_of(definition: CycleDefinition, topic: str | None) -> str | None:
    found = definition.link(topic) if topic is not None else None
    return found[0].id if found is not None else None


def with_goal_agreements(
    draft: DraftRecord, definition: CycleDefinition, goals: Sequence[RecordGoal]
) -> DraftRecord:
    """*draft* with one agreement of the employee per goal it does not already hold."""
    present = {a.id for a in draft.agreements}
    added = tuple(
        Agreement(
            id=goal.agreement_id,
            text=goal.title,
            owner=AgreementOwner.EMPLOYEE,
            due=goal.due,
            theme=_theme_of(definition, goal.topic),
        )
        for goal in goals
        if goal.agreement_id not in present
    )
    return attrs.evolve(draft, agreements=(*draft.agreements, *added)) if added else draft


def goal_id(conversation_id: str, agreement_id: str) -> str:
    """The id of the goal made from agreement *agreement_id* of a conversation's record."""
    return record_goal_id(conversation_id, agreement_id)


def goal_writes(
    conv: Conversation,
    definition: CycleDefinition,
    goals: Sequence[RecordGoal],
    *,
    actor: str,
    now: datetime,
) -> list[StreamWrite]:
    """The new goal streams for an agreed record: one per goal still among its agreements.

    The owner is the employee the conversation is about; the others who took part are
    collaborators; *actor* (who confirmed last) sets it, in the conversation (``agreed_in``).
    """
    owner = conv.subject
    if owner is None:
        return []
    agreements = {a.id: a for a in conv.agreements}
    others = tuple(p.person for p in conv.participants if p.person != owner)
    writes = []
    for goal in goals:
        agreement = agreements.get(goal.agreement_id)
        if agreement is None:
            continue
        command = SetGoal(
            actor=actor,
            goal_id=goal_id(conv.id, goal.agreement_id),
            owner=owner,
            title=agreement.text,
            description=goal.description,
            theme=agreement.theme,
            agreed_in=conv.id,
            collaborators=others,
            topic=goal.topic,
            cycle=definition.key if goal.topic is not None else None,
            agreement=agreement_reference(conv.id, agreement.id),
        )
        # The words are the record's: sealed with the key of the conversation they were
        # written in (where a carried agreement was first agreed), they go with it.
        written_in = agreement.carried_from or agreement_reference(conv.id, agreement.id)
        events = _with(decide_goal(None, command, now=now), "copied_from", written_in)
        writes.append(StreamWrite(goal_stream(command.goal_id), 0, events))
    return writes


#: How a goal's closing is said on its agreement: reached is done; a goal dropped, or changed
#: into another, leaves the agreement as written dropped (the new plan is a new goal).
AGREEMENT_FOR_GOAL: Final[Mapping[GoalStatus, AgreementStatus]] = {
    GoalStatus.REACHED: AgreementStatus.DONE,
    GoalStatus.DROPPED: AgreementStatus.DROPPED,
    GoalStatus.CHANGED: AgreementStatus.DROPPED,
}
#: How an agreement marked done or dropped closes its goal (re-opening one closes nothing).
GOAL_FOR_AGREEMENT: Final[Mapping[AgreementStatus, GoalStatus]] = {
    AgreementStatus.DONE: GoalStatus.REACHED,
    AgreementStatus.DROPPED: GoalStatus.DROPPED,
}


def _with(events: Sequence[Event], key: str, value: str) -> tuple[Event, ...]:
    return tuple(attrs.evolve(e, data={**e.data, key: value}) for e in events)


def agreement_follows(
    conv: Conversation, goal: Goal, command: CloseGoal, *, now: datetime
) -> tuple[Event, ...]:
    """The ``agreement.updated`` event that closes the agreement *goal* was made from, when
    *command* closes the goal, the agreement is in *conv* (agreed, where the goal was agreed)
    and still open, and the closer may mark it themselves; else nothing."""
    conversation, agreement_id = split_agreement_reference(goal.agreement or "")
    if goal.id != goal_id(conv.id, agreement_id) or conversation != conv.id:
        return ()
    if goal.agreed_in != conv.id:
        return ()
    agreement = next((a for a in conv.agreements if a.id == agreement_id), None)
    if agreement is None or agreement.status is not AgreementStatus.OPEN:
        return ()
    update = UpdateAgreement(
        actor=command.actor, agreement_id=agreement_id, status=AGREEMENT_FOR_GOAL[command.status]
    )
    try:
        events = decide(conv, update, now=now)
    except TransitionError:  # not theirs to mark, or the record is not agreed
        return ()
    return _with(events, "goal", goal.id)


def goal_follows(
    goal: Goal | None, conv: Conversation, command: UpdateAgreement, *, now: datetime
) -> tuple[Event, ...]:
    """The ``goal.closed`` event that closes *goal* when *command* marks the agreement it was
    made from (in *conv*) done or dropped, the goal is still open and the marker is its owner;
    else nothing."""
    status = GOAL_FOR_AGREEMENT.get(command.status)
    agreement = agreement_reference(conv.id, command.agreement_id)
    if goal is None or status is None or goal.id != goal_id(conv.id, command.agreement_id):
        return ()
    if goal.agreement != agreement or goal.agreed_in != conv.id:
        return ()
    close = CloseGoal(actor=command.actor, goal_id=goal.id, status=status)
    try:
        events = decide_goal(goal, close, now=now)
    except TransitionError:  # not the owner, or the goal is closed already
        return ()
    return _with(events, "agreement", agreement)
