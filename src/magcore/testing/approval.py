"""Approve a cycle version for a test, as every body its regulation names.

Real installations record each approval when it was given (``magcore policy approve``, or
:meth:`~magcore.app.service.Service.approve_policy`) with the decision's own reference. Tests
that are not about approval call :func:`approve_cycle` once, before they request conversations.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..app.service import Service
    from ..domain.approvals import ApprovalState
    from ..model.cycle import CycleDefinition

__all__ = ["approve_cycle"]


def approve_cycle(
    service: Service,
    cycle: str | CycleDefinition,
    *,
    on: date | None = None,
    actor: str = "test-secretary",
) -> ApprovalState:
    """Record an approval of *cycle*'s current regulation by every body it names that has not
    approved it yet (reference ``test``); return the approvals."""
    definition = cycle if not isinstance(cycle, str) else service.cycle(cycle)
    current = service.policy_hash(definition)
    day = on or service.clock.now().date()
    from ..app.versions import approval_state

    state = approval_state(service.store, definition.id)
    for body in definition.approvals_required:
        if body not in state.approved(definition.version, current):
            state = service.approve_policy(
                definition, body=body, reference="test", on=day, actor=actor
            )
    return state
