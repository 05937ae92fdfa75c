"""Who takes part in a conversation: the one owner of that rule.

A conversation kind lists its parties (:class:`~magcore.model.cycle.Party`); each party's
*membership rule* says who in the organisation may hold its role on the day:

- ``subject``: the employee the conversation is about;
- ``manager_of_employee``: the employee's manager on the day;
- ``same_team``: a member of the employee's team on the day (a peer);
- ``coach_pool``: a person holding a coach role on the day, not the employee or their manager;
- ``team``: every member of the team on the day (at least the party's ``min``);
- ``organisation``: anyone employed on the day other than the employee;
- ``other_team``: anyone employed on the day from outside the employee's team (not the
  employee, a member of their team or their manager);
- ``holds_role``: someone employed on the day who holds the organisation role the party names
  (``holds``, e.g. ``hr_adviser``) on the day, not the employee and not their manager (in a team
  conversation: not a member of the team and not its manager).

A party whose people may start the conversation never comes from an open pool (``organisation``,
``other_team``): the cycle refuses it (:func:`magcore.model.parties.check_parties`), so nobody
can request a colleague's conversation naming themselves for such a party; the holders of an
organisation role (``holds_role``) may.

Which peer or coach, when several may, is a choice the caller makes from :func:`candidates`
(:func:`peer_candidates` and :func:`coach_candidates` for the built-in roles; the command line
takes the one person who may, or those its user names, in turn, and refuses to guess among
several; the demo picks at random); :func:`participants` checks the choice, and
:func:`check_membership` checks a list the caller made themselves, when a conversation is
requested. Every refusal names the party. An optional party takes part only when chosen, except
an optional manager, who takes part whenever the employee has one (the employee may leave them
out by choosing nobody). The service (:meth:`magcore.app.service.Service.participants_for` and
:meth:`~magcore.app.service.Service.request`), ``magcore plan --request``, the demo and the store
contract all ask this module.

The simulator does not call it: it picks the partners of a year of conversations for tens of
thousands of people at once, as NumPy arrays over its own integer-coded organisation history,
where one call per conversation would cost more than the whole simulation. It follows the same
rule (manager of the team on the day, a peer from the same team, a coach from the coach pool,
which also stands for the holders of an organisation role, no manager where an optional manager
is missing), and ``tests/domain/test_participants.py``
checks that the two agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from ..errors import TransitionError
from ..model.cycle import ConversationKind, Membership, ParticipantRole, Party
from ..model.organisation import Organisation
from ..model.records import Participant

__all__ = [
    "candidates",
    "check_membership",
    "coach_candidates",
    "participants",
    "peer_candidates",
    "role_holder_candidates",
]


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


def role_holder_candidates(
    org: Organisation,
    role: str,
    on: date,
    *,
    employee: str | None = None,
    team: str | None = None,
) -> tuple[str, ...]:
    """The people employed on *on* who hold organisation role *role* on *on*, in id order:
    not *employee* and not their manager, or (a team conversation) not a member of *team* and
    not its manager."""
    if employee is not None:
        outside = {employee}
        manager = org.manager_of(employee, on)
    elif team is not None:
        outside = set(org.members(team, on))
        manager = org.manager_of_team(team, on)
    else:
        outside, manager = set(), None
    if manager is not None:
        outside.add(manager)
    return tuple(p for p in org.holders(role, on) if p not in outside)


def candidates(
    org: Organisation,
    party: Party,
    *,
    on: date,
    employee: str | None = None,
    team: str | None = None,
) -> tuple[str, ...]:
    """Everyone who may hold *party*'s role on *on*, in id order."""
    match party.membership:
        case Membership.SUBJECT:
            return (employee,) if employee is not None else ()
        case Membership.MANAGER_OF_EMPLOYEE:
            if employee is None and team is not None:
                # a team conversation: the manager of every employee in it, the team's
                manager = org.manager_of_team(team, on)
            else:
                manager = org.manager_of(employee, on) if employee is not None else None
            return (manager,) if manager is not None else ()
        case Membership.SAME_TEAM:
            return peer_candidates(org, employee, on) if employee is not None else ()
        case Membership.COACH_POOL:
            if employee is None:
                return org.coaches(on)
            return coach_candidates(org, employee, on)
        case Membership.TEAM:
            return org.members(team, on) if team is not None else ()
        case Membership.ROLE_HOLDER:
            held = party.holds or party.role
            return role_holder_candidates(org, held, on, employee=employee, team=team)
        case Membership.OTHER_TEAM if employee is not None:
            own = org.team_of(employee, on)
            outside = set(org.members(own, on)) if own is not None else set()
            outside.add(employee)
            manager = org.manager_of(employee, on)
            if manager is not None:
                outside.add(manager)
            return tuple(
                p.id
                for p in sorted(org.people.values(), key=lambda p: p.id)
                if p.employed_on(on) and p.id not in outside
            )
        case _:
            members = set(org.members(team, on)) if team is not None else set()
            return tuple(
                p.id
                for p in sorted(org.people.values(), key=lambda p: p.id)
                if p.employed_on(on) and p.id != employee and p.id not in members
            )


def _where(kind: ConversationKind, party: Party) -> str:
    return f"party {str(party.role)!r} of a {kind.id} conversation"


def _check_count(
    kind: ConversationKind, party: Party, people: Sequence[str], subject: str | None, on: date
) -> None:
    if not people:
        if party.required and party.membership is Membership.MANAGER_OF_EMPLOYEE:
            raise _refuse(
                f"{_where(kind, party)} is required, but {subject} has no manager on {on} "
                "(a self-steering team?)"
            )
        if party.required:
            raise _refuse(
                f"{_where(kind, party)} is required and nobody was chosen: {_rule(party)}"
            )
        return
    if len(people) < party.min or (party.max is not None and len(people) > party.max):
        most = "any number" if party.max is None else str(party.max)
        raise _refuse(
            f"{_where(kind, party)} needs {party.min} to {most} people, not {len(people)}"
        )


def participants(
    org: Organisation,
    kind: ConversationKind,
    employee: str | None = None,
    *,
    on: date,
    team: str | None = None,
    peer: str | None = None,
    coach: str | None = None,
    chosen: Mapping[str, Iterable[str]] | None = None,
) -> tuple[Participant, ...]:
    """The participants *org* gives a conversation of *kind* on *on*.

    A team conversation is about *team*; every other kind is about *employee* (who must be in
    the organisation: :class:`~magcore.errors.NotFoundError` otherwise). *chosen* maps a role to
    the people the caller chose for it (``peer=`` and ``coach=`` are short for the built-in
    roles); each must fit the party's membership rule on the day. Raises
    :class:`~magcore.errors.TransitionError` naming the party when the organisation has nobody
    for a required party or a choice does not fit.
    """
    picks: dict[str, tuple[str, ...]] = {r: tuple(p) for r, p in (chosen or {}).items()}
    if peer is not None:
        picks.setdefault(ParticipantRole.PEER, (peer,))
    if coach is not None:
        picks.setdefault(ParticipantRole.COACH, (coach,))
    unknown = set(picks) - set(kind.roles)
    if unknown:
        raise _refuse(f"a {kind.id} conversation has no party {str(sorted(unknown)[0])!r}")
    if kind.is_team:
        if team is None:
            raise _refuse(f"a {kind.id} conversation is about a team and needs a team")
    else:
        if employee is None:
            raise _refuse(f"a {kind.id} conversation needs an employee")
        org.person(employee)
    result: list[Participant] = []
    for party in kind.parties:
        if party.membership is Membership.SUBJECT:
            people: tuple[str, ...] = (employee,) if employee is not None else ()
        elif party.membership in (Membership.TEAM, Membership.MANAGER_OF_EMPLOYEE):
            found = candidates(org, party, on=on, employee=employee, team=team)
            if party.optional:
                # An optional manager joins unless already there in another role.
                taken = {p for role, chosen in picks.items() if role != party.role for p in chosen}
                found = tuple(p for p in found if p not in taken)
            people = picks.get(party.role, found)
        else:
            people = picks.get(party.role, ())
        if party.membership is Membership.TEAM and len(people) < party.min:
            raise _refuse(f"team {team} has fewer than {party.min} members on {on}")
        result.extend(Participant(p, party.role) for p in people)
    return check_membership(org, kind, result, on=on, team=team)


def check_membership(
    org: Organisation,
    kind: ConversationKind,
    people: Iterable[Participant],
    *,
    on: date,
    team: str | None = None,
) -> tuple[Participant, ...]:
    """*people* if they fit *kind*'s parties on *on*; else a refusal that names the party.

    Every required party is there in its number, nobody holds a role the kind lacks, nobody
    appears twice, and each person fits their party's membership rule in *org* on *on*.
    """
    people = tuple(people)
    by_role: dict[str, list[str]] = {}
    roles = kind.roles  # asked once, not once per participant
    for participant in people:
        if participant.role not in roles:
            raise _refuse(
                f"a {kind.id} conversation has no party {str(participant.role)!r} "
                f"(parties: {', '.join(roles)})"
            )
        by_role.setdefault(participant.role, []).append(participant.person)
    subject = next(
        (p.person for p in people if kind.party(p.role).membership is Membership.SUBJECT), None
    )
    if kind.is_team and team is None:
        raise _refuse(f"a {kind.id} conversation is about a team and needs a team")
    for party in kind.parties:
        chosen = by_role.get(party.role, [])
        _check_count(kind, party, chosen, subject, on)
        if not chosen or party.membership is Membership.SUBJECT:
            continue
        allowed = set(candidates(org, party, on=on, employee=subject, team=team))
        for person in chosen:
            if person not in allowed:
                raise _refuse(f"{person} may not be {_where(kind, party)} on {on}: {_rule(party)}")
    persons = [p.person for p in people]
    if len(set(persons)) != len(persons):
        raise _refuse("a person appears twice among the participants")
    return people


_RULE: Mapping[Membership, str] = {
    Membership.SUBJECT: "the {role} is the employee the conversation is about",
    Membership.MANAGER_OF_EMPLOYEE: (
        "the {role} must be the employee's manager on the day (in a team conversation: the "
        "team's manager)"
    ),
    Membership.SAME_TEAM: "the {role} must be a member of the employee's team on the day",
    Membership.COACH_POOL: (
        "the {role} must hold a coach role on the day and be neither the employee nor their manager"
    ),
    Membership.TEAM: "the {role} must be a member of the team on the day",
    Membership.ORGANISATION: (
        "the {role} must be employed on the day and not be the employee (or a team member)"
    ),
    Membership.OTHER_TEAM: (
        "the {role} must be employed on the day and come from outside the employee's team "
        "(not the employee, a member of their team or their manager)"
    ),
    Membership.ROLE_HOLDER: (
        "the {role} must hold the organisation role {holds!r} on the day and be neither the "
        "employee nor their manager (in a team conversation: not a member of the team or its "
        "manager)"
    ),
}


def _rule(party: Party) -> str:
    role = party.role.replace("_", " ")
    return _RULE[party.membership].format(role=role, holds=str(party.holds or party.role))
