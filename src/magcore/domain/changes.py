"""The changes in an organisation that start conversations: joined, left, moved, new manager.

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
from collections.abc import Iterable, Iterator
from datetime import date, timedelta

import attrs

from ..model.cycle import Cadence, OrgTrigger
from ..model.organisation import Organisation, Role

__all__ = ["OrgChange", "changes_in", "merge_changes", "window"]


@attrs.frozen(kw_only=True, slots=True, order=True)
class OrgChange:
    """*person* had change *event* on *on*: the first day it holds (the leaving day: ``left``)."""

    on: date
    person: str
    event: OrgTrigger = attrs.field(converter=OrgTrigger)


def _team_changes(org: Organisation) -> Iterator[OrgChange]:
    by_person: dict[str, list[tuple[date, str]]] = {}
    for a in org.assignments:
        if a.role is Role.MEMBER:
            by_person.setdefault(a.person, []).append((a.start, a.team))
    for person, spells in by_person.items():
        spells.sort()
        for (_, before), (day, after) in itertools.pairwise(spells):
            if before != after:
                yield OrgChange(on=day, person=person, event=OrgTrigger.CHANGED_TEAM)


def _manager_changes(org: Organisation) -> Iterator[OrgChange]:
    for person in org.people:
        previous: str | None = None
        for day, manager in org.manager_history(person):
            if manager is None:
                continue
            if previous is not None and manager != previous:
                yield OrgChange(on=day, person=person, event=OrgTrigger.CHANGED_MANAGER)
            previous = manager


def changes_in(
    org: Organisation, events: Iterable[OrgTrigger] = tuple(OrgTrigger)
) -> tuple[OrgChange, ...]:
    """The changes of the kinds *events* that *org*'s history holds, in (date, person) order."""
    wanted = set(events)
    found: list[OrgChange] = []
    for person in org.people.values():
        if OrgTrigger.JOINED in wanted and person.hired_on is not None:
            found.append(OrgChange(on=person.hired_on, person=person.id, event=OrgTrigger.JOINED))
        if OrgTrigger.LEFT in wanted and person.left_on is not None:
            found.append(OrgChange(on=person.left_on, person=person.id, event=OrgTrigger.LEFT))
    if OrgTrigger.CHANGED_TEAM in wanted:
        found.extend(_team_changes(org))
    if OrgTrigger.CHANGED_MANAGER in wanted:
        found.extend(_manager_changes(org))
    return tuple(sorted(found))


def merge_changes(*sources: Iterable[OrgChange]) -> tuple[OrgChange, ...]:
    """One list of changes from several, whatever their order and overlap.

    The same change told twice is one change. A leaving date told again later (a corrected
    date, or an import that arrived late) replaces the earlier one unless the person joined
    in between: one employment ends once.
    """
    unique = sorted({change for source in sources for change in source})
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
    return tuple(sorted(kept))


def window(cadence: Cadence, change: OrgChange) -> tuple[date, date]:
    """``(window_start, due)`` that *change* opens for a kind with *cadence* (``on_event``)."""
    assert cadence.window_days is not None
    start = change.on + timedelta(days=cadence.delay_days or 0)
    return start, start + timedelta(days=cadence.window_days)
