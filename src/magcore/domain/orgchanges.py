"""What changed in an organisation, as dated events: the rule behind every import and change.

:func:`changes` compares the organisation a stream describes (an :class:`OrgState`) with a new
one (an import, or the current one with one change applied by :func:`apply_change`) and gives
the events that turn the first into the second, in an order that is valid at every step:

1. teams added or changed, the organisation's name;
2. people who joined (or came back into the file), corrections to people's records, people who
   came back to work after a long absence (``person.returned``, once per return day);
3. manager changes per team, people who moved team, other role changes;
4. people who left, people and teams no longer in the file.

Importing the same organisation again gives no events. A person's leave is announced by
``person.left`` once per employment: a later import that withdraws or moves it gives a
``person.changed``, whatever order files are imported in. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any, NamedTuple

import attrs

from ..errors import DefinitionError, NotFoundError
from ..model.organisation import Assignment, Organisation, Person, Return, Role
from .organisation import OrganisationEvent, OrgState, role_json, team_json

__all__ = [
    "ChangeManager",
    "Join",
    "Leave",
    "Move",
    "OrgChange",
    "ReturnToWork",
    "SingleChange",
    "apply_change",
    "changes",
    "iter_changes",
]


@attrs.frozen
class OrgChange:
    """One change: an event type and its data (with ``on``, the effective local day)."""

    type: OrganisationEvent
    data: Mapping[str, Any] = attrs.field(hash=False)

    @property
    def on(self) -> date:
        return date.fromisoformat(self.data["on"])


class _Joined(NamedTuple):
    """The record a ``person.joined`` event gives (compared with the imported one)."""

    hired_on: date | None
    left_on: date | None
    email: str | None
    returns: tuple[Any, ...] = ()


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _holder(managers: Sequence[Assignment], day: date) -> str | None:
    return next((a.person for a in managers if a.active_on(day)), None)


def _team_on(roles: Sequence[Assignment], day: date) -> str | None:
    """The team *roles* make someone a member of on *day* (as ``Organisation.team_of``)."""
    members = sorted((a for a in roles if a.role is Role.MEMBER), key=lambda a: a.start)
    return next((a.team for a in reversed(members) if a.active_on(day)), None)


def _first_difference(
    before: Sequence[Assignment], after: Sequence[Assignment], value: Any
) -> date | None:
    """The first day on which ``value(roles, day)`` differs, among the days the roles differ."""
    days = sorted({d for a in set(before) ^ set(after) for d in (a.start, a.end) if d is not None})
    return next((d for d in days if value(before, d) != value(after, d)), None)


def _rehired(state: OrgState, person: Person) -> bool:
    """Whether *person* was hired again on or after their announced leave (a new employment)."""
    left = state.left.get(person.id)
    announced = state.joined.get(person.id)
    return (
        left is not None
        and person.hired_on is not None
        and person.hired_on >= left
        and (announced is None or announced < person.hired_on)
    )


def _new_employment(state: OrgState, person: Person) -> bool:
    """Whether *person* starts an employment not announced yet (a first join, or a rehire)."""
    return person.id not in state.joined or _rehired(state, person)


def _announces_leave(state: OrgState, person: Person) -> bool:
    """Whether *person*'s ``left_on`` is a leave not announced yet (once per employment)."""
    announced = state.left.get(person.id)
    return announced is None or (person.hired_on is not None and person.hired_on >= announced)


def changes(
    state: OrgState | None, new: Organisation, *, today: date, target: OrgState | None = None
) -> tuple[OrgChange, ...]:
    """The events that turn *state* (``None``: nothing yet) into *new*, dated; *today* is the
    local day of the import, the effective day of changes that have no day of their own.

    *target*, when given, is ``OrgState.of(new)`` already made (the caller keeps it)."""
    return tuple(iter_changes(state, new, today=today, target=target))


def iter_changes(
    state: OrgState | None, new: Organisation, *, today: date, target: OrgState | None = None
) -> Iterator[OrgChange]:
    """:func:`changes` one by one, in the same order, so that a large import need not hold
    them all (the checks that refuse *new* run before the first change is given)."""
    if state is None:
        state = OrgState(id=new.id)
    if state.id != new.id:
        raise DefinitionError(
            f"organisation {new.id!r} cannot be imported into {state.id!r}", pointer="/id"
        )
    if target is None:
        target = OrgState.of(new)
    on = today.isoformat()
    return _changes(state, target, on, today)


def _changes(state: OrgState, target: OrgState, on: str, today: date) -> Iterator[OrgChange]:
    def add(kind: OrganisationEvent, **data: Any) -> OrgChange:
        return OrgChange(kind, data)

    for team_id in sorted(target.teams):
        record, old = team_json(target.teams[team_id]), state.teams.get(team_id)
        if old is None:
            managers = [role_json(a, person=True) for a in target.managers.get(team_id, [])]
            yield add(
                OrganisationEvent.TEAM_ADDED, team=team_id, on=on, record=record, managers=managers
            )
        elif target.teams[team_id] != old:
            diff = {k: v for k, v in team_json(old).items() if record[k] != v}
            yield add(
                OrganisationEvent.TEAM_CHANGED,
                team=team_id,
                on=on,
                record=record,
                previous=diff,
            )
    if target.name != state.name:
        yield add(OrganisationEvent.RENAMED, on=on, name=target.name, previous=state.name)

    arrived: set[str] = set()
    leaving: list[Person] = []
    first_managed: dict[str, date] = {}
    for team_managers in target.managers.values():
        for held in team_managers:
            if held.start < first_managed.get(held.person, date.max):
                first_managed[held.person] = held.start
    for pid in sorted(target.people):
        person = target.people[pid]
        current: Person | _Joined | None = state.people.get(pid)
        roles = target.roles.get(pid, [])
        if current is None or (person.hired_on != current.hired_on and _rehired(state, person)):
            kind = OrganisationEvent.JOINED
            if current is None and not _new_employment(state, person):
                kind = OrganisationEvent.RESTORED
            starts = [a.start for a in roles]
            if pid in first_managed:
                starts.append(first_managed[pid])
            first = min(starts, default=today)
            day = (person.hired_on or first) if kind is OrganisationEvent.JOINED else today
            record = {"hired_on": _iso(person.hired_on), "email": person.email}
            yield add(kind, person=pid, on=day.isoformat(), record=record, roles=_roles(roles))
            arrived.add(pid)
            current = _Joined(person.hired_on, None, person.email)
        announce = person.left_on is not None and person.left_on != current.left_on
        announce = announce and _announces_leave(state, person)
        if announce:
            leaving.append(person)
        changed = {
            field: (getattr(current, field), getattr(person, field))
            for field in ("hired_on", "left_on", "email")
            if getattr(current, field) != getattr(person, field)
        }
        if announce:  # the leave gets its own event; an earlier one is cleared first
            changed.pop("left_on", None)
            if current.left_on is not None:
                changed["left_on"] = (current.left_on, None)
        if changed:
            yield add(
                OrganisationEvent.PERSON_CHANGED,
                person=pid,
                on=on,
                changes={f: _value(new_value) for f, (_, new_value) in changed.items()},
                previous={f: _value(old_value) for f, (old_value, _) in changed.items()},
            )
        # A return after a long absence is history: told once per return day (again only when
        # a file says the absence was longer), whatever order files are imported in; a file
        # without it does not take an earlier return back.
        known_returns = {back.on: back.absent_days for back in current.returns}
        for back in person.returns:
            if back.absent_days > known_returns.get(back.on, 0):
                yield add(
                    OrganisationEvent.RETURNED,
                    person=pid,
                    on=back.on.isoformat(),
                    absent_days=back.absent_days,
                )

    for team_id in sorted(target.teams):
        before, after = state.managers.get(team_id, []), target.managers.get(team_id, [])
        if before == after or team_id not in state.teams:  # a new team came with its managers
            continue
        day = _first_difference(before, after, _holder) or today
        yield add(
            OrganisationEvent.MANAGER_CHANGED,
            team=team_id,
            on=day.isoformat(),
            manager=_holder(after, day),
            previous=_holder(before, day),
            managers=[role_json(a, person=True) for a in after],
        )

    for pid in sorted(target.people):
        before, after = state.roles.get(pid, []), target.roles.get(pid, [])
        if pid in arrived or before == after:
            continue
        moved_on = _first_difference(before, after, _team_on)
        coaching_same = [a for a in before if a.role is Role.COACH] == [
            a for a in after if a.role is Role.COACH
        ]
        team = _team_on(after, moved_on) if moved_on is not None else None
        if moved_on is not None and team is not None and coaching_same:
            yield add(
                OrganisationEvent.MOVED,
                person=pid,
                on=moved_on.isoformat(),
                team=team,
                from_team=_team_on(before, moved_on),
                roles=_roles(after),
            )
        else:
            yield add(
                OrganisationEvent.ROLES_CHANGED,
                person=pid,
                on=(moved_on or today).isoformat(),
                roles=_roles(after),
            )

    for person in leaving:
        assert person.left_on is not None
        yield add(OrganisationEvent.LEFT, person=person.id, on=person.left_on.isoformat())
    for pid in sorted(set(state.people) - set(target.people)):
        yield add(OrganisationEvent.REMOVED, person=pid, on=on)
    for team_id in sorted(set(state.teams) - set(target.teams)):
        yield add(OrganisationEvent.TEAM_REMOVED, team=team_id, on=on)


def _value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _roles(roles: Iterable[Assignment]) -> list[dict[str, Any]]:
    return [role_json(a) for a in roles]


# -- single changes, without a full import ---------------------------------------------------


@attrs.frozen(kw_only=True)
class Join:
    """*person* joins *team* (as *role*) on *on*, their first working day."""

    person: str
    team: str
    on: date
    role: Role = attrs.field(default=Role.MEMBER, converter=Role)
    email: str | None = None


@attrs.frozen(kw_only=True)
class Leave:
    """*person* leaves: *on* is their first day no longer employed."""

    person: str
    on: date


@attrs.frozen(kw_only=True)
class Move:
    """*person* is a member of *team* from *on*."""

    person: str
    team: str
    on: date


@attrs.frozen(kw_only=True)
class ReturnToWork:
    """*person* came back to work on *on* after an absence of *absent_days* days."""

    person: str
    on: date
    absent_days: int


@attrs.frozen(kw_only=True)
class ChangeManager:
    """*manager* (``None``: nobody) manages *team* from *on*."""

    team: str
    manager: str | None
    on: date


SingleChange = Join | Leave | Move | ChangeManager | ReturnToWork
"""One change recorded without a full import (:meth:`Service.record_change`)."""


def _known(org: Organisation, kind: str, value: str, pointer: str) -> None:
    known = org.people if kind == "person" else org.teams
    if value not in known:
        raise NotFoundError(f"{pointer.lstrip('/')}: unknown {kind} {value!r}")


def apply_change(org: Organisation, change: SingleChange) -> Organisation:
    """*org* with *change* made; an unknown person or team, or a change the organisation cannot
    take, raises an error that names the field (``person``, ``team``, ``manager``, ``on``)."""
    if isinstance(change, Join):
        if change.person in org.people:
            raise DefinitionError(
                f"person {change.person!r} is already in the organisation", pointer="/person"
            )
        _known(org, "team", change.team, "/team")
        person = Person(id=change.person, hired_on=change.on, email=change.email)
        role = Assignment(person=change.person, team=change.team, role=change.role, start=change.on)
        people = {**org.people, person.id: person}
        return attrs.evolve(org, people=people, assignments=(*org.assignments, role))
    if isinstance(change, Leave):
        _known(org, "person", change.person, "/person")
        current = org.people[change.person]
        if current.hired_on is not None and change.on < current.hired_on:
            raise DefinitionError(
                f"on: {change.person} cannot leave on {change.on}, before being hired "
                f"({current.hired_on})",
                pointer="/on",
            )
        people = {**org.people, change.person: attrs.evolve(current, left_on=change.on)}
        return attrs.evolve(org, people=people)
    if isinstance(change, ReturnToWork):
        _known(org, "person", change.person, "/person")
        current = org.people[change.person]
        if not current.employed_on(change.on):
            raise DefinitionError(
                f"on: {change.person} is not employed on {change.on}, so cannot return then",
                pointer="/on",
            )
        back = Return(on=change.on, absent_days=change.absent_days)
        if any(k.on == back.on and k.absent_days >= back.absent_days for k in current.returns):
            return org  # told already: the same return is one return
        people = {
            **org.people,
            change.person: attrs.evolve(current, returns=(*current.returns, back)),
        }
        return attrs.evolve(org, people=people)
    if isinstance(change, Move):
        _known(org, "person", change.person, "/person")
        _known(org, "team", change.team, "/team")
        return org.move_person(change.person, change.team, change.on)
    _known(org, "team", change.team, "/team")
    if change.manager is not None:
        _known(org, "person", change.manager, "/manager")
    return org.change_manager(change.team, change.manager, change.on)
