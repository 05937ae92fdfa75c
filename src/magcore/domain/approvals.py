"""Approval of a regulation (WOR art. 27): the works council and the executive approve a cycle
definition version's regulation hash; a version is active only once every body it names has
approved its current hash. An approval is an event policy.approved in the stream
``cycle:<id>``."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Final

import attrs

from ..errors import ConsentError, NotFoundError
from ..events import Event
from ..model.content import EventContent, metadata_only
from ..model.cycle import APPROVAL_BODIES as _CYCLE_APPROVAL_BODIES
from ..model.cycle import CycleDefinition

__all__ = [
    "APPROVAL_BODIES",
    "APPROVAL_STREAM",
    "CONTENT_FIELDS",
    "MAX_REFERENCE_LENGTH",
    "Approval",
    "ApprovalEvent",
    "ApprovalState",
    "ApprovePolicy",
    "ApproveRegulation",
    "active_version",
    "apply",
    "cycle_stream",
    "decide",
    "definition_for",
    "is_active",
    "replay",
]

#: Who may approve a regulation.
APPROVAL_BODIES = frozenset(_CYCLE_APPROVAL_BODIES)

#: The longest reference an approval may name (a decision's number and date, a short title):
#: it is kept in clear, in the cycle's stream and in the audit line, for as long as the log.
MAX_REFERENCE_LENGTH = 200


class ApprovalEvent(enum.StrEnum):
    """The event types of a cycle's approval stream ``cycle:<id>``."""

    APPROVED = "policy.approved"


APPROVAL_STREAM = "cycle"


def cycle_stream(cycle_id: str) -> str:
    """The event stream of a cycle's approvals: ``cycle:<id>``."""
    return f"{APPROVAL_STREAM}:{cycle_id}"


@attrs.frozen(kw_only=True)
class Approval:
    """One body's approval of one version's hash, with its reference (e.g. a letter number)."""

    version: int
    hash: str
    body: str
    reference: str
    date: date
    at: datetime
    actor: str


@attrs.frozen(kw_only=True)
class ApproveRegulation:
    """Record that *body* approved version ``cycle.version`` with *policy_hash*."""

    actor: str
    cycle: CycleDefinition
    policy_hash: str
    body: str
    reference: str
    on: date


@attrs.frozen(kw_only=True)
class ApprovalState:
    """The approvals recorded for one cycle, across its versions."""

    cycle: str
    version: int = 0
    approvals: tuple[Approval, ...] = ()

    def approved(self, version: int, policy_hash: str) -> frozenset[str]:
        """The bodies that approved *version* with exactly *policy_hash*."""
        return frozenset(
            a.body for a in self.approvals if a.version == version and a.hash == policy_hash
        )


def decide(
    state: ApprovalState | None, command: ApproveRegulation, *, now: datetime, current_hash: str
) -> tuple[Event, ...]:
    """Check an approval and return its event; refuse an unknown body or a stale hash."""
    state = state or ApprovalState(cycle=command.cycle.id)
    if state.cycle != command.cycle.id:
        raise ConsentError(f"state is for cycle {state.cycle}, command for {command.cycle.id}")
    if command.body not in APPROVAL_BODIES:
        raise ConsentError(f"body {command.body!r} is not one of {sorted(APPROVAL_BODIES)}")
    if command.body not in command.cycle.approvals_required:
        raise ConsentError(
            f"version {command.cycle.version} of {command.cycle.id} does not ask "
            f"{command.body} for approval"
        )
    short = command.policy_hash != current_hash and bool(command.policy_hash)
    if short and current_hash.startswith(command.policy_hash):
        raise ConsentError(
            f"the hash {command.policy_hash!r} is only the beginning of the hash of this "
            f"version's regulation: give all {len(current_hash)} characters that "
            "magcore policy render prints with the text that was shown"
        )
    if command.policy_hash != current_hash:
        raise ConsentError(
            "the approved hash is not the current hash of this version's regulation: "
            "render it again and approve what was actually shown"
        )
    if not command.reference.strip():
        raise ConsentError("an approval needs a reference (e.g. the decision's number)")
    if command.body in state.approved(command.cycle.version, current_hash):
        raise ConsentError(f"{command.body} already approved this version and hash")
    return (
        Event(
            stream=cycle_stream(command.cycle.id),
            version=state.version + 1,
            type=ApprovalEvent.APPROVED,
            at=now,
            actor=command.actor,
            data={
                "version": command.cycle.version,
                "hash": command.policy_hash,
                "body": command.body,
                "reference": command.reference,
                "date": command.on.isoformat(),
            },
        ),
    )


def apply(event: Event, state: ApprovalState | None) -> ApprovalState:
    """Fold one event of ``cycle:<id>`` into *state* (other types only move the version)."""
    state = state or ApprovalState(cycle=event.stream.partition(":")[2])
    if event.version != state.version + 1:
        raise ValueError(f"event version {event.version} does not follow {state.version}")
    if event.type != ApprovalEvent.APPROVED:
        return attrs.evolve(state, version=event.version)
    data = event.data
    approval = Approval(
        version=int(data["version"]),
        hash=data["hash"],
        body=data["body"],
        reference=data["reference"],
        date=date.fromisoformat(data["date"]),
        at=event.at,
        actor=event.actor,
    )
    return attrs.evolve(state, version=event.version, approvals=(*state.approvals, approval))


def replay(cycle_id: str, events: Iterable[Event]) -> ApprovalState:
    """The approvals of *cycle_id* from its stream's events."""
    state = ApprovalState(cycle=cycle_id)
    for event in events:
        state = apply(event, state)
    return state


def is_active(cycle: CycleDefinition, policy_hash: str, state: ApprovalState) -> bool:
    """Whether every approval *cycle* declares is recorded against *policy_hash*."""
    return set(cycle.approvals_required) <= state.approved(cycle.version, policy_hash)


def active_version(
    versions: Iterable[tuple[CycleDefinition, str]], state: ApprovalState
) -> CycleDefinition | None:
    """The newest of *versions* ((definition, its current policy hash)) that is active."""
    active = [c for c, h in versions if c.id == state.cycle and is_active(c, h, state)]
    return max(active, key=lambda c: c.version, default=None)


def definition_for(cycle_key: str, versions: Iterable[CycleDefinition]) -> CycleDefinition:
    """The definition a conversation started under, from its ``id@version`` key."""
    for cycle in versions:
        if cycle.key == cycle_key:
            return cycle
    raise NotFoundError(f"no cycle definition {cycle_key!r}")


#: The old name of :class:`ApproveRegulation` (kept: it is in ``magcore.__all__``).
ApprovePolicy = ApproveRegulation
#: An approval of the regulation is public metadata (which version, which body, when); so is a
#: kept cycle or form definition (``definition.kept``: the regulation's own text and its hash,
#: no personal data).
CONTENT_FIELDS: Final[Mapping[str, EventContent]] = {
    "policy.approved": metadata_only("version", "hash", "body", "reference", "date"),
    "definition.kept": metadata_only("definition", "hash"),
}
