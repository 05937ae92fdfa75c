"""The organisation's event stream: what changed, dated, folded into the organisation.

An organisation lives in the stream ``org:<id>``. Each import (and each single change, such as
someone leaving today) appends what changed as events: a person joined, left, moved to another
team, a team got another manager... (:mod:`magcore.domain.orgchanges` computes them). Every
part of magcore that needs "who managed whom on that day" folds this stream with
:class:`OrgState` (or :func:`replay_organisation`), so they all agree.

Every event names its effective local day in ``data["on"]`` (``YYYY-MM-DD``) and carries only
organisation metadata: ids, dates, team names, a work e-mail address. The facts an event sets
travel with it (a person's roles, a team's managers), so the fold is exact.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, Final

import attrs

from ..events import Event
from ..model.content import EventContent, metadata_only
from ..model.organisation import (
    Assignment,
    Organisation,
    Person,
    Return,
    Role,
    Team,
    _role_key,
)
from .orgcolumns import _date, _day, apply_bulk, stored_email

__all__ = [
    "CONTENT_FIELDS",
    "ORG_EVENT_TYPES",
    "ORG_STREAM",
    "PERSON_EVENT_TYPES",
    "OrgState",
    "OrganisationEvent",
    "apply_org_event",
    "canonical",
    "org_stream",
    "replay_organisation",
    "role_json",
    "team_json",
]


class OrganisationEvent(enum.StrEnum):
    """The event types of an organisation's stream ``org:<id>`` (stable names).

    Every event's data has ``on``, its effective local day. Person events have ``person``.
    """

    IMPORTED = "organisation.imported"
    """A whole snapshot (``data`` is :meth:`Organisation.to_json`): stores before 0.3 only."""
    RENAMED = "organisation.renamed"
    """``name``: the organisation's name."""
    TEAM_ADDED = "team.added"
    """``team``, ``record`` (name, department, parent, self_steering), ``managers`` (the new
    team's manager roles)."""
    TEAM_CHANGED = "team.changed"
    """``team``, ``record`` (the new one), ``previous`` (the fields that changed)."""
    TEAM_REMOVED = "team.removed"
    """``team``: no longer in the organisation."""
    JOINED = "person.joined"
    """``person``, ``record`` (hired_on, email), ``roles`` (member and coach roles); ``on`` is
    the first working day (``hired_on``, else the first role's start)."""
    RESTORED = "person.restored"
    """A person removed earlier is back in the file, with no new employment (as ``joined``)."""
    LEFT = "person.left"
    """``person`` leaves: ``on`` is the first day no longer employed. Once per employment."""
    PERSON_CHANGED = "person.changed"
    """``person``, ``changes`` and ``previous`` (hired_on, left_on, email: new and old values):
    a correction, or a leave that was already announced being moved or withdrawn."""
    MOVED = "person.moved"
    """``person`` is a member of ``team`` from ``on`` (``from_team``: before); ``roles``: the
    person's member and coach roles afterwards."""
    ROLES_CHANGED = "person.roles_changed"
    """``person``'s member and coach roles are now ``roles`` (a change that is not one move)."""
    RETURNED = "person.returned"
    """``person`` came back to work on ``on`` after an absence of ``absent_days`` days (the
    reason is never recorded). Once per return day, again only if a later file says the
    absence was longer."""
    REMOVED = "person.removed"
    """``person`` is no longer in the organisation's data (not the same as leaving)."""
    TEAMS_ADDED = "teams.added"
    """Teams added in a batch (a large first import, :mod:`magcore.domain.orgbulk`): ``teams``
    (their records, column by column) and ``managers`` (their manager roles)."""
    PEOPLE_JOINED = "people.joined"
    """People who joined in a batch (a large first import, :mod:`magcore.domain.orgbulk`):
    ``people`` (their records, column by column), ``roles`` (their member and coach roles) and
    ``returns``; each joined as ``person.joined`` says, and a ``left_on`` is their leave."""
    MANAGER_CHANGED = "manager.changed"
    """``team`` is managed by ``manager`` (``None``: nobody) from ``on``, after ``previous``;
    ``managers``: the team's manager roles afterwards."""


#: The event types of an organisation stream.
ORG_EVENT_TYPES = frozenset(OrganisationEvent)
#: The event types about one person (``data["person"]``).
PERSON_EVENT_TYPES = frozenset(
    {
        OrganisationEvent.JOINED,
        OrganisationEvent.RESTORED,
        OrganisationEvent.LEFT,
        OrganisationEvent.PERSON_CHANGED,
        OrganisationEvent.MOVED,
        OrganisationEvent.ROLES_CHANGED,
        OrganisationEvent.RETURNED,
        OrganisationEvent.REMOVED,
    }
)
ORG_STREAM = "org"


def org_stream(org_id: str) -> str:
    """The event stream of an organisation (its imports and changes)."""
    return f"{ORG_STREAM}:{org_id}"


def role_json(assignment: Assignment, *, person: bool = False) -> dict[str, Any]:
    """An assignment as event data (``person`` only when asked; ``end`` only when set)."""
    data: dict[str, Any] = {"team": assignment.team, "role": str(assignment.role)}
    if person:
        data["person"] = assignment.person
    data["start"] = assignment.start.isoformat()
    if assignment.end is not None:
        data["end"] = assignment.end.isoformat()
    return data


def _role(person: str, data: Mapping[str, Any], names: dict[str, str] | None = None) -> Assignment:
    """The role in *data*; *names* keeps one copy of each team id (a million roles read from
    JSON would otherwise hold a million copies of a few thousand ids)."""
    end = data.get("end")
    team = data["team"]
    if names is not None and type(team) is str:
        team = names.setdefault(team, team)
    return Assignment(
        person=data.get("person", person),
        team=team,
        role=data["role"],  # the converter makes it a Role (or checks another role id)
        start=_date(data["start"]),
        end=None if end is None else _date(end),
    )


_sort_key = _role_key
"""The order of a person's roles (person, team, role, start, end)."""


def team_json(team: Team) -> dict[str, Any]:
    """A team's record as event data."""
    return {
        "name": team.name,
        "department": team.department,
        "parent": team.parent,
        "self_steering": team.self_steering,
    }


def _team(team_id: str, data: Mapping[str, Any]) -> Team:
    return Team(
        id=team_id,
        name=data.get("name", ""),
        department=data.get("department"),
        parent=data.get("parent"),
        self_steering=bool(data.get("self_steering", False)),
    )


@attrs.define
class OrgState:
    """The organisation an event stream describes, kept mutable while the stream is folded.

    Member and coach roles are kept per person, manager roles per team (a manager change is
    about a team). ``joined`` and ``left`` remember what was announced (a person's hired_on at
    their last ``person.joined``, the day of their last ``person.left``), so a leave is announced
    once per employment whatever order files are imported in.
    """

    id: str
    name: str = ""
    people: dict[str, Person] = attrs.field(factory=dict)
    teams: dict[str, Team] = attrs.field(factory=dict)
    roles: dict[str, list[Assignment]] = attrs.field(factory=dict)
    managers: dict[str, list[Assignment]] = attrs.field(factory=dict)
    joined: dict[str, date | None] = attrs.field(factory=dict)
    left: dict[str, date] = attrs.field(factory=dict)
    events: int = 0
    """How many events were folded in."""
    _managing: set[str] | None = attrs.field(default=None, init=False, repr=False, eq=False)
    _names: dict[str, str] = attrs.field(factory=dict, init=False, repr=False, eq=False)
    """One copy of each team id read (see :func:`_role`)."""
    """Who holds a manager role (built when needed, forgotten when managers change)."""

    @classmethod
    def of(cls, org: Organisation) -> OrgState:
        """The state of an organisation value (nothing announced)."""
        state = cls(id=org.id)
        state._reset(org)
        return state

    def _reset(self, org: Organisation) -> None:
        self.name = org.name
        self.people = dict(org.people)
        self.teams = dict(org.teams)
        self.roles = {}
        self.managers = {}
        self._managing = None
        # Grouped first, then each (short) list sorted: no key for every assignment at once.
        for a in org.assignments:
            if a.role is Role.MANAGER:
                self.managers.setdefault(a.team, []).append(a)
            else:
                self.roles.setdefault(a.person, []).append(a)
        for group in (self.roles, self.managers):
            for held in group.values():
                if len(held) > 1:
                    held.sort(key=_sort_key)

    @classmethod
    def replay(cls, org_id: str, events: Iterable[Event]) -> OrgState:
        """Fold *events* (oldest first) into a new state."""
        state = cls(id=org_id)
        for event in events:
            state.apply(event)
        return state

    def organisation(self) -> Organisation:
        """The organisation value (checked: unknown teams or two managers at once raise)."""
        # Every role in the order of _sort_key, person by person (each person's own list is
        # kept sorted): no key for every assignment at once.
        managing: dict[str, list[Assignment]] = {}
        for held in self.managers.values():
            for a in held:
                managing.setdefault(a.person, []).append(a)
        assignments: list[Assignment] = []
        for person in sorted(self.roles.keys() | managing.keys()):
            own = self.roles.get(person, [])
            extra = managing.get(person)
            assignments.extend(sorted([*own, *extra], key=_sort_key) if extra else own)
        return Organisation.build(
            id=self.id,
            name=self.name,
            people=(self.people[p] for p in sorted(self.people)),
            teams=(self.teams[t] for t in sorted(self.teams)),
            assignments=assignments,
        )

    def managed_by(self, person: str) -> list[Assignment]:
        """*person*'s manager roles (any team), oldest first."""
        found = [a for roles in self.managers.values() for a in roles if a.person == person]
        return sorted(found, key=_sort_key)

    def _set_roles(self, person: str, roles: Sequence[Mapping[str, Any]]) -> None:
        names = self._names
        assignments = sorted((_role(person, r, names) for r in roles), key=_sort_key)
        if assignments:
            self.roles[person] = assignments
        else:
            self.roles.pop(person, None)

    def _drop_person(self, person: str) -> None:
        self.people.pop(person, None)
        self.roles.pop(person, None)
        if self._managing is None:
            self._managing = {a.person for roles in self.managers.values() for a in roles}
        if person not in self._managing:
            return
        self._managing = None
        for team, managers in list(self.managers.items()):
            kept = [a for a in managers if a.person != person]
            if len(kept) != len(managers):
                self.managers[team] = kept

    @classmethod
    def replay_data(cls, org_id: str, items: Iterable[tuple[int, str, Any]]) -> OrgState:
        """Fold ``(version, type, data)`` (oldest first, as
        :func:`magcore.storage.streaming.read_stream_data` gives them) into a new state."""
        state = cls(id=org_id)
        apply = state.apply_data
        for _version, kind, data in items:
            apply(kind, data)
        return state

    def apply(self, event: Event) -> None:
        """Fold one event in (types this version does not know are left alone)."""
        self.apply_data(event.type, event.data)

    def apply_data(self, kind: str, data: Mapping[str, Any]) -> None:
        """Fold one event of type *kind* with *data* in (frozen or plain JSON data alike)."""
        self.events += 1
        if kind in _CHANGES_MANAGERS:
            self._managing = None
        person: str = data.get("person", "")
        if kind == OrganisationEvent.IMPORTED:
            self._reset(Organisation.from_json(_with_stored_emails(data)))
        elif kind == OrganisationEvent.RENAMED:
            self.name = data["name"]
        elif kind in (OrganisationEvent.TEAM_ADDED, OrganisationEvent.TEAM_CHANGED):
            self.teams[data["team"]] = _team(data["team"], data["record"])
            if "managers" in data:
                self.managers[data["team"]] = sorted(
                    (_role("", m) for m in data["managers"]), key=_sort_key
                )
        elif kind == OrganisationEvent.TEAM_REMOVED:
            self.teams.pop(data["team"], None)
            self.managers.pop(data["team"], None)
        elif kind in (OrganisationEvent.JOINED, OrganisationEvent.RESTORED):
            record = data["record"]
            self.people[person] = Person(
                id=person,
                hired_on=_day(record.get("hired_on")),
                email=stored_email(record.get("email")),
            )
            self._set_roles(person, data.get("roles", ()))
            if kind == OrganisationEvent.JOINED:
                self.joined[person] = _day(record.get("hired_on"))
        elif kind == OrganisationEvent.LEFT:
            self.people[person] = attrs.evolve(self.people[person], left_on=_day(data["on"]))
            self.left[person] = date.fromisoformat(data["on"])
        elif kind == OrganisationEvent.RETURNED:
            back = Return(on=date.fromisoformat(data["on"]), absent_days=data["absent_days"])
            current = self.people[person]
            self.people[person] = attrs.evolve(current, returns=(*current.returns, back))
        elif kind == OrganisationEvent.PERSON_CHANGED:
            changes: dict[str, Any] = {
                field: (stored_email(value) if field == "email" else _day(value))
                for field, value in data["changes"].items()
            }
            self.people[person] = attrs.evolve(self.people[person], **changes)
        elif kind in (OrganisationEvent.MOVED, OrganisationEvent.ROLES_CHANGED):
            if "roles" in data:
                self._set_roles(person, data["roles"])
            else:  # a move written before 0.3
                self._reset(self.organisation().move_person(person, data["team"], _on(data)))
        elif kind == OrganisationEvent.REMOVED:
            self._drop_person(person)
        elif kind in _BATCHES:
            apply_bulk(self, kind, data)
        elif kind == OrganisationEvent.MANAGER_CHANGED:
            team = data["team"]
            if "managers" in data:
                managers = [_role("", m) for m in data["managers"]]
                self.managers[team] = sorted(managers, key=_sort_key)
            else:  # a manager change written before 0.3
                org = self.organisation().change_manager(team, data["manager"], _on(data))
                self._reset(org)


_BATCHES = frozenset({OrganisationEvent.TEAMS_ADDED, OrganisationEvent.PEOPLE_JOINED})
_CHANGES_MANAGERS = frozenset(
    {
        OrganisationEvent.IMPORTED,
        OrganisationEvent.TEAMS_ADDED,
        OrganisationEvent.TEAM_ADDED,
        OrganisationEvent.TEAM_CHANGED,
        OrganisationEvent.TEAM_REMOVED,
        OrganisationEvent.MANAGER_CHANGED,
    }
)


def _on(data: Mapping[str, Any]) -> date:
    return date.fromisoformat(data["on"])


def apply_org_event(org: Organisation | None, event: Event) -> Organisation | None:
    """Fold one organisation event into *org* (``None`` before the first event).

    For one event at a time; to fold a whole stream use :class:`OrgState` (linear time).
    """
    if event.type not in ORG_EVENT_TYPES:
        return org
    state = OrgState.of(org) if org is not None else OrgState(id=event.stream.partition(":")[2])
    state.apply(event)
    return state.organisation()


def replay_organisation(events: Iterable[Event]) -> Organisation | None:
    """The organisation an event stream describes, or ``None`` if it has no events."""
    state: OrgState | None = None
    for event in events:
        if state is None:
            state = OrgState(id=event.stream.partition(":")[2])
        state.apply(event)
    return state.organisation() if state is not None else None


def canonical(org: Organisation) -> Organisation:
    """*org* with people, teams and roles in id order: equal organisations compare equal."""
    return OrgState.of(org).organisation()


#: The organisation's structure is metadata: planning needs it (people, teams, roles, dates).
CONTENT_FIELDS: Final[Mapping[str, EventContent]] = {
    kind: metadata_only() for kind in sorted(ORG_EVENT_TYPES)
}


def _with_stored_emails(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """A whole stored organisation's data with each person's e-mail address as
    :func:`~magcore.domain.orgcolumns.stored_email` reads it."""
    people = data.get("people")
    if not isinstance(people, list | tuple):
        return data
    return {
        **data,
        "people": [
            {**p, "email": stored_email(p["email"])}
            if isinstance(p, Mapping) and "email" in p
            else p
            for p in people
        ],
    }
