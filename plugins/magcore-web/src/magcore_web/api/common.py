"""What several parts of the API share: refusals that leave an audit line, roles, today."""

from __future__ import annotations

from datetime import date

from magcore.access.decision import Basis, Decision
from magcore.access.reading import audit_record
from magcore.model.days import local_day

from ..problems import ApiProblem, Problem, not_found
from .routing import Call

__all__ = ["forbidden", "has_role", "refuse_unseen", "today"]


def today(call: Call) -> date:
    """Today in the municipality's time zone, by the service's clock."""
    return local_day(call.service.clock.now(), call.service.timezone)


def has_role(call: Call, role: str) -> bool:
    """Whether the asker holds *role*: given by their sign-in, or in the tenant's directory."""
    if call.principal.has_role(role):
        return True
    return role in call.service.directory.roles_of(call.principal.person_id, today(call))


def refuse_unseen(call: Call, obj: str, what: str, purpose: str, reason: str) -> ApiProblem:
    """Write the audit line of a refused request for *obj* and return the 404 to raise (the
    same answer as for an id that does not exist)."""
    service = call.service
    service.store.append_audit(
        [
            audit_record(
                viewer=call.principal.person_id,
                obj=obj,
                decision=Decision(False, f"denied because {reason}", Basis.DENIED),
                purpose=purpose,
                at=service.clock.now(),
                origin=service.origin,
            )
        ]
    )
    return ApiProblem(not_found(what))


def forbidden(role: str) -> ApiProblem:
    """403: the endpoint is for holders of *role* only."""
    return ApiProblem(
        Problem(
            status=403,
            title="Not allowed",
            detail=f"only a {role.replace('_', ' ')} may do this",
            type="https://magcore.github.io/magcore/problems/not-allowed",
        )
    )
