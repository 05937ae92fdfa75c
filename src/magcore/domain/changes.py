"""The changes in an organisation that start conversations: joined, left, moved, new manager,
back after a long absence.

A conversation kind with an ``on_event`` cadence is started by a change in the organisation
(:class:`~magcore.model.cycle.OrgTrigger`). This module lists those changes as
:class:`OrgChange` values, from two sources that must agree:

- :func:`changes_in` reads them from an organisation's history (hire and leaving dates, team
  memberships, the managers of teams over time), so planning needs nothing but the organisation;
- the organisation's stream may also record them as events; :func:`merge_changes` joins any
  number of such lists, in any order, into one: a change is the same change whichever import
  told it first, so a person who leaves gets exactly one exit conversation, however often and
  in whatever order the imports said so.

:func:`window` gives the window a change opens for a kind: from ``delay_days`` after the change,
due ``window_days`` later.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterable, Iterator
from datetime import date, timedelta

import attrs

from ..model.cycle import Cadence, OrgTrigger
from ..model.organisation import Organisation, Role

__all__ = ["OrgChange", "changes_in", "merge_changes", "window"]


@attrs.frozen(kw_only=True, slots=True)
class OrgChange:
    """*person* had change *event* on *on*: the first day it holds (the leaving day: ``left``)."""

    on: date
    person: str
    event: OrgTrigger = attrs.field(converter=OrgTrigger)
    absent_days: int | None = attrs.field(default=None, eq=False)
    """For ``returned``: how long the absence was (not part of what makes a change the same)."""

    @property
    def key(self) -> tuple[date, str, str]:
        """The order of changes: by day, person, event."""
        return (self.on, self.person, self.event.value)


def _within(day: date, since: date | None, until: date | None) -> bool:
    return (since is None or since <= day) and (until is None or day < until)


def _team_changes(
    org: Organisation, since: date | None, until: date | None, only: frozenset[str] | None
) -> Iterator[OrgChange]:
    by_person: dict[str, list[tuple[date, str]]] = {}
    for a in org.assignments:
        if a.role is Role.MEMBER and (only is None or a.person in only):
            by_person.setdefault(a.person, []).append((a.start, a.team))
    for person, spells in by_person.items():
        spells.sort()
        for (_, before), (day, after) in itertools.pairwise(spells):
            if before != after and _within(day, since, until):
                yield OrgChange(on=day, person=person, event=OrgTrigger.CHANGED_TEAM)


def _touched(org: Organisation, since: date | None, until: date | None) -> set[str]:
    """Everyone whose manager may change in ``[since, until)``: members of a team whose manager
    starts or ends then, the managers of its child teams, and people who move or start managing.
    """
    if since is None and until is None:
        return set(org.people)
    changed_teams: set[str] = set()
    people: set[str] = set()
    # the manager roles as who manages whom counts them (cut to each holder's employment)
    members = (a for a in org.assignments if a.role is Role.MEMBER)
    for a in itertools.chain(members, org.manager_roles):
        days = (a.start, a.end) if a.end is not None else (a.start,)
        if not any(_within(d, since, until) for d in days):
            continue
        if a.role is Role.MANAGER:
            changed_teams.add(a.team)
            people.add(a.person)
        elif a.role is Role.MEMBER:
            people.add(a.person)
    if changed_teams:
        children = {t.id for t in org.teams.values() if t.parent in changed_teams}
        for a in org.assignments:
            if a.team in changed_teams and a.role is Role.MEMBER:
                people.add(a.person)
        people.update(a.person for a in org.manager_roles if a.team in children)
    return people & set(org.people)


def _manager_changes(
    org: Organisation, since: date | None, until: date | None, only: frozenset[str] | None
) -> Iterator[OrgChange]:
    touched = _touched(org, since, until)
    for person in sorted(touched if only is None else touched & only):
        previous: str | None = None
        for day, manager in org.manager_history(person):
            if manager is None:
                continue
            if previous is not None and manager != previous and _within(day, since, until):
                yield OrgChange(on=day, person=person, event=OrgTrigger.CHANGED_MANAGER)
            previous = manager


def changes_in(
    org: Organisation,
    events: Iterable[OrgTrigger] = tuple(OrgTrigger),
    *,
    since: date | None = None,
    until: date | None = None,
    people: Collection[str] | None = None,
) -> tuple[OrgChange, ...]:
    """The changes of the kinds *events* that *org*'s history holds on days in
    ``[since, until)`` (every day when not given), in (date, person) order; only those of
    the person ids in *people*, when given (the others are not looked at)."""
    wanted = set(events)
    only = frozenset(people) if people is not None else None
    found: list[OrgChange] = []
    persons = (
        org.people.values() if only is None else [org.people[p] for p in only if p in org.people]
    )
    for person in persons:
        hired, left = person.hired_on, person.left_on
        if OrgTrigger.JOINED in wanted and hired is not None and _within(hired, since, until):
            found.append(OrgChange(on=hired, person=person.id, event=OrgTrigger.JOINED))
        if OrgTrigger.LEFT in wanted and left is not None and _within(left, since, until):
            found.append(OrgChange(on=left, person=person.id, event=OrgTrigger.LEFT))
        if OrgTrigger.RETURNED in wanted:
            found.extend(
                OrgChange(
                    on=back.on,
                    person=person.id,
                    event=OrgTrigger.RETURNED,
                    absent_days=back.absent_days,
                )
                for back in person.returns
                if _within(back.on, since, until)
            )
    if OrgTrigger.CHANGED_TEAM in wanted:
        found.extend(_team_changes(org, since, until, only))
    if OrgTrigger.CHANGED_MANAGER in wanted:
        found.extend(_manager_changes(org, since, until, only))
    return tuple(sorted(found, key=lambda c: c.key))


def merge_changes(*sources: Iterable[OrgChange]) -> tuple[OrgChange, ...]:
    """One list of changes from several, whatever their order and overlap.

    The same change told twice is one change. A leaving date told again later (a corrected
    date, or an import that arrived late) replaces the earlier one unless the person joined
    in between: one employment ends once.
    """
    told: dict[tuple[date, str, str], OrgChange] = {}
    for source in sources:
        for change in source:
            before = told.get(change.key)
            # the same return told with two lengths: the longer one, whatever the order
            if before is None or (change.absent_days or 0) > (before.absent_days or 0):
                told[change.key] = change
    unique = [told[key] for key in sorted(told)]
    kept: list[OrgChange] = []
    last_left: dict[str, int] = {}
    for change in unique:
        if change.event is OrgTrigger.JOINED:
            last_left.pop(change.person, None)
        elif change.event is OrgTrigger.LEFT:
            earlier = last_left.get(change.person)
            if earlier is not None:
                kept[earlier] = change
                continue
            last_left[change.person] = len(kept)
        kept.append(change)
    return tuple(sorted(kept, key=lambda c: c.key))


def window(cadence: Cadence, change: OrgChange) -> tuple[date, date]:
    """``(window_start, due)`` that *change* opens for a kind with *cadence* (``on_event``)."""
    assert cadence.window_days is not None
    start = change.on + timedelta(days=cadence.delay_days or 0)
    return start, start + timedelta(days=cadence.window_days)
