"""People, teams and the roles people hold over time.

People are known by a stable pseudonymous id (never a name or a personnel number from the HR
system). Who manages whom changes over time: every role assignment has a start and an optional
end date, and a manager change is :meth:`Organisation.change_manager` with an effective date.
Teams may have no manager at all (self-steering teams).
"""

from __future__ import annotations

import bisect
import functools
import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any

import attrs

from ..errors import DefinitionError, NotFoundError
from ._org_fields import (
    _day,
    _optional_day,
    _optional_email,
    _optional_id,
    _optional_name,
    _valid_id,
    _valid_name,
)
from .input_policy import normalise
from .orgroles import Role, as_org_role

__all__ = [
    "MAX_ABSENT_DAYS",
    "Assignment",
    "Organisation",
    "PeopleColumns",
    "Person",
    "Return",
    "Role",
    "RoleColumns",
    "Team",
]


def _person_json(data: dict[str, Any]) -> dict[str, Any]:
    """A person as JSON; no ``email`` or ``returns`` key when there is none (as before the
    fields existed)."""
    if data.get("email") is None:
        data.pop("email", None)
    if not data.get("returns"):
        data.pop("returns", None)
    return data


#: The longest absence a return may record, in days: a hundred years (a longer one is a typo).
MAX_ABSENT_DAYS = 36_525


def _positive(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_ABSENT_DAYS:
        raise DefinitionError(
            f"{attribute.name} must be a whole number of days from 1 to {MAX_ABSENT_DAYS:,} "
            f"(not {value!r})",
            pointer=f"/{attribute.name}",
        )


@attrs.frozen(kw_only=True, order=True)
class Return:
    """Someone came back to work on *on* after an absence of *absent_days* days (any reason:
    the reason is never recorded, only the day and the length)."""

    on: date = attrs.field(validator=_day)
    absent_days: int = attrs.field(validator=_positive)


def _returns(value: Iterable[Return | Mapping[str, Any]]) -> tuple[Return, ...]:
    found: dict[date, Return] = {}
    for item in value:
        back = item if isinstance(item, Return) else Return(**item)
        found[back.on] = max(back, found.get(back.on, back))
    return tuple(sorted(found.values()))


@attrs.frozen(kw_only=True)
class Person:
    """An employee, known by a stable pseudonymous id. Never carries a score."""

    id: str = attrs.field(validator=_valid_id)
    hired_on: date | None = attrs.field(default=None, validator=_optional_day)
    left_on: date | None = attrs.field(default=None, validator=_optional_day)
    email: str | None = attrs.field(default=None, converter=normalise, validator=_optional_email)
    """The work e-mail address, when the import gives one: calendar invitations go to it."""
    returns: tuple[Return, ...] = attrs.field(default=(), converter=_returns)
    """The days the person came back after a long absence, oldest first (one per day)."""

    def __attrs_post_init__(self) -> None:
        if self.hired_on and self.left_on and self.left_on < self.hired_on:
            raise DefinitionError(
                f"person {self.id} leaves ({self.left_on}) before being hired ({self.hired_on})",
                pointer="/left_on",
            )
        for back in self.returns:
            if self.hired_on is not None and back.on <= self.hired_on:
                raise DefinitionError(
                    f"person {self.id} returns ({back.on}) on or before being hired "
                    f"({self.hired_on})",
                    pointer="/returned_on",
                )

    def employed_on(self, day: date) -> bool:
        """Whether the person is employed on *day*."""
        return (self.hired_on is None or self.hired_on <= day) and (
            self.left_on is None or day < self.left_on
        )


@attrs.frozen(kw_only=True)
class Team:
    """A team; ``parent`` is the team (department) its manager reports to."""

    id: str = attrs.field(validator=_valid_id)
    name: str = attrs.field(default="", converter=normalise, validator=_valid_name)
    department: str | None = attrs.field(
        default=None, converter=normalise, validator=_optional_name
    )
    parent: str | None = attrs.field(default=None, validator=_optional_id)
    self_steering: bool = False


@attrs.frozen(kw_only=True)
class Assignment:
    """*person* holds *role* in *team* from *start* until *end* (exclusive; ``None`` = open)."""

    person: str = attrs.field(validator=_valid_id)
    team: str = attrs.field(validator=_valid_id)
    role: str = attrs.field(converter=as_org_role)
    """A :class:`Role` (``member``, ``manager``, ``coach``) or another role id in lower case
    (``hr_adviser``), see :mod:`magcore.model.orgroles`."""
    start: date = attrs.field(validator=_day)
    end: date | None = attrs.field(default=None, validator=_optional_day)

    def __attrs_post_init__(self) -> None:
        if self.end is not None and self.end <= self.start:
            raise DefinitionError(
                f"assignment of {self.person} to {self.team} ends ({self.end}) "
                f"on or before it starts ({self.start})",
                pointer="/end",
            )

    def active_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)

    def overlaps(self, start: date, end: date) -> bool:
        """Whether the assignment is active on any day of ``[start, end)``."""
        return self.start < end and (self.end is None or start < self.end)


class RoleColumns(Sequence[Assignment]):
    """Roles held column by column (:class:`magcore.model.orgtables.RoleTable`): what an
    organisation asks of them."""

    __slots__ = ()
    person: list[str]
    team: list[str]

    def rows_of(self, role: str) -> list[int]:
        """The rows holding *role*."""
        raise NotImplementedError

    def sorted_rows(self) -> list[tuple[str, str, str, date, date]]:
        """Every role as a tuple, sorted (to compare two tables whatever their order)."""
        raise NotImplementedError


class PeopleColumns(Mapping[str, Person]):
    """People held column by column (:class:`magcore.model.orgtables.PeopleTable`)."""

    __slots__ = ()
    ids: list[str]

    @property
    def index(self) -> Mapping[str, int]:
        """The row of each person's id."""
        raise NotImplementedError


def _assignment_tuple(value: Iterable[Assignment]) -> Sequence[Assignment]:
    """A tuple of the assignments; roles held column by column are kept as they are."""
    return value if isinstance(value, RoleColumns) else tuple(value)


def _role_key(a: Assignment) -> tuple[str, str, str, date, date]:
    return (a.person, a.team, str(a.role), a.start, a.end or date.max)


def _same_assignments(first: Sequence[Assignment], second: Sequence[Assignment]) -> bool:
    """The same assignments, in any order (an organisation is the facts, not their order)."""
    if len(first) != len(second):
        return False
    if first == second:
        return True
    if isinstance(first, RoleColumns) and isinstance(second, RoleColumns):
        return first.sorted_rows() == second.sorted_rows()
    return sorted(first, key=_role_key) == sorted(second, key=_role_key)


def _index_by(items: Iterable[Assignment], key: str) -> dict[str, tuple[Assignment, ...]]:
    grouped: dict[str, list[Assignment]] = {}
    for item in items:
        grouped.setdefault(getattr(item, key), []).append(item)
    return {k: tuple(sorted(v, key=lambda a: a.start)) for k, v in grouped.items()}


@attrs.frozen(kw_only=True)
class Organisation:
    """An organisation at every moment of its history: people, teams and dated assignments.

    The value is immutable; changes such as :meth:`change_manager` return a new organisation.
    """

    id: str = attrs.field(validator=_valid_id)
    name: str = attrs.field(default="", converter=normalise, validator=_valid_name)
    people: Mapping[str, Person] = attrs.field(factory=dict, hash=False)
    teams: Mapping[str, Team] = attrs.field(factory=dict, hash=False)
    assignments: Sequence[Assignment] = attrs.field(
        default=(),
        converter=_assignment_tuple,
        eq=attrs.cmp_using(eq=_same_assignments, require_same_type=False),
        hash=False,
    )
    """The roles people hold: a tuple, or a :class:`~magcore.model.orgtables.RoleTable` (for a
    large organisation); compared in any order."""

    def __attrs_post_init__(self) -> None:
        if isinstance(self.assignments, RoleColumns):
            self._check_role_table(self.assignments)
        else:
            self._check_assignments()
        for team in self.teams.values():
            if team.parent is not None and team.parent not in self.teams:
                raise DefinitionError(
                    f"team {team.id} has unknown parent {team.parent!r}",
                    pointer=f"/teams/{team.id}/parent",
                )
        self._check_one_manager_at_a_time()

    def _check_role_table(self, table: RoleColumns) -> None:
        """Every role names a known person and team, checked column by column."""
        people: Mapping[str, object] = self.people
        checks: list[tuple[str, Mapping[str, object], list[str]]] = [
            ("team", self.teams, table.team)
        ]
        if isinstance(people, PeopleColumns):
            if table.person is not people.ids:  # else: the people are the roles' own column
                checks.insert(0, ("person", people.index, table.person))
        else:
            checks.insert(0, ("person", people, table.person))
        for field, known, column in checks:
            unknown = set(column).difference(known)
            if unknown:
                row = next(i for i, value in enumerate(column) if value in unknown)
                raise DefinitionError(
                    f"assignment names unknown {field} {column[row]!r}",
                    pointer=f"/assignments/{row}/{field}",
                )

    def _check_assignments(self) -> None:
        for index, assignment in enumerate(self.assignments):
            if assignment.person not in self.people:
                raise DefinitionError(
                    f"assignment names unknown person {assignment.person!r}",
                    pointer=f"/assignments/{index}/person",
                )
            if assignment.team not in self.teams:
                raise DefinitionError(
                    f"assignment names unknown team {assignment.team!r}",
                    pointer=f"/assignments/{index}/team",
                )

    def _check_one_manager_at_a_time(self) -> None:
        for team, managers in self._managers_by_team.items():
            for earlier, later in itertools.pairwise(managers):
                if earlier.end is None or earlier.end > later.start:
                    raise DefinitionError(
                        f"team {team} has two managers at once ({earlier.person} and "
                        f"{later.person} from {later.start})",
                        pointer=f"/teams/{team}",
                    )

    @classmethod
    def build(
        cls,
        *,
        id: str,
        name: str = "",
        people: Iterable[Person],
        teams: Iterable[Team],
        assignments: Iterable[Assignment],
    ) -> Organisation:
        """Build an organisation from iterables, refusing duplicate ids."""
        people_by_id: dict[str, Person] = {}
        for person in people:
            if person.id in people_by_id:
                raise DefinitionError(f"person {person.id} appears twice", pointer="/people")
            people_by_id[person.id] = person
        teams_by_id: dict[str, Team] = {}
        for team in teams:
            if team.id in teams_by_id:
                raise DefinitionError(f"team {team.id} appears twice", pointer="/teams")
            teams_by_id[team.id] = team
        return cls(
            id=id, name=name, people=people_by_id, teams=teams_by_id, assignments=tuple(assignments)
        )

    # -- indexes (computed once per value) ------------------------------------------------

    @functools.cached_property
    def _memberships_by_person(self) -> dict[str, tuple[Assignment, ...]]:
        return _index_by((a for a in self.assignments if a.role is Role.MEMBER), "person")

    @functools.cached_property
    def _memberships_by_team(self) -> dict[str, tuple[Assignment, ...]]:
        return _index_by((a for a in self.assignments if a.role is Role.MEMBER), "team")

    @functools.cached_property
    def _managers(self) -> tuple[Assignment, ...]:
        """The manager roles, each cut to the days its holder is employed: a role in an HR
        export that outlives the employment (or starts before it) makes nobody a manager on
        the days outside it, for every query (who manages whom, the history of it, planning)."""
        held = self.assignments
        if isinstance(held, RoleColumns):  # a few managers among a million roles: no others made
            found: Iterable[Assignment] = (held[row] for row in held.rows_of(Role.MANAGER))
        else:
            found = (a for a in held if a.role is Role.MANAGER)
        employed = (self._while_employed(a) for a in found)
        return tuple(a for a in employed if a is not None)

    @property
    def manager_roles(self) -> tuple[Assignment, ...]:
        """The manager roles as every query counts them: each cut to the days its holder is
        employed (:attr:`assignments` keeps them as the HR export gave them)."""
        return self._managers

    def _while_employed(self, assignment: Assignment) -> Assignment | None:
        """*assignment* cut to its holder's employment (``None``: none of it is)."""
        person = self.people.get(assignment.person)
        if person is None or (person.hired_on is None and person.left_on is None):
            return assignment
        start = max(assignment.start, person.hired_on or assignment.start)
        ends = [day for day in (assignment.end, person.left_on) if day is not None]
        end = min(ends) if ends else None
        if end is not None and end <= start:
            return None
        if (start, end) == (assignment.start, assignment.end):
            return assignment
        return attrs.evolve(assignment, start=start, end=end)

    @functools.cached_property
    def _managers_by_team(self) -> dict[str, tuple[Assignment, ...]]:
        return _index_by(self._managers, "team")

    @functools.cached_property
    def _manager_starts_by_team(self) -> dict[str, list[date]]:
        """The first days of :attr:`_managers_by_team`'s roles, for a bisection per query."""
        return {team: [a.start for a in held] for team, held in self._managers_by_team.items()}

    @functools.cached_property
    def _managed_teams_by_person(self) -> dict[str, tuple[Assignment, ...]]:
        return _index_by(self._managers, "person")

    @functools.cached_property
    def _coaches(self) -> tuple[Assignment, ...]:
        return tuple(a for a in self.assignments if a.role is Role.COACH)

    @functools.cached_property
    def _held_by_role(self) -> dict[str, tuple[Assignment, ...]]:
        """The assignments of each role asked for by :meth:`holders` (filled as asked)."""
        return {}

    # -- queries ---------------------------------------------------------------------------

    def person(self, person_id: str) -> Person:
        try:
            return self.people[person_id]
        except KeyError:
            raise NotFoundError(f"unknown person {person_id!r}") from None

    def team(self, team_id: str) -> Team:
        try:
            return self.teams[team_id]
        except KeyError:
            raise NotFoundError(f"unknown team {team_id!r}") from None

    def team_of(self, person_id: str, day: date) -> str | None:
        """The team *person_id* is a member of on *day*; ``None`` between teams."""
        for assignment in reversed(self._memberships_by_person.get(person_id, ())):
            if assignment.active_on(day):
                return assignment.team
        return None

    def manager_of_team(self, team_id: str, day: date) -> str | None:
        """The manager of *team_id* on *day*; ``None`` for a self-steering or vacant team (a
        manager's role counts only while they are employed: :attr:`_managers`)."""
        managers = self._managers_by_team.get(team_id)
        if not managers:
            return None
        position = bisect.bisect_right(self._manager_starts_by_team[team_id], day) - 1
        if position >= 0 and managers[position].active_on(day):
            return managers[position].person
        return None

    def manager_of(self, person_id: str, day: date) -> str | None:
        """Who manages *person_id* on *day*.

        A member's manager is their team's manager. A manager's own manager is the nearest
        manager above their team (parent, grandparent...) who is someone else; a manager of a
        top-level team who is also a member of another team (a management team) falls back to
        that team's manager. Nobody is their own manager. ``None`` in a self-steering team
        without a manager.
        """
        for assignment in self._managed_teams_by_person.get(person_id, ()):
            if assignment.active_on(day):
                above = self._manager_above(assignment.team, person_id, day)
                if above is not None:
                    return above
        team = self.team_of(person_id, day)
        if team is None:
            return None
        manager = self.manager_of_team(team, day)
        return None if manager == person_id else manager

    def _manager_above(self, team_id: str, person_id: str, day: date) -> str | None:
        """The nearest manager of a team above *team_id* on *day* who is not *person_id*."""
        seen = {team_id}
        parent = self.teams[team_id].parent
        while parent is not None and parent not in seen:
            seen.add(parent)
            manager = self.manager_of_team(parent, day)
            if manager is not None and manager != person_id:
                return manager
            parent = self.teams[parent].parent
        return None

    def manager_ids(self) -> frozenset[str]:
        """Everyone who holds or held a manager role (in any team, at any time)."""
        return frozenset(self._managed_teams_by_person)

    def members(self, team_id: str, day: date) -> tuple[str, ...]:
        """The members of *team_id* on *day*, in id order."""
        return tuple(
            sorted(a.person for a in self._memberships_by_team.get(team_id, ()) if a.active_on(day))
        )

    def coaches(self, day: date) -> tuple[str, ...]:
        """People holding a coach role on *day* (in any team)."""
        return tuple(sorted({a.person for a in self._coaches if a.active_on(day)}))

    def holders(self, role: str, day: date) -> tuple[str, ...]:
        """The people employed on *day* who hold *role* (any :class:`Role` or other role id,
        such as ``hr_adviser``) on *day*, in any team, in id order."""
        held = self._held_by_role.get(role)
        if held is None:
            roles = self.assignments
            if isinstance(roles, RoleColumns):
                held = tuple(roles[row] for row in roles.rows_of(role))
            else:
                held = tuple(a for a in roles if a.role == role)
            self._held_by_role[role] = held
        people = self.people
        found = {a.person for a in held if a.active_on(day)}
        return tuple(sorted(p for p in found if p in people and people[p].employed_on(day)))

    def employees(self, day: date) -> Iterator[Person]:
        """Everyone employed on *day*."""
        return (p for p in self.people.values() if p.employed_on(day))

    def manager_history(self, person_id: str) -> tuple[tuple[date, str | None], ...]:
        """Every (date, manager) change for *person_id*, in date order, starting with the first."""
        days: set[date] = set()
        for assignment in self._memberships_by_person.get(person_id, ()):
            days.add(assignment.start)
            team_managers = self._managers_by_team.get(assignment.team, ())
            for manager in team_managers:
                if assignment.overlaps(manager.start, manager.end or date.max):
                    days.add(max(manager.start, assignment.start))
                    if manager.end is not None:
                        days.add(manager.end)
        history: list[tuple[date, str | None]] = []
        for day in sorted(days):
            current = self.manager_of(person_id, day)
            if not history or history[-1][1] != current:
                history.append((day, current))
        return tuple(history)

    # -- changes (return a new Organisation) -------------------------------------------------

    def change_manager(self, team_id: str, new_manager: str | None, on: date) -> Organisation:
        """Return the organisation where *new_manager* manages *team_id* from *on*.

        The current manager's assignment ends on *on*. ``None`` leaves the team without a manager.
        """
        self.team(team_id)
        if new_manager is not None:
            self.person(new_manager)
        assignments: list[Assignment] = []
        for assignment in self.assignments:
            if (
                assignment.role is Role.MANAGER
                and assignment.team == team_id
                and assignment.active_on(on)
            ):
                if assignment.start == on:
                    continue
                assignment = attrs.evolve(assignment, end=on)
            assignments.append(assignment)
        if new_manager is not None:
            assignments.append(
                Assignment(person=new_manager, team=team_id, role=Role.MANAGER, start=on)
            )
        return attrs.evolve(self, assignments=tuple(assignments))

    def move_person(self, person_id: str, to_team: str, on: date) -> Organisation:
        """Return the organisation where *person_id* is a member of *to_team* from *on*."""
        self.person(person_id)
        self.team(to_team)
        assignments: list[Assignment] = []
        for assignment in self.assignments:
            if (
                assignment.role is Role.MEMBER
                and assignment.person == person_id
                and assignment.active_on(on)
            ):
                if assignment.start == on:
                    continue
                assignment = attrs.evolve(assignment, end=on)
            assignments.append(assignment)
        assignments.append(Assignment(person=person_id, team=to_team, role=Role.MEMBER, start=on))
        return attrs.evolve(self, assignments=tuple(assignments))

    # -- JSON ------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        from .convert import converter

        return {
            "id": self.id,
            "name": self.name,
            "people": [_person_json(converter.unstructure(p)) for p in self.people.values()],
            "teams": [converter.unstructure(t) for t in self.teams.values()],
            "assignments": [converter.unstructure(a) for a in self.assignments],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Organisation:
        """Read an organisation written by :meth:`to_json`; errors name the field."""
        from .convert import structure

        if not isinstance(data, Mapping):
            raise DefinitionError("an organisation must be a JSON object")
        for field in ("id", "people", "teams"):
            if field not in data:
                raise DefinitionError("required field is missing", pointer=f"/{field}")
        for field in ("people", "teams", "assignments"):
            if not isinstance(data.get(field, []), list | tuple):
                raise DefinitionError("must be a list", pointer=f"/{field}")
        return cls.build(
            id=data["id"],
            name=data.get("name", ""),
            people=[structure(p, Person, f"/people/{i}") for i, p in enumerate(data["people"])],
            teams=[structure(t, Team, f"/teams/{i}") for i, t in enumerate(data["teams"])],
            assignments=[
                structure(a, Assignment, f"/assignments/{i}")
                for i, a in enumerate(data.get("assignments", ()))
            ],
        )
