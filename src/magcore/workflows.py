"""Scoring-free workflows as data: a trigger, an optional condition, and actions.

A workflow reminds people, asks for a conversation, invites a coach or brings open agreements
back to mind. Plugins contribute workflows as plain data (``magcore_register_workflows``); magcore
checks them when they are loaded (a workflow that mentions a score is refused).

Why as data and as a pure function: an embedding application or a cron job may run the
workflows whenever it likes, as often as it likes. :func:`due_actions` computes, from the event
log and a moment only, which actions are due and not yet performed; :func:`run_workflows` first
records each action as an event (optimistic concurrency: two runners cannot both record it) and
only then hands a :class:`Notification` to the notifier plugins. So running twice for the same
moment sends exactly once.

A :class:`Notification` has no free text at all: a message key, the recipient's person id, a
language, a link and a reference (plus a date and a count). Conversation content cannot reach a
notifier, because there is no field to put it in.

Triggers (``"type"``):

* ``event`` — an event of type ``event`` happened (``delay_days`` later). A ``manager.changed``
  event fires once per member of the team (role ``employee``; ``manager`` is the new manager,
  ``previous_manager`` the old one); an event of a conversation fires for that conversation.
* ``before_conversation`` — ``days`` before a scheduled conversation (again if it is moved).
* ``quiet`` — after ``days`` without a held conversation (counted from the last one held, or
  from the hire date or the organisation's import, whichever is later).
* ``cadence`` — ``days_before_due`` before a conversation of ``cycle``/``kind`` is due by its
  cadence (:func:`magcore.planning.plan`).

Conditions (one key per object; combine with ``all``, ``any``, ``not``): ``state_in``,
``kind_in``, ``cycle_in``, ``has_open_agreements``, ``has_open_conversation``,
``held_within_days``, ``held_in_window`` (cadence triggers only). They are evaluated on what the
log says at the moment the workflows run.

Actions (``"do"``): ``remind``, ``ask_for_conversation``, ``invite_coach`` (one coach of the
organisation, chosen the same way every time) and ``carry_forward`` (the open agreements from
last time: their number and where they are, never their text). ``to`` names a role:
``employee``, ``manager``, ``previous_manager``, ``participants`` or ``coach``.
"""

from __future__ import annotations

import enum
import hashlib
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import attrs

from .conversation import OPEN_STATES, Conversation, State, apply
from .errors import ConflictError, DefinitionError, PluginError, ScoringNotAllowedError
from .events import SYSTEM_ACTOR, Event
from .model.cycle import CycleDefinition
from .model.organisation import Organisation
from .model.records import AgreementStatus
from .model.text import LANGUAGES, Text, as_text
from .orgstream import apply_org_event
from .planning import plan
from .scoring import check_definition, is_scoring_name
from .storage.base import StreamWrite

if TYPE_CHECKING:
    from .plugins import PluginHost
    from .service import Service

__all__ = [
    "PERFORMED",
    "ActionKind",
    "Condition",
    "DueAction",
    "Notification",
    "RunReport",
    "Trigger",
    "TriggerKind",
    "Workflow",
    "WorkflowAction",
    "contributed_workflows",
    "due_actions",
    "load_workflow",
    "run_workflows",
    "workflow_stream",
]

log = logging.getLogger("magcore.workflows")

#: The event type that records a performed action (its ``data["key"]`` is the action key).
PERFORMED = "workflow.action_performed"

_KEY = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,99}$")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_REFERENCE = re.compile(r"^[a-z_]+:[A-Za-z0-9_.@#:/-]{1,200}$")
_MAX_DAYS = 3660


def workflow_stream(workflow_id: str) -> str:
    """The event stream where the actions of workflow *workflow_id* are recorded."""
    return f"workflow:{workflow_id}"


class TriggerKind(enum.StrEnum):
    """What starts a workflow."""

    EVENT = "event"
    BEFORE_CONVERSATION = "before_conversation"
    QUIET = "quiet"
    CADENCE = "cadence"


class ActionKind(enum.StrEnum):
    """What a workflow does. None of them reads or writes anything about how well someone did."""

    REMIND = "remind"
    ASK_FOR_CONVERSATION = "ask_for_conversation"
    INVITE_COACH = "invite_coach"
    CARRY_FORWARD = "carry_forward"


#: The message key each action uses unless the workflow names another.
DEFAULT_MESSAGES: Mapping[ActionKind, str] = {
    ActionKind.REMIND: "workflow.remind",
    ActionKind.ASK_FOR_CONVERSATION: "workflow.ask_for_conversation",
    ActionKind.INVITE_COACH: "workflow.invite_coach",
    ActionKind.CARRY_FORWARD: "workflow.agreements_from_last_time",
}

_RECIPIENTS = frozenset({"employee", "manager", "previous_manager", "participants", "coach"})


# -- the definition ----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Trigger:
    """When a workflow fires. Only the fields of its ``kind`` are set (see the module text)."""

    kind: TriggerKind
    event: str | None = None
    days: int = 0
    """``delay_days`` (event), ``days`` (before_conversation, quiet), ``days_before_due``."""
    cycle: str | None = None
    conversation_kind: str | None = None


@attrs.frozen
class Condition:
    """One condition: an operator and its argument (nested conditions for all/any/not)."""

    op: str
    arg: Any = attrs.field(hash=False)


@attrs.frozen(kw_only=True)
class WorkflowAction:
    """One action: what to do, for whom (a role), with which message key."""

    do: ActionKind
    to: str
    message: str


@attrs.frozen(kw_only=True)
class Workflow:
    """A workflow as data. Load one with :func:`load_workflow` (or :meth:`from_json`)."""

    id: str
    name: Text = attrs.field(converter=as_text)
    trigger: Trigger
    condition: Condition | None = None
    actions: tuple[WorkflowAction, ...]
    expires_after_days: int | None = None
    """Drop an occurrence this many days after it became due, if still not run by then."""
    source: str | None = attrs.field(default=None, eq=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, source: str | None = None) -> Workflow:
        """Load a workflow from plain data; see :func:`load_workflow`."""
        return load_workflow(data, source=source)


def _fail(message: str, pointer: str, source: str | None) -> DefinitionError:
    return DefinitionError(message, pointer=pointer, source=source)


def _days(value: Any, pointer: str, source: str | None, *, zero: bool = True) -> int:
    low = 0 if zero else 1
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= _MAX_DAYS:
        raise _fail(f"must be a whole number of days from {low} to {_MAX_DAYS}", pointer, source)
    return value


def _only(data: Mapping[str, Any], allowed: set[str], pointer: str, source: str | None) -> None:
    for key in data:
        if key not in allowed:
            raise _fail(
                f"unknown field {key!r} (allowed: {', '.join(sorted(allowed))})",
                f"{pointer}/{key}",
                source,
            )


def _name(value: Any, pointer: str, source: str | None, pattern: re.Pattern[str] = _KEY) -> str:
    if not isinstance(value, str) or not pattern.match(value):
        raise _fail(f"must be an identifier matching {pattern.pattern}", pointer, source)
    if is_scoring_name(value):
        raise ScoringNotAllowedError(pointer, f"names a score ({value!r})", source=source)
    return value


def _load_trigger(data: Any, source: str | None) -> Trigger:
    where = "/trigger"
    if not isinstance(data, Mapping):
        raise _fail("must be an object with a 'type'", where, source)
    raw_kind = data.get("type")
    try:
        kind = TriggerKind(str(raw_kind))
    except ValueError:
        known = ", ".join(k.value for k in TriggerKind)
        raise _fail(
            f"unknown trigger type {raw_kind!r} (known: {known})", f"{where}/type", source
        ) from None
    if kind is TriggerKind.EVENT:
        _only(data, {"type", "event", "delay_days"}, where, source)
        if "event" not in data:
            raise _fail("an event trigger needs 'event'", f"{where}/event", source)
        return Trigger(
            kind=kind,
            event=_name(data["event"], f"{where}/event", source),
            days=_days(data.get("delay_days", 0), f"{where}/delay_days", source),
        )
    if kind is TriggerKind.BEFORE_CONVERSATION:
        _only(data, {"type", "days", "kind"}, where, source)
        kind_filter = data.get("kind")
        return Trigger(
            kind=kind,
            days=_days(data.get("days"), f"{where}/days", source),
            conversation_kind=None
            if kind_filter is None
            else _name(kind_filter, f"{where}/kind", source, _ID),
        )
    if kind is TriggerKind.QUIET:
        _only(data, {"type", "days"}, where, source)
        return Trigger(kind=kind, days=_days(data.get("days"), f"{where}/days", source, zero=False))
    _only(data, {"type", "cycle", "kind", "days_before_due"}, where, source)
    if "cycle" not in data:
        raise _fail("a cadence trigger needs 'cycle' (a cycle id)", f"{where}/cycle", source)
    kind_filter = data.get("kind")
    return Trigger(
        kind=kind,
        cycle=_name(data["cycle"], f"{where}/cycle", source, _ID),
        conversation_kind=None
        if kind_filter is None
        else _name(kind_filter, f"{where}/kind", source, _ID),
        days=_days(data.get("days_before_due", 0), f"{where}/days_before_due", source),
    )


_LIST_CONDITIONS = {"state_in", "kind_in", "cycle_in"}
_BOOL_CONDITIONS = {"has_open_agreements", "has_open_conversation", "held_in_window"}
_CONDITIONS = _LIST_CONDITIONS | _BOOL_CONDITIONS | {"held_within_days", "all", "any", "not"}


def _load_condition(data: Any, pointer: str, trigger: Trigger, source: str | None) -> Condition:
    if not isinstance(data, Mapping) or len(data) != 1:
        raise _fail(
            f"a condition is an object with exactly one of: {', '.join(sorted(_CONDITIONS))}",
            pointer,
            source,
        )
    ((op, arg),) = data.items()
    here = f"{pointer}/{op}"
    if op not in _CONDITIONS:
        if is_scoring_name(str(op)):
            raise ScoringNotAllowedError(here, "asks about a score", source=source)
        raise _fail(
            f"unknown condition {op!r} (known: {', '.join(sorted(_CONDITIONS))})", here, source
        )
    if op in ("all", "any"):
        if not isinstance(arg, list | tuple) or not arg:
            raise _fail(f"'{op}' needs a non-empty list of conditions", here, source)
        return Condition(
            op,
            tuple(_load_condition(c, f"{here}/{i}", trigger, source) for i, c in enumerate(arg)),
        )
    if op == "not":
        return Condition(op, _load_condition(arg, here, trigger, source))
    if op in _LIST_CONDITIONS:
        if not isinstance(arg, list | tuple) or not arg:
            raise _fail(f"'{op}' needs a non-empty list", here, source)
        values = tuple(_name(v, f"{here}/{i}", source) for i, v in enumerate(arg))
        if op == "state_in":
            for index, value in enumerate(values):
                if value not in {s.value for s in State}:
                    known = ", ".join(s.value for s in State)
                    raise _fail(
                        f"unknown state {value!r} (known: {known})", f"{here}/{index}", source
                    )
        return Condition(op, frozenset(values))
    if op in _BOOL_CONDITIONS:
        if not isinstance(arg, bool):
            raise _fail(f"'{op}' must be true or false", here, source)
        if op == "held_in_window" and trigger.kind is not TriggerKind.CADENCE:
            raise _fail("'held_in_window' needs a cadence trigger", here, source)
        return Condition(op, arg)
    return Condition(op, _days(arg, here, source, zero=False))


def _load_action(data: Any, index: int, source: str | None) -> WorkflowAction:
    where = f"/actions/{index}"
    if not isinstance(data, Mapping):
        raise _fail("an action is an object with 'do' and 'to'", where, source)
    _only(data, {"do", "to", "message"}, where, source)
    try:
        do = ActionKind(str(data.get("do")))
    except ValueError:
        if is_scoring_name(str(data.get("do"))):
            raise ScoringNotAllowedError(f"{where}/do", "asks for a score", source=source) from None
        known = ", ".join(k.value for k in ActionKind)
        raise _fail(
            f"unknown action {data.get('do')!r} (known: {known})", f"{where}/do", source
        ) from None
    to = data.get("to", "coach" if do is ActionKind.INVITE_COACH else None)
    if to not in _RECIPIENTS:
        raise _fail(
            f"'to' must be one of: {', '.join(sorted(_RECIPIENTS))} (got {to!r})",
            f"{where}/to",
            source,
        )
    message = _name(data.get("message", DEFAULT_MESSAGES[do]), f"{where}/message", source)
    return WorkflowAction(do=do, to=to, message=message)


def load_workflow(data: Any, *, source: str | None = None) -> Workflow:
    """Load and check a workflow from plain data.

    Raises :class:`~magcore.errors.ScoringNotAllowedError` if it mentions a score anywhere, and
    :class:`~magcore.errors.DefinitionError` naming the field (a JSON pointer) if it is malformed.
    """
    if isinstance(data, Workflow):
        return data
    if not isinstance(data, Mapping):
        raise _fail("a workflow must be a JSON object", "", source)
    check_definition(data, source=source)
    _only(data, {"id", "name", "trigger", "condition", "actions", "expires_after_days"}, "", source)
    for required in ("id", "name", "trigger", "actions"):
        if required not in data:
            raise _fail(f"a workflow needs '{required}'", f"/{required}", source)
    workflow_id = _name(data["id"], "/id", source, _ID)
    try:
        name = Text.coerce(data["name"])
    except (KeyError, TypeError, ValueError) as exc:
        raise _fail(f"needs a Dutch and an English text ({exc})", "/name", source) from exc
    trigger = _load_trigger(data["trigger"], source)
    condition = None
    if data.get("condition") is not None:
        condition = _load_condition(data["condition"], "/condition", trigger, source)
    raw_actions = data["actions"]
    if not isinstance(raw_actions, list | tuple) or not raw_actions:
        raise _fail("a workflow needs at least one action", "/actions", source)
    actions = tuple(_load_action(a, i, source) for i, a in enumerate(raw_actions))
    expires = data.get("expires_after_days")
    if expires is not None:
        expires = _days(expires, "/expires_after_days", source, zero=False)
    return Workflow(
        id=workflow_id,
        name=name,
        trigger=trigger,
        condition=condition,
        actions=actions,
        expires_after_days=expires,
        source=source,
    )


def contributed_workflows(host: PluginHost) -> tuple[tuple[Workflow, ...], tuple[PluginError, ...]]:
    """Every workflow the plugins contribute, checked; and the plugins that failed.

    A plugin that registers a malformed or scoring workflow contributes nothing from that call
    and appears among the problems (a :class:`~magcore.errors.PluginError` whose ``__cause__``
    is the definition error).
    """

    found = host.hooks.workflows()
    return tuple(found), found.problems


# -- what the log says ---------------------------------------------------------------------------


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
    org_events: list[tuple[str, Event, Organisation]] = attrs.field(factory=list)
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
    for event in events:
        if event.type == PERFORMED and event.stream.startswith("workflow:"):
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
            if event.type == "organisation.imported":
                state.imported_on.setdefault(rest, event.at.date())
            org = apply_org_event(state.organisations.get(rest), event)
            if org is not None:
                state.organisations[rest] = org
                state.org_events.append((rest, event, org))
        else:
            state.other.append(event)
    return state


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def _conversation_roles(conv: Conversation) -> dict[str, tuple[str, ...]]:
    roles: dict[str, list[str]] = {"participants": list(conv.people)}
    for participant in conv.participants:
        role = participant.role.value
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
                reference=f"conversation:{conv_id}",
                conversation=conv_id,
                kind=conv.kind,
                cycle=conv.cycle.partition("@")[0],
            )
    for org_id, event, org in state.org_events:
        if event.type != trigger.event:
            continue
        if event.type == "manager.changed":
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
                    reference=f"person:{member}",
                )
        elif isinstance(event.data.get("person"), str):
            person = event.data["person"]
            yield _Occurrence(
                key=f"event:{event.stream}#{event.version}",
                at=event.at + delay,
                subject=person,
                roles=_person_roles(state, person, event.at.date()),
                reference=f"person:{person}",
            )
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
            reference=f"person:{subject}" if subject else f"stream:{event.stream}",
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
            reference=f"conversation:{conv_id}",
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
                reference=f"person:{person.id}",
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
        start = state.imported_on[org_id]
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


def _open_agreements(state: _Log, subject: str | None) -> int:
    return sum(
        1
        for conv in _subject_conversations(state, subject)
        if conv.state is State.AGREED
        for agreement in conv.agreements
        if agreement.status is AgreementStatus.OPEN
    )


def _holds(condition: Condition, occ: _Occurrence, state: _Log, today: date) -> bool:
    op, arg = condition.op, condition.arg
    if op == "all":
        return all(_holds(c, occ, state, today) for c in arg)
    if op == "any":
        return any(_holds(c, occ, state, today) for c in arg)
    if op == "not":
        return not _holds(arg, occ, state, today)
    if op == "state_in":
        conv = state.conversations.get(occ.conversation) if occ.conversation else None
        return conv is not None and conv.state.value in arg
    if op == "kind_in":
        return occ.kind in arg
    if op == "cycle_in":
        return occ.cycle in arg
    if op == "has_open_agreements":
        return (_open_agreements(state, occ.subject) > 0) is arg
    if op == "has_open_conversation":
        found = any(c.state in OPEN_STATES for c in _subject_conversations(state, occ.subject))
        return found is arg
    held = [c.held_on for c in _subject_conversations(state, occ.subject) if c.held_on]
    if op == "held_within_days":
        return any(today - timedelta(days=arg) <= day <= today for day in held)
    # held_in_window: only cadence occurrences have a window (checked at load)
    start = occ.window_start or today
    return any(start <= day <= today for day in held) is arg


# -- due actions -------------------------------------------------------------------------------


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
) -> tuple[DueAction, ...]:
    """Every action due by *until* that has not been performed, in a fixed order.

    A pure function: it reads *events* (the whole log; only events at or before *until* count,
    except ``workflow.action_performed`` events in ``workflow:`` streams, which always count)
    and never the clock.
    *cycles* are the cycle definitions cadence triggers refer to.
    """
    until = until.astimezone(UTC)
    if not isinstance(cycles, Mapping):
        cycles = {c.key: c for c in cycles}
    state = _fold(events, until)
    today = until.date()
    result: dict[str, DueAction] = {}
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
            if workflow.condition is not None and not _holds(workflow.condition, occ, state, today):
                continue
            for index, action in enumerate(workflow.actions):
                if action.do is ActionKind.INVITE_COACH:
                    recipients = _coach_for(state, occ.subject, today)
                else:
                    recipients = occ.roles.get(action.to, ())
                count = (
                    _open_agreements(state, occ.subject)
                    if action.do is ActionKind.CARRY_FORWARD
                    else None
                )
                for recipient in recipients:
                    key = f"{workflow.id}:{occ.key}:{index}:{recipient}"
                    if key in state.performed or key in result:
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
                        count=count,
                    )
    return tuple(sorted(result.values(), key=lambda a: (a.due_at, a.workflow, a.key)))


# -- notifications -----------------------------------------------------------------------------


def _check_key(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not _KEY.match(value):
        raise ValueError(f"{attribute.name} must be a message key like 'workflow.remind'")


def _check_reference(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not _REFERENCE.match(value):
        raise ValueError(f"{attribute.name} must look like 'conversation:<id>'")


def _check_language(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if value not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}")


def _check_link(
    instance: object, attribute: attrs.Attribute[str | None], value: str | None
) -> None:
    if value is not None and not re.match(r"^https?://[^\s]+$", value):
        raise ValueError("link must be an http(s) address without spaces")


@attrs.frozen(kw_only=True)
class Notification:
    """What a notifier delivers: a message key for a person, with a link. Never content.

    There is deliberately no free-text field: the notifier turns ``message`` into text from its
    own templates, so nothing written in a conversation can end up in an e-mail.
    """

    key: str
    """The action key: the same reminder always has the same key (use it to deduplicate)."""
    message: str = attrs.field(validator=_check_key)
    recipient: str
    """The person id; the notifier looks up the address in a directory of its own."""
    language: str = attrs.field(default="nl", validator=_check_language)
    link: str | None = attrs.field(default=None, validator=_check_link)
    reference: str = attrs.field(validator=_check_reference)
    due: date | None = None
    count: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "message": self.message,
            "recipient": self.recipient,
            "language": self.language,
            "link": self.link,
            "reference": self.reference,
            "due": self.due.isoformat() if self.due else None,
            "count": self.count,
        }


@attrs.frozen(kw_only=True)
class RunReport:
    """What one run of the workflows did."""

    performed: tuple[DueAction, ...]
    notifications: tuple[Notification, ...]
    deliveries: tuple[str, ...]
    failures: tuple[PluginError, ...]


def _link(base: str | None, reference: str) -> str | None:
    if base is None:
        return None
    kind, _, rest = reference.partition(":")
    return f"{base.rstrip('/')}/{kind}/{rest}"


def _performed_writes(service: Service, due: Iterable[DueAction]) -> list[StreamWrite]:
    by_stream: dict[str, list[DueAction]] = {}
    for action in due:
        by_stream.setdefault(workflow_stream(action.workflow), []).append(action)
    now = service.clock.now()
    writes = []
    for stream, actions in sorted(by_stream.items()):
        version = service.store.version(stream)
        events = tuple(
            Event(
                stream=stream,
                version=version + i,
                type=PERFORMED,
                at=now,
                actor=SYSTEM_ACTOR,
                data=action.to_event_data(),
            )
            for i, action in enumerate(actions, start=1)
        )
        writes.append(StreamWrite(stream, version, events))
    return writes


def run_workflows(
    service: Service,
    until: datetime | None = None,
    *,
    workflows: Iterable[Workflow | Mapping[str, Any]] | None = None,
    language_of: Callable[[str], str] | Mapping[str, str] | None = None,
    link_base: str | None = None,
    attempts: int = 5,
) -> RunReport:
    """Run the workflows due by *until* (default: the service's clock) once each.

    Records every due action as a ``workflow.action_performed`` event first, in one transaction
    with optimistic concurrency; only the actions this call recorded are then handed to the
    notifiers (``magcore_send_notification``). A second run for the same moment, or a runner
    that raced this one, finds them performed and sends nothing. Delivery is therefore *at most
    once*: a notifier's failure is reported (``failures``), not retried.
    """
    moment = until if until is not None else service.clock.now()
    if workflows is None:
        loaded, problems = contributed_workflows(service.host)
    else:
        loaded = tuple(load_workflow(w) for w in workflows)
        problems = ()
    failures: list[PluginError] = list(problems)
    languages: Callable[[str], str]
    if language_of is None:
        languages = lambda _person: "nl"  # noqa: E731
    elif isinstance(language_of, Mapping):
        mapping = language_of
        languages = lambda person: mapping.get(person, "nl")  # noqa: E731
    else:
        languages = language_of
    performed: tuple[DueAction, ...] = ()
    notifications: tuple[Notification, ...] = ()
    for attempt in range(attempts):
        events = [event for _, event in service.store.read_all()]
        due = due_actions(events, loaded, until=moment, cycles=service.cycles)
        if not due:
            break
        # Build (and so check) every notification before anything is recorded.
        notifications = tuple(
            Notification(
                key=action.key,
                message=action.message,
                recipient=action.recipient,
                language=languages(action.recipient),
                link=_link(link_base, action.reference),
                reference=action.reference,
                due=action.due,
                count=action.count,
            )
            for action in due
        )
        known_failures = len(service.plugin_failures)
        try:
            service.commit(_performed_writes(service, due))
        except ConflictError:
            notifications = ()
            if attempt == attempts - 1:
                raise
            continue
        failures.extend(service.plugin_failures[known_failures:])
        performed = due
        break
    deliveries: list[str] = []
    for notification in notifications:
        sent, failed = service.host.hooks.send_notification(notification)
        deliveries.extend(sent)
        failures.extend(failed)
    for failure in failures:
        log.warning("%s", failure)
    return RunReport(
        performed=performed,
        notifications=notifications,
        deliveries=tuple(deliveries),
        failures=tuple(failures),
    )
