"""Who manages whom on a day, and which functional roles a person holds on a day: the
:class:`Directory` the access policy asks (re-exported by :mod:`magcore.access.decision`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date

import attrs

from ..model.organisation import Organisation

__all__ = ["Directory"]


def _no_manager(person: str, day: date) -> str | None:
    return None


def _no_roles(person: str, day: date) -> frozenset[str]:
    return frozenset()


def _no_reports(person: str, day: date) -> frozenset[str]:
    return frozenset()


@attrs.frozen(kw_only=True)
class Directory:
    """Who manages whom on a day, and which functional roles a person holds on a day.

    Build one from an :class:`~magcore.model.organisation.Organisation` with
    :meth:`from_organisation`; the access policy never talks to a service.
    """

    manager_of: Callable[[str, date], str | None] = _no_manager
    roles_of: Callable[[str, date], frozenset[str]] = _no_roles
    reports_of: Callable[[str, date], frozenset[str]] = _no_reports
    """The people *person* manages on a day (for listing what a next manager may see)."""

    @classmethod
    def from_organisation(
        cls,
        organisation: Organisation,
        roles: Mapping[str, Iterable[str]] | None = None,
        *,
        former: Iterable[str] = (),
    ) -> Directory:
        """Managers from *organisation*'s dated assignments; *roles* maps a person to roles
        such as ``hr_adviser``, ``privacy_officer``, ``works_council``, ``researcher``.
        Coaches in the organisation hold ``coach`` on the days they are assigned.

        A person of *organisation* holds their *roles* only on the days they are employed
        (between ``hired_on`` and ``left_on``): a privacy officer who left decides nothing
        from the day they left, also where the setting still names them. *former* are people
        the organisation held once and a later import took out (``person.removed``): they hold
        none either. Someone *roles* names whom the organisation never held (an external
        privacy officer) holds them every day."""
        fixed = {person: frozenset(r) for person, r in (roles or {}).items()}
        people = organisation.people
        gone = frozenset(former) - people.keys()
        coach_days: dict[str, list[tuple[date, date]]] = {}
        for assignment in organisation.assignments:
            if assignment.role == "coach":
                coach_days.setdefault(assignment.person, []).append(
                    (assignment.start, assignment.end or date.max)
                )

        def roles_of(person: str, day: date) -> frozenset[str]:
            known = people.get(person)
            if (known is None and person in gone) or (
                known is not None and not known.employed_on(day)
            ):
                return frozenset()  # no role, a coach's neither, outside the employment
            held = fixed.get(person, frozenset())
            if any(start <= day < end for start, end in coach_days.get(person, ())):
                held = held | {"coach"}
            return held

        # Who manages whom on a day, found in one pass over the organisation and kept for
        # the last few days asked: a listing asks it for every request (the web API).
        by_day: dict[date, dict[str, frozenset[str]]] = {}

        def reports_of(person: str, day: date) -> frozenset[str]:
            index = by_day.get(day)
            if index is None:
                found: dict[str, set[str]] = {}
                manager_of = organisation.manager_of
                for employee in organisation.employees(day):
                    manager = manager_of(employee.id, day)
                    if manager is not None:
                        found.setdefault(manager, set()).add(employee.id)
                index = {manager: frozenset(people) for manager, people in found.items()}
                if len(by_day) >= 8:
                    by_day.clear()
                by_day[day] = index
            return index.get(person, frozenset())

        return cls(manager_of=organisation.manager_of, roles_of=roles_of, reports_of=reports_of)
