"""Workflow definitions: triggers, conditions and actions, loaded and checked from JSON.

Pure data and its checks (never about a score); :mod:`magcore.app.workflows` finds what is due
and runs it.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

import attrs

from ..errors import DefinitionError, ScoringNotAllowedError
from ..languages import is_language_tag, language_tag
from ..model.scoring import check_definition, is_scoring_name
from ..model.text import Text, as_text
from .conversation import State

__all__ = [
    "PERFORMED",
    "WORKFLOW_STREAM",
    "ActionKind",
    "Condition",
    "Notification",
    "Trigger",
    "TriggerKind",
    "Workflow",
    "WorkflowAction",
    "load_workflow",
    "workflow_stream",
]

#: The event type that records a performed action (its ``data["key"]`` is the action key).
PERFORMED = "workflow.action_performed"
#: The stream kind of workflow bookkeeping: ``workflow:<id>``.
WORKFLOW_STREAM = "workflow"


def workflow_stream(workflow_id: str) -> str:
    """The event stream where the actions of workflow *workflow_id* are recorded."""
    return f"{WORKFLOW_STREAM}:{workflow_id}"


_KEY = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,99}$")


_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


_REFERENCE = re.compile(r"^[a-z_]+:[A-Za-z0-9_.@#:/-]{1,200}$")


_MAX_DAYS = 3660


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


# -- notifications ---------------------------------------------------------------------------


def _check_key(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not _KEY.match(value):
        raise ValueError(f"{attribute.name} must be a message key like 'workflow.remind'")


def _check_reference(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not _REFERENCE.match(value):
        raise ValueError(f"{attribute.name} must look like 'conversation:<id>'")


def _check_language(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not is_language_tag(value):
        raise ValueError(f"language must be a language tag (nl, en, fy...), not {value!r}")


def _normalise_language(value: object) -> object:
    """A language tag normalised ("NL" is nl); anything else as given, for the check to name."""
    return language_tag(value) if is_language_tag(value) else value


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
    language: str = attrs.field(
        default="nl", converter=_normalise_language, validator=_check_language
    )
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
