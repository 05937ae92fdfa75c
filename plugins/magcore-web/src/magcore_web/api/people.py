"""The asker, their subject-access export, and the privacy officer's view of a person:
exports on request, restrictions of processing and erasure (AVG art. 15, 17 and 18).

Restriction and erasure are the privacy officer's, by the legal basis the gateway knows
(:data:`~magcore.access.decision.PRIVACY_OFFICER`): an employee asks the officer, who decides.
The handlers call the service's commands (:meth:`~magcore.app.service.Service.restrict`,
``lift_restriction``, ``erase``), which check the officer's role themselves and audit a
refusal; the web only hides the pages from everyone else.
"""

from __future__ import annotations

from typing import Any

import attrs

from magcore.access.decision import PRIVACY_OFFICER, SUBJECT_ACCESS
from magcore.access.erasure_grounds import CASE_NUMBER_PATTERN, REQUEST_GROUNDS, ErasureReason
from magcore.domain.sharing import Restrictions, person_stream
from magcore.errors import ConsentError, InputRefused

from ..problems import ApiProblem, not_found
from .common import has_role, refuse_unseen
from .fields import id_field, text_field
from .routing import Call, Operation, Param

__all__ = ["OPERATIONS"]

TAG = "people"
PERSON = "/people/{personId}"


@attrs.frozen(kw_only=True)
class Me:
    """Who you are signed in as, at which municipality, with which roles."""

    person_id: str
    tenant: str
    roles: tuple[str, ...]


@attrs.frozen(kw_only=True)
class RestrictionIn:
    """Restrict processing of one conversation (or, without one, the whole record)."""

    reason: str = text_field()
    conversation: str | None = id_field(default=None)


@attrs.frozen(kw_only=True)
class ErasureIn:
    """Erase everything that belongs to a person (AVG art. 17): their records' keys are
    destroyed, content-free tombstones remain, their sharing choices end. The audit line keeps
    the ground (AVG art. 17(1), or the retention term) and at most a case or ticket number as
    the reference (``ZAAK-2025-0012``), never a text: the log outlives the erasure and auditors
    read it."""

    ground: str = attrs.field(
        metadata={
            "schema": {
                "type": "string",
                "enum": [ground.value for ground in REQUEST_GROUNDS],
            }
        }
    )
    reference: str | None = attrs.field(
        default=None,
        metadata={"schema": {"type": "string", "pattern": CASE_NUMBER_PATTERN, "maxLength": 40}},
    )


@attrs.frozen(kw_only=True)
class ErasureOut:
    """What an erasure did: the records tombstoned, how many keys were destroyed and how many
    of the person's sharing choices ended."""

    person: str
    records: tuple[str, ...]
    keys_destroyed: int
    sharing_choices_ended: int = 0


@attrs.frozen(kw_only=True)
class RestrictionsOut:
    """The restrictions of processing that hold for a person now."""

    person: str
    everything: bool
    conversations: tuple[str, ...]


def me(call: Call) -> Me:
    principal = call.principal
    return Me(
        person_id=principal.person_id, tenant=principal.tenant, roles=tuple(sorted(principal.roles))
    )


def my_export(call: Call) -> dict[str, Any]:
    me_ = call.principal.person_id
    return call.service.export(me_, requester=me_)


def export_of(call: Call) -> dict[str, Any]:
    person = call.path["personId"]
    try:
        return call.service.export(person, requester=call.principal.person_id)
    except ConsentError:
        raise ApiProblem(not_found("person")) from None  # the gateway audited the refusal


def _officer(call: Call, person: str) -> None:
    if not has_role(call, PRIVACY_OFFICER):
        raise refuse_unseen(
            call,
            f"{person_stream(person)}/restrictions",
            "person",
            SUBJECT_ACCESS,
            "restrictions are kept by the privacy officer",
        )
    org_id = call.service.organisation_id
    if org_id is not None and person not in call.service.organisation(org_id).people:
        raise ApiProblem(not_found("person"))


def restrictions_of(call: Call) -> RestrictionsOut:
    person = call.path["personId"]
    _officer(call, person)
    try:
        state = call.service.sharing(person, actor=call.principal.person_id)
    except ConsentError:  # the service audited it; the answer an unknown person gets
        raise ApiProblem(not_found("person")) from None
    return _restrictions_out(person, state.restrictions)


def _restrictions_out(person: str, held: Restrictions) -> RestrictionsOut:
    return RestrictionsOut(
        person=person, everything=held.everything, conversations=tuple(sorted(held.conversations))
    )


def _refused(exc: ConsentError | InputRefused) -> ApiProblem | InputRefused:
    """A refusal as the API gives it (the service audited it): the 404 an unknown person or
    conversation gets for a refused asker, a person the organisation does not know or a
    conversation not about them; any other refused input as itself (a 400 naming the field)."""
    if isinstance(exc, InputRefused):
        if any(problem.pointer != "/person" for problem in exc.problems):
            return exc
        return ApiProblem(not_found("person"))
    return ApiProblem(not_found("conversation" if exc.field == "conversation" else "person"))


def restrict(call: Call) -> RestrictionsOut:
    person = call.path["personId"]
    body: RestrictionIn = call.body
    try:
        held = call.service.restrict(
            person,
            actor=call.principal.person_id,
            reason=body.reason,
            conversation=body.conversation,
        )
    except (ConsentError, InputRefused) as exc:
        raise _refused(exc) from None
    return _restrictions_out(person, held)


def lift(call: Call) -> RestrictionsOut:
    person = call.path["personId"]
    try:
        held = call.service.lift_restriction(
            person, actor=call.principal.person_id, conversation=call.query.get("conversation")
        )
    except (ConsentError, InputRefused) as exc:
        raise _refused(exc) from None
    return _restrictions_out(person, held)


def erase(call: Call) -> ErasureOut:
    person = call.path["personId"]
    body: ErasureIn = call.body
    reason = ErasureReason(body.ground, reference=body.reference)  # a 400 naming the field
    try:
        done = call.service.erase(person, actor=call.principal.person_id, reason=reason)
    except (ConsentError, InputRefused) as exc:
        raise _refused(exc) from None
    return ErasureOut(
        person=person,
        records=done.streams,
        keys_destroyed=len(done.keys),
        sharing_choices_ended=done.choices,
    )


OPERATIONS = (
    Operation(
        method="GET",
        path="/me",
        operation_id="getMe",
        summary="Who you are signed in as.",
        tag=TAG,
        handler=me,
        response=Me,
    ),
    Operation(
        method="GET",
        path="/subject-access-export",
        operation_id="getMyExport",
        summary="Everything held about you (AVG art. 15), as JSON.",
        tag=TAG,
        handler=my_export,
        response=dict[str, Any],
    ),
    Operation(
        method="GET",
        path=PERSON + "/subject-access-export",
        operation_id="getExportOf",
        summary="Everything held about a person, for the privacy officer (audited).",
        tag=TAG,
        handler=export_of,
        response=dict[str, Any],
        errors=(404,),
    ),
    Operation(
        method="GET",
        path=PERSON + "/restrictions",
        operation_id="getRestrictions",
        summary="The restrictions of processing of a person (privacy officer).",
        tag=TAG,
        handler=restrictions_of,
        response=RestrictionsOut,
        errors=(403, 404),
    ),
    Operation(
        method="POST",
        path=PERSON + "/restrictions",
        operation_id="restrictProcessing",
        summary="Restrict processing of a person's record or one conversation (AVG art. 18).",
        tag=TAG,
        handler=restrict,
        body=RestrictionIn,
        response=RestrictionsOut,
        status=201,
        errors=(403, 404, 409),
    ),
    Operation(
        method="DELETE",
        path=PERSON + "/restrictions",
        operation_id="liftRestriction",
        summary="Lift a restriction of processing (of one conversation, or the whole record).",
        tag=TAG,
        handler=lift,
        params=(Param(name="conversation", description="The conversation id; none: all."),),
        response=RestrictionsOut,
        errors=(403, 404, 409),
    ),
    Operation(
        method="POST",
        path=PERSON + "/erasure",
        operation_id="erasePerson",
        summary="Erase everything that belongs to a person (AVG art. 17), by destroying its keys.",
        tag=TAG,
        handler=erase,
        body=ErasureIn,
        response=ErasureOut,
        status=201,
        errors=(404,),
    ),
)
