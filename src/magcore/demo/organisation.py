"""Who takes part in the demo's conversations, and the organisation's growth over the year."""

from __future__ import annotations

from datetime import date

from ..errors import TransitionError
from ..model.cycle import (
    Applicability,
    CadenceKind,
    ConversationKind,
    CycleDefinition,
    ParticipantRole,
    Pattern,
)
from ..model.organisation import Organisation
from ..model.records import Participant
from .base import (
    _Moment,
    _Run,
)

__all__ = []


def _self_steering_share(cycle: CycleDefinition, teams: int) -> float:
    """A tenth of the teams steer themselves, and at least one; a third when the cycle has
    conversations meant for self-steering teams."""
    wanted = any(k.applies_to is Applicability.SELF_STEERING for k in cycle.kinds)
    return max(0.34 if wanted else 0.1, 1 / teams)


def _hires_until(cycle: CycleDefinition, year: int) -> date:
    """Until when the generated organisation hires people: into the demo year when the cycle
    has conversations after hire (onboarding), so that the year shows them."""
    if any(k.cadence.kind is CadenceKind.AFTER_HIRE for k in cycle.kinds):
        return date(year, 7, 1)
    return date(year - 1, 1, 1)


def _applies(kind: ConversationKind, org: Organisation, person: str, day: date) -> bool:
    """Whether *kind* is meant for *person* on *day* (the kind's ``applies_to``)."""
    if kind.pattern is Pattern.TEAM or not org.people[person].employed_on(day):
        return False
    team = org.team_of(person, day)
    manager = org.manager_of(person, day)
    if team is None or person in org.coaches(day):
        return False
    if kind.applies_to is Applicability.SELF_STEERING:
        return org.teams[team].self_steering or manager is None
    if kind.applies_to is Applicability.WITH_MANAGER or kind.pattern in (
        Pattern.EMPLOYEE_MANAGER,
        Pattern.THREE_PARTY,
    ):
        return manager is not None
    return True


def _participants(
    run: _Run, kind: ConversationKind, moment: _Moment, day: date
) -> tuple[Participant, ...]:
    """The people the organisation gives *moment* on *day*, by the kind's pattern.

    Raises :class:`~magcore.errors.TransitionError` when the organisation has nobody for a role
    (e.g. a manager who left, a team of one).
    """
    service, rng = run.service, run.rng
    org = service.organisation(run.org_id)
    if kind.pattern is Pattern.TEAM:
        assert moment.team is not None
        members = org.members(moment.team, day)
        if len(members) < 2:
            raise TransitionError(
                conversation_id="new",
                state="new",
                action="request",
                reason=f"team {moment.team} has fewer than two members on {day}",
            )
        return tuple(Participant(p, ParticipantRole.TEAM_MEMBER) for p in members)
    assert moment.person is not None
    peer = coach = None
    if kind.pattern is Pattern.PEER:
        team = org.team_of(moment.person, day)
        mates = [p for p in org.members(team, day) if p != moment.person] if team else []
        peer = rng.choice(mates) if mates else None
    if kind.pattern is Pattern.THREE_PARTY:
        manager = org.manager_of(moment.person, day)
        coaches = [c for c in org.coaches(day) if c not in (moment.person, manager)]
        coach = rng.choice(coaches) if coaches else None
    return service.participants_for(
        run.org_id, run.cycle, kind.id, moment.person, on=day, peer=peer, coach=coach
    )
