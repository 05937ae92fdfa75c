"""How the simulator models a conversation kind: its shape, its third party, its recorders.

Kinds given by their parties are simulated by their shape (:func:`pattern_code`): with a peer,
with the manager, with the manager and a third party (a coach from the pool, or any registered
role: the holders of an organisation role, ``holds_role``, are simulated as that pool too).
Split from :mod:`magcore.simulate.engine`, which re-exports these names.
"""

from __future__ import annotations

from ..model.cycle import (
    CadenceKind,
    ConversationKind,
    Membership,
    OrgTrigger,
    ParticipantRole,
    Pattern,
)

__all__ = [
    "PATTERN_CODES",
    "SIMULATED_TRIGGERS",
    "pattern_code",
    "recorder_slots",
    "third_role",
]

#: Patterns the simulator models, by code (3: the third party without the optional manager).
PATTERN_CODES = {Pattern.EMPLOYEE_MANAGER: 0, Pattern.PEER: 1, Pattern.THREE_PARTY: 2}
#: The change-started kinds the simulator models (its history has hire and leaving days).
SIMULATED_TRIGGERS = frozenset({OrgTrigger.JOINED, OrgTrigger.LEFT})
_THIRD = (Membership.COACH_POOL, Membership.ORGANISATION, Membership.ROLE_HOLDER)


def pattern_code(kind: ConversationKind) -> int | None:
    """The simulator's code for *kind*'s shape, or ``None`` when it is not simulated."""
    if kind.is_team:
        return None
    if kind.cadence.kind is CadenceKind.ON_EVENT and kind.cadence.event not in SIMULATED_TRIGGERS:
        return None
    memberships = {p.membership for p in kind.parties}
    if Membership.SAME_TEAM in memberships:
        return 1
    if any(m in memberships for m in _THIRD):
        return 2
    return 0 if Membership.MANAGER_OF_EMPLOYEE in memberships else None


def third_role(kind: ConversationKind) -> str:
    """The role in the simulator's third slot: the coach, or the party from a pool."""
    return next((p.role for p in kind.parties if p.membership in _THIRD), ParticipantRole.COACH)


def recorder_slots(kind: ConversationKind) -> tuple[bool, bool, bool]:
    """Whether the employee, the partner (manager or peer) and the coach may write the record.

    As :mod:`magcore.conversation` decides it: the kind's ``recorders``, else every role of
    its pattern.
    """
    roles = kind.recorder_roles
    code = pattern_code(kind)
    partner = ParticipantRole.PEER if code == 1 else ParticipantRole.MANAGER
    return (
        ParticipantRole.EMPLOYEE in roles,
        partner in roles,
        third_role(kind) in roles and code == 2,
    )
