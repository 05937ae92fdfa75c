"""The privacy officer's and the works council's work: destruction when retention has passed,
verifying the audit log, and the regulation of each cycle version with its approvals.

The list of conversations due for destruction and a destruction are the service's query and
command (:meth:`~magcore.app.destruction.DestructionMixin.due_destructions`,
:meth:`~magcore.app.destruction.DestructionMixin.destroy_due`): they check the privacy
officer's role in the tenant's directory and write the audit lines, refusals too; a refusal is
a 403 here, as the other officer operations give."""

from __future__ import annotations

from datetime import date
from typing import Literal

import attrs

from magcore.access.decision import PRIVACY_OFFICER
from magcore.errors import AccessDenied, ConsentError, NotFoundError

from ..problems import ApiProblem, Problem, not_found
from .common import forbidden, has_role
from .fields import id_field, text_field
from .routing import Call, Operation, Param

__all__ = ["OPERATIONS"]

WORKS_COUNCIL = "works_council"
EXECUTIVE = "executive"


@attrs.frozen(kw_only=True)
class DueDestruction:
    """A conversation whose retention term has passed: it is due to be destroyed."""

    conversation: str
    profile: str
    due: date


@attrs.frozen(kw_only=True)
class DestructionIn:
    """Destroy the content of a conversation whose retention term has passed."""

    conversation: str = id_field()


@attrs.frozen(kw_only=True)
class DestructionOut:
    """A destroyed conversation: its keys are gone, a content-free tombstone remains."""

    conversation: str
    profile: str
    due: date
    keys_destroyed: int


@attrs.frozen(kw_only=True)
class AuditProblemOut:
    """Where the audit log is broken, and why."""

    reason: str
    seq: int | None = None
    event: str | None = None


@attrs.frozen(kw_only=True)
class AuditVerification:
    """The audit log checked end to end: lines, events matched, unkeyed lines, a problem."""

    ok: bool
    entries: int
    events: int
    unkeyed: int
    uncovered_events: int
    problem: AuditProblemOut | None = None


@attrs.frozen(kw_only=True)
class ApprovalOut:
    """One body's approval of a cycle version's regulation."""

    version: int
    hash: str
    body: str
    reference: str
    date: date


@attrs.frozen(kw_only=True)
class CycleOut:
    """A cycle version: its regulation's current hash and who approved it."""

    key: str
    name: str
    policy_hash: str
    approvals_required: tuple[str, ...]
    approved_by: tuple[str, ...]
    approvals: tuple[ApprovalOut, ...]


@attrs.frozen(kw_only=True)
class RegulationOut:
    """The regulation of a cycle version as the works council reads it, and its hash."""

    cycle: str
    language: str
    format: str
    hash: str
    text: str


@attrs.frozen(kw_only=True)
class ApprovalIn:
    """Record that *body* approved the regulation with hash *policy_hash* (WOR art. 27)."""

    body: Literal["works_council", "executive"]
    reference: str = text_field()
    on: date
    policy_hash: str = attrs.field(
        metadata={"schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}
    )


def _officer(call: Call) -> None:
    if not has_role(call, PRIVACY_OFFICER):
        raise forbidden(PRIVACY_OFFICER)


def due_destruction(call: Call) -> list[DueDestruction]:
    """The service's list (decided for the asker and audited there, a refusal too)."""
    try:
        listed = call.service.due_destructions(call.principal.person_id)
    except AccessDenied:
        raise forbidden(PRIVACY_OFFICER) from None
    return [
        DueDestruction(conversation=d.conversation, profile=d.profile, due=d.due) for d in listed
    ]


def destroy(call: Call) -> DestructionOut:
    """The service's command (decided and audited there, a refusal too)."""
    body: DestructionIn = call.body
    try:
        done = call.service.destroy_due(body.conversation, actor=call.principal.person_id)
    except NotFoundError:  # unknown, not due yet, destroyed already: one answer
        raise ApiProblem(not_found("conversation due for destruction")) from None
    except ConsentError as exc:
        if exc.field != "actor":
            raise
        raise forbidden(PRIVACY_OFFICER) from None
    return DestructionOut(
        conversation=done.conversation,
        profile=done.profile,
        due=done.due,
        keys_destroyed=len(done.keys),
    )


def verify(call: Call) -> AuditVerification:
    from magcore.access.audit import verify_store

    _officer(call)
    provider = call.service.key_provider
    result = verify_store(
        call.service.store, keys=provider.audit_key if provider is not None else None
    )
    problem = result.problem
    return AuditVerification(
        ok=result.ok,
        entries=result.entries,
        events=result.events,
        unkeyed=result.unkeyed,
        uncovered_events=result.uncovered,
        problem=(
            AuditProblemOut(reason=problem.reason, seq=problem.seq, event=problem.event)
            if problem is not None
            else None
        ),
    )


def _cycle_out(call: Call, key: str) -> CycleOut:
    from magcore.app.versions import approval_state

    service = call.service
    definition = service.cycle(key)
    current = service.policy_hash(definition)
    state = approval_state(service.store, definition.id)
    mine = [a for a in state.approvals if a.version == definition.version]
    return CycleOut(
        key=definition.key,
        name=definition.name.nl,
        policy_hash=current,
        approvals_required=tuple(definition.approvals_required),
        approved_by=tuple(sorted(state.approved(definition.version, current))),
        approvals=tuple(
            ApprovalOut(
                version=a.version, hash=a.hash, body=a.body, reference=a.reference, date=a.date
            )
            for a in mine
        ),
    )


def _known_cycle(call: Call) -> str:
    key = call.path["cycleKey"]
    if key not in call.service.cycles:
        raise ApiProblem(not_found("cycle"))
    return key


def cycles(call: Call) -> list[CycleOut]:
    return [_cycle_out(call, key) for key in sorted(call.service.cycles)]


def regulation(call: Call) -> RegulationOut:
    from magcore.access.regulation import render_regulation

    service = call.service
    definition = service.cycle(_known_cycle(call))
    used = {f for k in definition.kinds for f in (k.preparation_form, k.record_form) if f}
    rendered = render_regulation(
        definition,
        language=call.query.get("language") or "nl",
        format=call.query.get("format") or "markdown",
        forms={f: form for f, form in service.forms.items() if f in used},
        legal_bases=list(service.host.hooks.legal_bases()),
        profiles=service.retention_profiles(),
    )
    return RegulationOut(
        cycle=definition.key,
        language=rendered.language,
        format=rendered.format,
        hash=rendered.hash,
        text=rendered.text,
    )


def approve(call: Call) -> CycleOut:
    body: ApprovalIn = call.body
    role = WORKS_COUNCIL if body.body == WORKS_COUNCIL else EXECUTIVE
    if not has_role(call, role):
        raise forbidden(role)
    key = _known_cycle(call)
    try:
        call.service.approve_policy(
            key,
            body=body.body,
            reference=body.reference,
            on=body.on,
            actor=call.principal.person_id,
            policy_hash=body.policy_hash,
        )
    except NotFoundError:
        raise ApiProblem(not_found("cycle")) from None
    except ConsentError as exc:  # a stale hash, an unknown body
        raise ApiProblem(
            Problem(
                status=409,
                title="Not the current regulation",
                detail=str(exc),
                type="https://magcore.github.io/magcore/problems/stale-regulation",
            )
        ) from None
    return _cycle_out(call, key)


CYCLE = "/cycles/{cycleKey}"
OPERATIONS = (
    Operation(
        method="GET",
        path="/destruction-due",
        operation_id="listDueForDestruction",
        summary="Conversations whose retention term has passed (privacy officer).",
        tag="privacy",
        handler=due_destruction,
        response=list[DueDestruction],
        errors=(403,),
    ),
    Operation(
        method="POST",
        path="/destructions",
        operation_id="destroyConversation",
        summary="Destroy a conversation due for destruction: its keys, then a tombstone.",
        tag="privacy",
        handler=destroy,
        body=DestructionIn,
        response=DestructionOut,
        status=201,
        errors=(403, 404),
    ),
    Operation(
        method="GET",
        path="/audit-verification",
        operation_id="verifyAuditLog",
        summary="Check the audit log's hash chain and the events against it (privacy officer).",
        tag="privacy",
        handler=verify,
        response=AuditVerification,
        errors=(403,),
    ),
    Operation(
        method="GET",
        path="/cycles",
        operation_id="listCycles",
        summary="The cycle versions, each regulation's hash and its approvals.",
        tag="regulation",
        handler=cycles,
        response=list[CycleOut],
    ),
    Operation(
        method="GET",
        path=CYCLE + "/regulation",
        operation_id="getRegulation",
        summary="The regulation of a cycle version, in Dutch or English, with its hash.",
        tag="regulation",
        handler=regulation,
        params=(
            Param(name="language", enum=("nl", "en")),
            Param(name="format", enum=("markdown", "html")),
        ),
        response=RegulationOut,
        errors=(404,),
    ),
    Operation(
        method="POST",
        path=CYCLE + "/approvals",
        operation_id="approveRegulation",
        summary="Record the works council's (or the executive's) approval of a regulation.",
        tag="regulation",
        handler=approve,
        body=ApprovalIn,
        response=CycleOut,
        status=201,
        errors=(403, 404, 409),
    ),
)
