"""Who takes part in a conversation: the one owner of that rule.

The conversation kind's pattern says which roles take part; the organisation on the day says who
holds them:

- employee–manager: the employee and their manager on the day;
- peer: the employee and a member of the employee's team on the day;
- three-party: the employee, their manager and a person holding a coach role on the day;
- team: every member of the team on the day (at least two).

Which peer or coach, when several may, is a choice the caller makes from
:func:`peer_candidates` and :func:`coach_candidates` (the command line takes them in turn, the
demo at random); :func:`participants` checks the choice. The service
(:meth:`magcore.app.service.Service.participants_for`), ``magcore plan --request``, the demo and
the store contract all ask this module.

The simulator does not call it: it picks the partners of a year of conversations for tens of
thousands of people at once, as NumPy arrays over its own integer-coded organisation history,
where one call per conversation would cost more than the whole simulation. It follows the same
rule (manager of the team on the day, a peer from the same team, a coach from the coach pool),
and ``tests/domain/test_participants.py`` checks that the two agree.
"""

from __future__ import annotations

from datetime import date

from ..errors import TransitionError
from ..model.cycle import ConversationKind, ParticipantRole, Pattern
from ..model.organisation import Organisation
from ..model.records import Participant

__all__ = ["coach_candidates", "participants", "peer_candidates"]


def _refuse(reason: str) -> TransitionError:
    return TransitionError(conversation_id="new", state="new", action="request", reason=reason)


def peer_candidates(org: Organisation, employee: str, on: date) -> tuple[str, ...]:
    """The members of *employee*'s team on *on* other than the employee, in id order."""
    team = org.team_of(employee, on)
    if team is None:
        return ()
    return tuple(p for p in org.members(team, on) if p != employee)


def coach_candidates(org: Organisation, employee: str, on: date) -> tuple[str, ...]:
    """People with a coach role on *on* who are neither *employee* nor their manager."""
    manager = org.manager_of(employee, on)
    return tuple(c for c in org.coaches(on) if c not in (employee, manager))


def participants(
    org: Organisation,
    kind: ConversationKind,
    employee: str | None = None,
    *,
    on: date,
    team: str | None = None,
    peer: str | None = None,
    coach: str | None = None,
) -> tuple[Participant, ...]:
    """The participants *org* gives a conversation of *kind* on *on*.

    A team conversation is about *team*; every other pattern is about *employee* (who must be
    in the organisation: :class:`~magcore.errors.NotFoundError` otherwise). A peer must share
    the employee's team and a coach must hold a coach role on the day. Raises
    :class:`~magcore.errors.TransitionError` naming what is missing when the organisation has
    nobody for a role.
    """
    if kind.pattern is Pattern.TEAM:
        if team is None:
            raise _refuse(f"a {kind.pattern.value} conversation needs a team")
        members = org.members(team, on)
        if len(members) < 2:
            raise _refuse(f"team {team} has fewer than two members on {on}")
        return tuple(Participant(p, ParticipantRole.TEAM_MEMBER) for p in members)
    if employee is None:
        raise _refuse(f"a {kind.pattern.value} conversation needs an employee")
    org.person(employee)
    people = [Participant(employee, ParticipantRole.EMPLOYEE)]
    if kind.pattern in (Pattern.EMPLOYEE_MANAGER, Pattern.THREE_PARTY):
        manager = org.manager_of(employee, on)
        if manager is None:
            raise _refuse(f"{employee} has no manager on {on} (a self-steering team?)")
        people.append(Participant(manager, ParticipantRole.MANAGER))
    if kind.pattern is Pattern.PEER:
        if peer is None or peer not in peer_candidates(org, employee, on):
            raise _refuse(f"the peer must be a member of {employee}'s team on {on}")
        people.append(Participant(peer, ParticipantRole.PEER))
    if kind.pattern is Pattern.THREE_PARTY:
        if coach is None or coach not in org.coaches(on):
            raise _refuse("a three-party conversation needs a person with a coach role")
        people.append(Participant(coach, ParticipantRole.COACH))
    return tuple(people)
