"""Conversations: mine, one of them, starting one, preparing, the record, agreeing, dissent.

Every read is the gateway's (:meth:`~magcore.app.service.Service.view`, audited part by part).
Before a command, the asker must be able to see that the conversation exists: otherwise the
answer is 404, the same as for an id that does not exist, and the gateway's audit line of the
refused read stays behind.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

import attrs

from magcore.access.decision import PARTICIPATION
from magcore.access.reading import ConversationView
from magcore.domain.conversation import (
    AddDissent,
    AddPrivateNote,
    Command,
    ConfirmRecord,
    DraftRecord,
    PublishPreparation,
    RaiseTopic,
    SavePreparation,
    Schedule,
)
from magcore.errors import InputRefused, MagcoreError, NotFoundError, Problem
from magcore.model.cycle import CycleDefinition
from magcore.model.input_policy import check_known_people
from magcore.model.records import Agreement

from ..problems import ApiProblem, not_found
from .fields import answers_field, id_field, ids_field, text_field
from .routing import Call, Operation, Param, Raw
from .values import ConversationOut, ConversationSummary, conversation_out, summary_out

__all__ = ["OPERATIONS", "visible"]

TAG = "conversations"
ONE = "/conversations/{conversationId}"


def visible(call: Call, conversation_id: str, *, purpose: str = PARTICIPATION) -> ConversationView:
    """What the asker may see of *conversation_id*; 404 when they may not even see that it
    exists (the refusal is audited by the gateway)."""
    try:
        view = call.service.view(conversation_id, actor=call.principal.person_id, purpose=purpose)
    except NotFoundError:
        raise ApiProblem(not_found("conversation")) from None
    if view.metadata is None:
        raise ApiProblem(not_found("conversation"))
    return view


def _execute(call: Call, command: Command) -> ConversationOut:
    conversation_id = call.path["conversationId"]
    visible(call, conversation_id)
    return conversation_out(call.service.execute(conversation_id, command))


@attrs.frozen(kw_only=True)
class ChosenIn:
    """Someone chosen for a party of the kind: the party's *role* (an HR adviser, a coach) and
    the *person* who takes it."""

    role: str = id_field()
    person: str = id_field()


@attrs.frozen(kw_only=True)
class NewConversation:
    """Start a conversation of *kind* under *cycle* (``id@version``) about *employee* (you,
    when left out); the participants come from the organisation, with the people in *chosen*
    for the parties the organisation does not fill (a kind's required HR adviser or coach),
    each fitting the party's rule."""

    cycle: str = id_field()
    kind: str = id_field()
    employee: str | None = id_field(default=None)
    themes: tuple[str, ...] = ids_field(default=())
    chosen: tuple[ChosenIn, ...] = ()


@attrs.frozen(kw_only=True)
class PreparationIn:
    """Your preparation's answers (saved, not yet seen by the others)."""

    answers: dict[str, Any] = answers_field()  # noqa: RUF009


@attrs.frozen(kw_only=True)
class ScheduleIn:
    """When and where the conversation takes place (a time with its time zone)."""

    on: datetime
    place: str = text_field(default="")


@attrs.frozen(kw_only=True)
class AgreementIn:
    """An agreement: its id, text and who carries it out (employee, manager or both)."""

    id: str = id_field()
    text: str = text_field()
    owner: Literal["employee", "manager", "peer", "coach", "team", "both"]
    due: date | None = None
    theme: str | None = id_field(default=None)


@attrs.frozen(kw_only=True)
class RecordIn:
    """A (new revision of the) record; earlier confirmations then no longer count."""

    summary: str = text_field(default="")
    agreements: tuple[AgreementIn, ...] = ()
    themes: tuple[str, ...] = ids_field(default=())
    answers: dict[str, Any] = answers_field(factory=dict)  # noqa: RUF009
    held_on: date | None = None


@attrs.frozen(kw_only=True)
class ConfirmationIn:
    """Agree with revision *revision* of the record."""

    revision: int


@attrs.frozen(kw_only=True)
class TextIn:
    """A text: a note of disagreement, a private note."""

    text: str = text_field()


@attrs.frozen(kw_only=True)
class TopicIn:
    """A topic to talk about, optionally under a theme."""

    text: str = text_field()
    theme: str | None = id_field(default=None)


def list_mine(call: Call) -> list[ConversationSummary]:
    listing = call.service.listing(call.principal.person_id, purpose=PARTICIPATION)
    return [summary_out(item) for item in listing]


def get_one(call: Call) -> ConversationOut:
    purpose = call.query.get("purpose") or PARTICIPATION
    return conversation_out(visible(call, call.path["conversationId"], purpose=purpose))


def start(call: Call) -> ConversationOut:
    body: NewConversation = call.body
    service = call.service
    me = call.principal.person_id
    employee = body.employee or me
    org_id = service.organisation_id
    if org_id is None:
        raise NotFoundError("this municipality has no organisation imported")
    definition = service.cycle(body.cycle)
    today = service.clock.now().astimezone(service.timezone).date()
    if employee != me and not _may_take_part(call, org_id, employee, body, today):
        # Before the organisation is asked about them: a refusal would tell whether the person
        # exists, has a manager or fits the kind.
        raise ApiProblem(not_found("person"))
    # The employee and their manager are told what is wrong with a request (a chosen person
    # unknown, or not fitting the party's rule); anyone else (someone naming themselves for
    # a party) gets the one answer of a person not found, so asking says nothing about
    # whether a person exists, works here, holds a role or is in a team.
    told = me in (employee, service.organisation(org_id).manager_of(employee, today))
    try:
        participants = service.participants_for(
            org_id,
            definition,
            body.kind,
            employee,
            on=today,
            chosen=_chosen(call, definition, body),
        )
    except MagcoreError:
        if told:
            raise
        raise ApiProblem(not_found("person")) from None
    if me not in {p.person for p in participants}:
        # Only a participant may start it; anything else reveals nothing about the person.
        raise ApiProblem(not_found("person"))
    view = service.request(
        cycle=definition,
        kind=body.kind,
        participants=participants,
        actor=me,
        themes=body.themes,
    )
    return conversation_out(view)


def _may_take_part(
    call: Call, org_id: str, employee: str, body: NewConversation, today: date
) -> bool:
    """Whether the asker could be a participant of a conversation about *employee* (someone
    else): as their manager on the day, or as a person chosen for a party."""
    me = call.principal.person_id
    if any(c.person == me for c in body.chosen):
        return True
    org = call.service.organisation(org_id)
    return employee in org.people and org.manager_of(employee, today) == me


def _chosen(
    call: Call, definition: CycleDefinition, body: NewConversation
) -> dict[str, tuple[str, ...]]:
    """The people in *body*'s ``chosen`` by role; a role the kind has no party for, and a
    person the organisation does not know, are refused naming the field (400)."""
    if not body.chosen:
        return {}
    roles = definition.kind(body.kind).roles
    problems = [
        Problem(
            f"/chosen/{i}/role",
            f"a {body.kind} conversation has no party {c.role!r}: one of {', '.join(roles)}",
            "unknownRole",
        )
        for i, c in enumerate(body.chosen)
        if c.role not in roles
    ]
    if problems:
        raise InputRefused(problems, what="chosen")
    org = call.service.organisation(call.service.organisation_id or "")
    check_known_people(
        org.people, [(f"/chosen/{i}/person", c.person) for i, c in enumerate(body.chosen)]
    )
    picks: dict[str, tuple[str, ...]] = {}
    for c in body.chosen:
        picks[c.role] = (*picks.get(c.role, ()), c.person)
    return picks


def save_preparation(call: Call) -> ConversationOut:
    body: PreparationIn = call.body
    return _execute(
        call, SavePreparation(actor=call.principal.person_id, answers=dict(body.answers))
    )


def publish_preparation(call: Call) -> ConversationOut:
    return _execute(call, PublishPreparation(actor=call.principal.person_id))


def schedule(call: Call) -> ConversationOut:
    body: ScheduleIn = call.body
    return _execute(call, Schedule(actor=call.principal.person_id, on=body.on, place=body.place))


def invitation(call: Call) -> Raw:
    from magcore.app.invitations import calendar, invitation_for

    conversation_id = call.path["conversationId"]
    me = call.principal.person_id
    # The place and who else comes are for the participants alone (as the pages' my_view):
    # someone a sharing choice lets see that the conversation exists gets the 404 of an id
    # that does not exist, after the gateway has audited the read.
    if me not in visible(call, conversation_id).people:
        raise ApiProblem(not_found("conversation"))
    org_id = call.service.organisation_id
    org = call.service.organisation(org_id) if org_id is not None else None
    # invitation_for asks the gateway, audited, whether the invitation may reach each
    # participant (the asker among them); it goes to the asker only if it may reach them.
    found = invitation_for(call.service, conversation_id, organisation=org, sent_by=me)
    if found is None or me not in {a.person for a in found.attendees}:
        raise ApiProblem(not_found("planned conversation"))
    return Raw(calendar([found]), "text/calendar; charset=utf-8", filename=f"{conversation_id}.ics")


def write_record(call: Call) -> ConversationOut:
    body: RecordIn = call.body
    conversation_id = call.path["conversationId"]
    visible(call, conversation_id)
    draft = DraftRecord(
        actor=call.principal.person_id,
        summary=body.summary,
        agreements=tuple(
            Agreement(id=a.id, text=a.text, owner=a.owner, due=a.due, theme=a.theme)
            for a in body.agreements
        ),
        themes=body.themes,
        answers=dict(body.answers),
    )
    view = call.service.record(conversation_id, draft, held_on=body.held_on)
    return conversation_out(view)


def confirm(call: Call) -> ConversationOut:
    body: ConfirmationIn = call.body
    return _execute(call, ConfirmRecord(actor=call.principal.person_id, revision=body.revision))


def dissent(call: Call) -> ConversationOut:
    body: TextIn = call.body
    return _execute(call, AddDissent(actor=call.principal.person_id, text=body.text))


def topic(call: Call) -> ConversationOut:
    body: TopicIn = call.body
    return _execute(
        call, RaiseTopic(actor=call.principal.person_id, text=body.text, theme=body.theme)
    )


def private_note(call: Call) -> ConversationOut:
    body: TextIn = call.body
    return _execute(call, AddPrivateNote(actor=call.principal.person_id, text=body.text))


_E = (404, 409)
OPERATIONS = (
    Operation(
        method="GET",
        path="/conversations",
        operation_id="listMyConversations",
        summary="The conversations you may see (metadata and parts; one audit line).",
        tag=TAG,
        handler=list_mine,
        response=list[ConversationSummary],
    ),
    Operation(
        method="POST",
        path="/conversations",
        operation_id="startConversation",
        summary="Start a conversation in which you take part.",
        tag=TAG,
        handler=start,
        body=NewConversation,
        response=ConversationOut,
        status=201,
        errors=_E,
    ),
    Operation(
        method="GET",
        path=ONE,
        operation_id="getConversation",
        summary="What you may see of one conversation (each part audited).",
        tag=TAG,
        handler=get_one,
        params=(
            Param(
                name="purpose",
                description=f"Why you read it (default {PARTICIPATION}; hr_overview...).",
            ),
        ),
        response=ConversationOut,
        errors=(404,),
    ),
    Operation(
        method="PUT",
        path=ONE + "/preparation",
        operation_id="savePreparation",
        summary="Save your preparation (the others see it only once you publish it).",
        tag=TAG,
        handler=save_preparation,
        body=PreparationIn,
        response=ConversationOut,
        errors=_E,
    ),
    Operation(
        method="POST",
        path=ONE + "/preparation/publication",
        operation_id="publishPreparation",
        summary="Publish your preparation to the other participants.",
        tag=TAG,
        handler=publish_preparation,
        response=ConversationOut,
        errors=_E,
    ),
    Operation(
        method="PUT",
        path=ONE + "/schedule",
        operation_id="scheduleConversation",
        summary="Plan the conversation (date, time with time zone, place).",
        tag=TAG,
        handler=schedule,
        body=ScheduleIn,
        response=ConversationOut,
        errors=_E,
    ),
    Operation(
        method="GET",
        path=ONE + "/invitation",
        operation_id="getInvitation",
        summary="The calendar invitation (.ics) of a planned conversation.",
        tag=TAG,
        handler=invitation,
        alternatives=("text/calendar",),
        errors=(404,),
    ),
    Operation(
        method="PUT",
        path=ONE + "/record",
        operation_id="writeRecord",
        summary="Write the record (marks the conversation held first if it is still open).",
        tag=TAG,
        handler=write_record,
        body=RecordIn,
        response=ConversationOut,
        errors=_E,
    ),
    Operation(
        method="POST",
        path=ONE + "/record/confirmations",
        operation_id="confirmRecord",
        summary="Agree with a revision of the record.",
        tag=TAG,
        handler=confirm,
        body=ConfirmationIn,
        response=ConversationOut,
        status=201,
        errors=_E,
    ),
    Operation(
        method="POST",
        path=ONE + "/dissents",
        operation_id="addDissent",
        summary="Add a note of disagreement with the record.",
        tag=TAG,
        handler=dissent,
        body=TextIn,
        response=ConversationOut,
        status=201,
        errors=_E,
    ),
    Operation(
        method="POST",
        path=ONE + "/topics",
        operation_id="raiseTopic",
        summary="Raise a topic to talk about.",
        tag=TAG,
        handler=topic,
        body=TopicIn,
        response=ConversationOut,
        status=201,
        errors=_E,
    ),
    Operation(
        method="POST",
        path=ONE + "/private-notes",
        operation_id="addPrivateNote",
        summary="Add a note only you see (the employee receives it when they ask for their data).",
        tag=TAG,
        handler=private_note,
        body=TextIn,
        response=ConversationOut,
        status=201,
        errors=_E,
    ),
)
