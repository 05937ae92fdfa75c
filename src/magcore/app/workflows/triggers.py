"""When workflows fire: occurrences of each trigger, the conditions and the actions that are due."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import attrs

from ...domain.conversation import OPEN_STATES, Conversation, State, apply, stream_of
from ...domain.organisation import OrganisationEvent, OrgState
from ...domain.orgcolumns import split_ids
from ...domain.planning import plan
from ...domain.sharing import person_stream
from ...domain.workflows import (
    PERFORMED,
    WORKFLOW_STREAM,
    ActionKind,
    Condition,
    Trigger,
    TriggerKind,
    Workflow,
)
from ...events import Event
from ...model.cycle import CycleDefinition
from ...model.input_policy import MAX_PERIOD_DAYS
from ...model.organisation import Organisation
from ...model.records import AgreementStatus

__all__ = ["AgreementRef", "DueAction", "Told", "due_actions"]


@attrs.frozen(kw_only=True)
class _Occurrence:
    key: str
    at: datetime
    subject: str | None
    roles: Mapping[str, tuple[str, ...]] = attrs.field(hash=False)
    reference: str
    conversation: str | None = None
    kind: str | None = None
    cycle: str | None = None
    due: date | None = None
    window_start: date | None = None
    expires: datetime | None = None


@attrs.define
class _Log:
    """The state the log describes up to a moment (conversations, organisations, performed)."""

    conversations: dict[str, Conversation] = attrs.field(factory=dict)
    conversation_events: dict[str, list[Event]] = attrs.field(factory=dict)
    organisations: dict[str, Organisation] = attrs.field(factory=dict)
    imported_on: dict[str, date] = attrs.field(factory=dict)
    org_events: list[tuple[str, Event, Organisation | None]] = attrs.field(factory=list)
    performed: set[str] = attrs.field(factory=set)
    other: list[Event] = attrs.field(factory=list)

    def org_of(self, person: str) -> Organisation | None:
        for org_id in sorted(self.organisations):
            org = self.organisations[org_id]
            if person in org.people:
                return org
        return None


def _fold(events: Iterable[Event], until: datetime) -> _Log:
    state = _Log()
    org_states: dict[str, OrgState] = {}
    for event in events:
        if event.type == PERFORMED and event.stream.startswith(f"{WORKFLOW_STREAM}:"):
            key = event.data.get("key")
            if isinstance(key, str):
                state.performed.add(key)
            continue
        if event.at > until:
            continue
        kind, _, rest = event.stream.partition(":")
        if kind == "conversation":
            previous = state.conversations.get(rest)
            try:
                state.conversations[rest] = apply(event, previous)
            except (ValueError, KeyError):
                continue
            state.conversation_events.setdefault(rest, []).append(event)
        elif kind == "org":
            state.imported_on.setdefault(rest, event.at.date())
            org_state = org_states.setdefault(rest, OrgState(id=rest))
            org_state.apply(event)
            # The organisation at this event is built only where a trigger needs it.
            at_event = (
                org_state.organisation()
                if event.type == OrganisationEvent.MANAGER_CHANGED
                else None
            )
            state.org_events.append((rest, event, at_event))
        else:
            state.other.append(event)
    for org_id, org_state in org_states.items():
        state.organisations[org_id] = org_state.organisation()
    return state


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def _conversation_roles(conv: Conversation) -> dict[str, tuple[str, ...]]:
    roles: dict[str, list[str]] = {"participants": list(conv.people)}
    for participant in conv.participants:
        role = str(participant.role)
        roles.setdefault("employee" if role == "team_member" else role, []).append(
            participant.person
        )
    return {k: tuple(v) for k, v in roles.items()}


def _person_roles(
    state: _Log, person: str, day: date, previous: str | None = None
) -> dict[str, tuple[str, ...]]:
    roles: dict[str, tuple[str, ...]] = {"employee": (person,)}
    org = state.org_of(person)
    manager = org.manager_of(person, day) if org is not None else None
    if manager is not None:
        roles["manager"] = (manager,)
    if previous is not None:
        roles["previous_manager"] = (previous,)
    roles["participants"] = tuple(p for p in (person, manager) if p is not None)
    return roles


def _event_occurrences(trigger: Trigger, state: _Log) -> Iterator[_Occurrence]:
    delay = timedelta(days=trigger.days)
    for conv_id, events in state.conversation_events.items():
        conv = state.conversations[conv_id]
        for event in events:
            if event.type != trigger.event:
                continue
            yield _Occurrence(
                key=f"event:{event.stream}#{event.version}",
                at=event.at + delay,
                subject=conv.subject,
                roles=_conversation_roles(conv),
                reference=stream_of(conv_id),
                conversation=conv_id,
                kind=conv.kind,
                cycle=conv.cycle.partition("@")[0],
            )
    for org_id, event, org in state.org_events:
        if (
            event.type == OrganisationEvent.PEOPLE_JOINED
            and trigger.event == OrganisationEvent.JOINED
        ):
            # a batch of a large first import: each person in it joined, as a single event says
            people = event.data["people"]
            for newcomer in split_ids(people["id"], int(event.data["count"])):
                yield _person_occurrence(state, event, newcomer, delay, batch=True)
            continue
        if event.type != trigger.event:
            continue
        if event.type == OrganisationEvent.MANAGER_CHANGED and org is not None:
            day = date.fromisoformat(event.data["on"])
            new_manager = event.data.get("manager")
            for member in org.members(event.data["team"], day):
                if member == new_manager:
                    continue
                yield _Occurrence(
                    key=f"event:{event.stream}#{event.version}:{member}",
                    at=event.at + delay,
                    subject=member,
                    roles=_person_roles(state, member, day, event.data.get("previous")),
                    reference=person_stream(member),
                )
        elif isinstance(event.data.get("person"), str):
            yield _person_occurrence(state, event, event.data["person"], delay)
        else:
            yield _Occurrence(
                key=f"event:{event.stream}#{event.version}",
                at=event.at + delay,
                subject=None,
                roles={},
                reference=f"organisation:{org_id}",
            )
    for event in state.other:
        if event.type != trigger.event:
            continue
        person = event.data.get("person") or event.data.get("employee")
        subject = person if isinstance(person, str) else None
        yield _Occurrence(
            key=f"event:{event.stream}#{event.version}",
            at=event.at + delay,
            subject=subject,
            roles=_person_roles(state, subject, event.at.date()) if subject else {},
            reference=person_stream(subject) if subject else f"stream:{event.stream}",
        )


def _person_occurrence(
    state: _Log, event: Event, person: str, delay: timedelta, *, batch: bool = False
) -> _Occurrence:
    """The occurrence of an organisation event about *person*; of a *batch* event (many
    people), its key names the person too."""
    return _Occurrence(
        key=f"event:{event.stream}#{event.version}{f':{person}' if batch else ''}",
        at=event.at + delay,
        subject=person,
        roles=_person_roles(state, person, event.at.date()),
        reference=person_stream(person),
    )


def _before_occurrences(trigger: Trigger, state: _Log, until: datetime) -> Iterator[_Occurrence]:
    for conv_id, conv in state.conversations.items():
        if conv.state not in (State.SCHEDULED, State.PREPARED) or conv.scheduled_for is None:
            continue
        if trigger.conversation_kind and conv.kind != trigger.conversation_kind:
            continue
        yield _Occurrence(
            key=f"before:{conv_id}:{conv.scheduled_for.isoformat()}",
            at=conv.scheduled_for - timedelta(days=trigger.days),
            subject=conv.subject,
            roles=_conversation_roles(conv),
            reference=stream_of(conv_id),
            conversation=conv_id,
            kind=conv.kind,
            cycle=conv.cycle.partition("@")[0],
            due=conv.scheduled_for.date(),
            expires=conv.scheduled_for,
        )


def _held_dates(state: _Log) -> dict[str, list[date]]:
    held: dict[str, list[date]] = {}
    for conv in state.conversations.values():
        if conv.held_on is not None and conv.subject is not None:
            held.setdefault(conv.subject, []).append(conv.held_on)
    return held


def _quiet_occurrences(trigger: Trigger, state: _Log, until: datetime) -> Iterator[_Occurrence]:
    held = _held_dates(state)
    today = until.date()
    for org_id in sorted(state.organisations):
        org = state.organisations[org_id]
        imported = state.imported_on[org_id]
        for person in org.people.values():
            if not person.employed_on(today):
                continue
            starts = [imported, *(d for d in [person.hired_on] if d is not None)]
            since = max([*starts, *held.get(person.id, [])])
            due = since + timedelta(days=trigger.days)
            yield _Occurrence(
                key=f"quiet:{person.id}:{since.isoformat()}",
                at=_midnight(due),
                subject=person.id,
                roles=_person_roles(state, person.id, min(due, today)),
                reference=person_stream(person.id),
                due=due,
            )


def _cadence_occurrences(
    trigger: Trigger, state: _Log, until: datetime, cycles: Mapping[str, CycleDefinition]
) -> Iterator[_Occurrence]:
    candidates = [c for c in cycles.values() if c.id == trigger.cycle]
    if not candidates:
        return
    cycle = max(candidates, key=lambda c: c.version)
    kinds = [trigger.conversation_kind] if trigger.conversation_kind else None
    end = until.date() + timedelta(days=trigger.days + 1)
    for org_id in sorted(state.organisations):
        org = state.organisations[org_id]
        # from the import, but not further back than a plan may reach (50 years): the
        # occurrences before that are long past
        start = max(state.imported_on[org_id], end - timedelta(days=MAX_PERIOD_DAYS))
        if end <= start:
            continue
        for item in plan(org, cycle, start, end, kinds=kinds):
            if item.person is None:
                continue
            yield _Occurrence(
                key=f"cadence:{cycle.id}:{item.kind}:{item.person}:{item.due.isoformat()}",
                at=_midnight(item.due - timedelta(days=trigger.days)),
                subject=item.person,
                roles=_person_roles(state, item.person, item.due),
                reference=f"cycle:{cycle.id}/{item.kind}",
                kind=item.kind,
                cycle=cycle.id,
                due=item.due,
                window_start=item.window_start,
            )


def _occurrences(
    trigger: Trigger, state: _Log, until: datetime, cycles: Mapping[str, CycleDefinition]
) -> Iterator[_Occurrence]:
    if trigger.kind is TriggerKind.EVENT:
        return _event_occurrences(trigger, state)
    if trigger.kind is TriggerKind.BEFORE_CONVERSATION:
        return _before_occurrences(trigger, state, until)
    if trigger.kind is TriggerKind.QUIET:
        return _quiet_occurrences(trigger, state, until)
    return _cadence_occurrences(trigger, state, until, cycles)


def _subject_conversations(state: _Log, subject: str | None) -> list[Conversation]:
    if subject is None:
        return []
    return [c for c in state.conversations.values() if c.subject == subject]


#: One open agreement: (conversation, agreement id).
AgreementRef = tuple[str, str]
#: How many of the open agreements a recipient may be told of (the gateway decides).
Told = Callable[[str, tuple[AgreementRef, ...]], int]


def _open_agreements(state: _Log, subject: str | None) -> tuple[AgreementRef, ...]:
    return tuple(
        (conv.id, agreement.id)
        for conv in _subject_conversations(state, subject)
        if conv.state is State.AGREED
        for agreement in conv.agreements
        if agreement.status is AgreementStatus.OPEN
    )


def _holds(
    condition: Condition, occ: _Occurrence, state: _Log, today: date, open_count: Callable[[], int]
) -> bool:
    op, arg = condition.op, condition.arg
    if op == "all":
        return all(_holds(c, occ, state, today, open_count) for c in arg)
    if op == "any":
        return any(_holds(c, occ, state, today, open_count) for c in arg)
    if op == "not":
        return not _holds(arg, occ, state, today, open_count)
    if op == "state_in":
        conv = state.conversations.get(occ.conversation) if occ.conversation else None
        return conv is not None and conv.state.value in arg
    if op == "kind_in":
        return occ.kind in arg
    if op == "cycle_in":
        return occ.cycle in arg
    if op == "has_open_agreements":
        return (open_count() > 0) is arg
    if op == "has_open_conversation":
        found = any(c.state in OPEN_STATES for c in _subject_conversations(state, occ.subject))
        return found is arg
    held = [c.held_on for c in _subject_conversations(state, occ.subject) if c.held_on]
    if op == "held_within_days":
        return any(today - timedelta(days=arg) <= day <= today for day in held)
    # held_in_window: only cadence occurrences have a window (checked at load)
    start = occ.window_start or today
    return any(start <= day <= today for day in held) is arg


@attrs.frozen(kw_only=True)
class DueAction:
    """One action that is due: for whom, which message, about what. No content, no score."""

    key: str
    """Unique and deterministic: the same action always gets the same key."""
    workflow: str
    action: ActionKind
    recipient: str
    message: str
    due_at: datetime
    subject: str | None
    reference: str
    due: date | None = None
    count: int | None = None

    def to_event_data(self) -> dict[str, Any]:
        """What the ``workflow.action_performed`` event records."""
        return {
            "key": self.key,
            "workflow": self.workflow,
            "action": self.action.value,
            "recipient": self.recipient,
            "message": self.message,
            "reference": self.reference,
            "due_at": self.due_at.isoformat(),
        }


def _coach_for(state: _Log, subject: str | None, day: date) -> tuple[str, ...]:
    org = state.org_of(subject) if subject else None
    if org is None:
        coaches = sorted({c for o in state.organisations.values() for c in o.coaches(day)})
    else:
        coaches = sorted(org.coaches(day))
    if not coaches:
        return ()
    digest = hashlib.sha256((subject or "").encode()).digest()
    return (coaches[int.from_bytes(digest[:4], "big") % len(coaches)],)


def due_actions(
    events: Iterable[Event],
    workflows: Iterable[Workflow],
    *,
    until: datetime,
    cycles: Mapping[str, CycleDefinition] | Iterable[CycleDefinition] = (),
    told: Told | None = None,
) -> tuple[DueAction, ...]:
    """Every action due by *until* that has not been performed, in a fixed order.

    A pure function: it reads *events* (the whole log; only events at or before *until* count,
    except ``workflow.action_performed`` events in ``workflow:`` streams, which always count)
    and never the clock.
    *cycles* are the cycle definitions cadence triggers refer to.

    Open agreements (the ``has_open_agreements`` condition and the count of ``carry_forward``)
    are counted per recipient, as *told* says: how many of the subject's open agreements
    (conversation, agreement) that recipient may be told of.
    :func:`~magcore.app.workflows.run_workflows` asks the gateway
    (:meth:`~magcore.access.gateway.Gateway.agreements_told`: nothing restricted, nothing
    special-category, nothing of a conversation the recipient took no part in unless the
    employee's handover choice opens it). Without *told* every open agreement the log holds
    counts, for every recipient.
    """
    until = until.astimezone(UTC)
    if not isinstance(cycles, Mapping):
        cycles = {c.key: c for c in cycles}
    state = _fold(events, until)
    today = until.date()
    result: dict[str, DueAction] = {}
    counted: dict[tuple[str, str | None], int] = {}

    def open_count(recipient: str, subject: str | None) -> int:
        found = counted.get((recipient, subject))
        if found is None:
            refs = _open_agreements(state, subject)
            found = len(refs) if told is None else (told(recipient, refs) if refs else 0)
            counted[(recipient, subject)] = found
        return found

    for workflow in workflows:
        for occ in _occurrences(workflow.trigger, state, until, cycles):
            if occ.at > until:
                continue
            expires = occ.expires
            if workflow.expires_after_days is not None:
                limit = occ.at + timedelta(days=workflow.expires_after_days)
                expires = limit if expires is None else min(expires, limit)
            if expires is not None and until >= expires:
                continue
            for index, action in enumerate(workflow.actions):
                if action.do is ActionKind.INVITE_COACH:
                    recipients = _coach_for(state, occ.subject, today)
                else:
                    recipients = occ.roles.get(action.to, ())
                for recipient in recipients:
                    key = f"{workflow.id}:{occ.key}:{index}:{recipient}"
                    if key in state.performed or key in result:
                        continue

                    def count(recipient: str = recipient, subject: str | None = occ.subject) -> int:
                        return open_count(recipient, subject)

                    # evaluated per recipient: what they may be told of decides for them
                    if workflow.condition is not None and not _holds(
                        workflow.condition, occ, state, today, count
                    ):
                        continue
                    result[key] = DueAction(
                        key=key,
                        workflow=workflow.id,
                        action=action.do,
                        recipient=recipient,
                        message=action.message,
                        due_at=occ.at,
                        subject=occ.subject,
                        reference=occ.reference,
                        due=occ.due,
                        count=count() if action.do is ActionKind.CARRY_FORWARD else None,
                    )
    return tuple(sorted(result.values(), key=lambda a: (a.due_at, a.workflow, a.key)))
