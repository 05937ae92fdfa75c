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
  cadence (:func:`magcore.domain.planning.plan`).

Conditions (one key per object; combine with ``all``, ``any``, ``not``): ``state_in``,
``kind_in``, ``cycle_in``, ``has_open_agreements``, ``has_open_conversation``,
``held_within_days``, ``held_in_window`` (cadence triggers only). They are evaluated on what the
log says at the moment the workflows run.

Actions (``"do"``): ``remind``, ``ask_for_conversation``, ``invite_coach`` (one coach of the
organisation, chosen the same way every time) and ``carry_forward`` (the open agreements from
last time: their number and where they are, never their text). The number, and the
``has_open_agreements`` condition, count per recipient only the agreements the gateway lets
them be told of (:meth:`~magcore.access.gateway.Gateway.agreements_told`, audited): nothing
of a restricted or special-category record, nothing of a conversation they took no part in
unless the employee's handover choice opens it. ``to`` names a role:
``employee``, ``manager``, ``previous_manager``, ``participants`` or ``coach``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from ...errors import ConflictError, PluginError
from ...events import SYSTEM_ACTOR, Event
from ...storage.base import AuditRecord, StreamWrite

if TYPE_CHECKING:
    from ...plugins import PluginHost
    from ..service import Service

from ...domain.workflows import (
    PERFORMED,
    Notification,
    Workflow,
    load_workflow,
    workflow_stream,
)
from .triggers import AgreementRef, DueAction, due_actions

__all__ = [
    "WITHHELD",
    "RunReport",
    "contributed_workflows",
    "run_workflows",
]

log = logging.getLogger("magcore.workflows")


# -- notifications -----------------------------------------------------------------------------

#: The reference of a notification whose recipient may not know what it is about.
WITHHELD = "withheld:reference"


def contributed_workflows(host: PluginHost) -> tuple[tuple[Workflow, ...], tuple[PluginError, ...]]:
    """Every workflow the plugins contribute, checked; and the plugins that failed.

    A plugin that registers a malformed or scoring workflow contributes nothing from that call
    and appears among the problems (a :class:`~magcore.errors.PluginError` whose ``__cause__``
    is the definition error).
    """

    found = host.hooks.workflows()
    return tuple(found), found.problems


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
    # What a message may count (open agreements) is what its recipient may be told of: the
    # gateway decides and audits, once per recipient and set of agreements in this run.
    told_once: dict[tuple[str, tuple[AgreementRef, ...]], int] = {}

    def told(recipient: str, refs: tuple[AgreementRef, ...]) -> int:
        found = told_once.get((recipient, refs))
        if found is None:
            found = len(service.gateway.agreements_told(refs, recipient=recipient))
            told_once[(recipient, refs)] = found
        return found

    for attempt in range(attempts):
        events = [event for _, event in service.store.read_all()]
        due = due_actions(events, loaded, until=moment, cycles=service.cycles, told=told)
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
    # A notification leaves the core: the gateway decides (and audits) whether its recipient
    # may know what it refers to. If not (a coach invited before joining, a restricted record),
    # it goes without the reference and the link: "look in the app", nothing more.
    gateway = service.gateway
    notifications = tuple(
        n
        if gateway.notice(n.reference, recipient=n.recipient).allowed
        else attrs.evolve(n, reference=WITHHELD, link=None)
        for n in notifications
    )
    lines: list[AuditRecord] = []
    for notification in notifications:
        sent, failed = service.host.hooks.send_notification(notification)
        deliveries.extend(sent)
        failures.extend(failed)
        lines.append(_notification_line(service, notification, sent, failed))
    if lines:  # every message sent (or not) leaves a line: to whom, which message, no content
        service.store.append_audit(lines)
    for failure in failures:
        log.warning("%s", failure)
    return RunReport(
        performed=performed,
        notifications=notifications,
        deliveries=tuple(deliveries),
        failures=tuple(failures),
    )


def _notification_line(
    service: Service, notification: Notification, sent: Sequence[str], failed: Sequence[PluginError]
) -> AuditRecord:
    """The audit line of one notification handed to the notifiers (e-mail and others)."""
    reason = ", ".join(sent) if sent else "; ".join(str(f) for f in failed) or "no notifier"
    return AuditRecord(
        at=service.clock.now().isoformat(),
        actor="workflow",
        action="notify",
        object=f"person:{notification.recipient}/{notification.message}",
        result="done" if sent else "failed",
        origin="workflow",
        reason=reason[:500],
        purpose=notification.key,
    )
