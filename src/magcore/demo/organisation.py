"""Who takes part in the demo's conversations, and the organisation's growth over the year."""

from __future__ import annotations

from datetime import date

from ..domain.participants import candidates, participants
from ..model.cycle import (
    Applicability,
    CadenceKind,
    ConversationKind,
    CycleDefinition,
    Membership,
    OrgTrigger,
)
from ..model.organisation import Assignment, Organisation, Person
from ..model.parties import POOLED
from ..model.records import Participant
from .base import (
    _HR_ADVISER,
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
    has conversations after hire or started by joining (onboarding), so that the year shows
    them."""
    if any(
        k.cadence.kind is CadenceKind.AFTER_HIRE
        or (k.cadence.kind is CadenceKind.ON_EVENT and k.cadence.event is OrgTrigger.JOINED)
        for k in cycle.kinds
    ):
        return date(year, 7, 1)
    return date(year - 1, 1, 1)


def _with_hr_adviser(org: Organisation) -> Organisation:
    """*org* with the demo's HR adviser: a person holding the organisation role ``hr_adviser``
    in the first department from its founding (no member of a team, so no conversations about
    them), to whom employees share what they choose; one of the advisers where a party holds
    that role."""
    first = min(org.teams)
    founded = min(a.start for a in org.assignments)
    adviser = Person(id=_HR_ADVISER, hired_on=founded)
    held = Assignment(person=_HR_ADVISER, team=first, role="hr_adviser", start=founded)
    return Organisation.build(
        id=org.id,
        name=org.name,
        people=[*org.people.values(), adviser],
        teams=org.teams.values(),
        assignments=[*org.assignments, held],
    )


def _applies(kind: ConversationKind, org: Organisation, person: str, day: date) -> bool:
    """Whether *kind* is meant for *person* on *day* (the kind's ``applies_to``)."""
    if kind.is_team or not org.people[person].employed_on(day):
        return False
    team = org.team_of(person, day)
    manager = org.manager_of(person, day)
    if team is None or person in org.coaches(day):
        return False
    if kind.applies_to is Applicability.SELF_STEERING:
        return org.teams[team].self_steering or manager is None
    if kind.applies_to is Applicability.WITH_MANAGER or kind.needs_manager:
        return manager is not None
    return True


def _participants(
    run: _Run, kind: ConversationKind, moment: _Moment, day: date
) -> tuple[Participant, ...]:
    """The people the organisation gives *moment* on *day*, by the kind's pattern.

    Raises :class:`~magcore.errors.TransitionError` when the organisation has nobody for a role
    (e.g. a manager who left, a team of one).
    """
    rng = run.rng
    org = run.service.organisation(run.org_id)
    chosen: dict[str, tuple[str, ...]] = {}
    for party in kind.parties:
        if not party.required:
            continue
        # A team conversation has no one person; its other parties (an alderman, a facilitator
        # from elsewhere) come from the organisation outside the team, or hold their role.
        pooled: tuple[Membership, ...] = (*POOLED, Membership.ROLE_HOLDER)
        if moment.person is not None:
            pooled += (Membership.SAME_TEAM, Membership.COACH_POOL)
        if party.membership in pooled:
            pool = candidates(org, party, on=day, employee=moment.person, team=moment.team)
            if pool:
                chosen[party.role] = (rng.choice(pool),)
    return participants(org, kind, moment.person, on=day, team=moment.team, chosen=chosen)
