"""Planning: which conversations are due for whom, and who had none (coverage).

Everything here is plain, deterministic date arithmetic. Adding months to a day the target month
lacks follows the cadence's explicit month-end rule (:class:`~magcore.model.cycle.MonthEnd`):
``clamp`` (31 January + 1 month = 28/29 February, the default) or ``next_month`` (= 1 March).

Who is due is decided at the due date: the manager a conversation is planned with is the manager
on that date, so an employee whose manager changes mid-period moves to the new manager and is
never lost between the two.
"""

from __future__ import annotations

import calendar
from collections.abc import Collection, Iterable, Iterator, Mapping
from datetime import date, timedelta

import attrs

from ..model.cycle import (
    Applicability,
    Cadence,
    CadenceKind,
    ConversationKind,
    CycleDefinition,
    MonthEnd,
    OrgTrigger,
)
from ..model.input_policy import check_period
from ..model.organisation import Organisation, Person
from ..read_models import ConversationRow
from .changes import OrgChange, changes_in, merge_changes, window

__all__ = [
    "CoverageReport",
    "DueConversation",
    "Uncovered",
    "add_months",
    "coverage",
    "due_dates",
    "outstanding",
    "plan",
]


#: The year an interval cadence's series is counted from (its anchor day in this year).
_INTERVAL_EPOCH = 2000


def add_months(day: date, months: int, rule: MonthEnd = MonthEnd.CLAMP) -> date:
    """*day* plus *months* calendar months, with the explicit month-end *rule*."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    if day.day <= last:
        return date(year, month, day.day)
    if rule is MonthEnd.CLAMP:
        return date(year, month, last)
    return date(year, month, last) + timedelta(days=1)


@attrs.frozen(kw_only=True, slots=True)
class DueConversation:
    """One conversation that is due: for whom, which kind, by when, with which manager.

    ``prompt_only`` marks a gentle prompt (free cadences after a quiet period): never an
    obligation, and never counted as missed.
    """

    person: str | None
    kind: str
    due: date
    window_start: date
    manager: str | None
    team: str | None
    prompt_only: bool = False
    trigger: OrgChange | None = None
    """The change in the organisation that started it (``on_event`` kinds), else ``None``."""


def due_dates(
    cadence: Cadence,
    start: date,
    end: date,
    *,
    hired_on: date | None = None,
    last_conversation: date | None = None,
) -> Iterator[tuple[date, date, bool]]:
    """Yield ``(window_start, due, prompt_only)`` for every due moment in ``[start, end)``."""
    rule = cadence.month_end
    if cadence.kind is CadenceKind.ON_EVENT:
        return  # started by changes in the organisation: see _plan_changes
    if cadence.kind is CadenceKind.FREE:
        if cadence.quiet_days is None:
            return
        since = last_conversation or hired_on or start
        due = since + timedelta(days=cadence.quiet_days)
        if due < start:
            due = start
        if due < end:
            yield since, due, True
        return
    if cadence.kind is CadenceKind.PER_YEAR:
        assert cadence.per_year is not None
        per_year = cadence.per_year
        for year in range(start.year, end.year + 1):
            first = date(year, 1, 1)
            days_in_year = (date(year + 1, 1, 1) - first).days
            previous = first
            for k in range(1, per_year + 1):
                if 12 % per_year == 0:
                    boundary = add_months(first, 12 * k // per_year, rule)
                else:
                    boundary = first + timedelta(days=round(days_in_year * k / per_year))
                due = boundary - timedelta(days=1)
                if start <= due < end:
                    yield previous, due, False
                previous = boundary
        return
    assert cadence.every_months is not None
    every = cadence.every_months
    if cadence.kind is CadenceKind.INTERVAL:
        # The series runs from the anchor day in a fixed epoch year, so asking for any period
        # gives the same dates (every 24 months is every even year, whatever period is asked).
        month, day_of_month = cadence.anchor_month_day
        base = date(_INTERVAL_EPOCH, month, day_of_month)
        skipped = ((start.year - _INTERVAL_EPOCH) * 12 + start.month - month) // every - 1
        previous = add_months(base, skipped * every, rule)
        offset = (skipped + 1) * every
    else:
        if hired_on is None:
            return
        assert cadence.first_after_months is not None
        base = hired_on
        previous = base
        offset = cadence.first_after_months
    occurrence = 0
    while True:
        occurrence += 1
        if cadence.times is not None and occurrence > cadence.times:
            return
        due = add_months(base, offset, rule)
        if due >= end:
            return
        if due >= start and (hired_on is None or due > hired_on):
            yield max(previous, hired_on or previous), due, False
        previous = due
        offset += every


def _vacancy(org: Organisation, team: str | None) -> bool:
    """Whether *team* is a managed team whose manager's place is empty (not self-steering)."""
    return team is not None and not org.teams[team].self_steering


def _last_manager(org: Organisation, person: str, since: date, until: date) -> str | None:
    """The person's most recent manager between *since* and *until*, if they had one and are
    still employed on *until* (one who left holds no conversation with them)."""
    last = org.manager_of(person, since)
    for day, manager in org.manager_history(person):
        if since < day <= until and manager is not None:
            last = manager
    if last is None:
        return None
    known = org.people.get(last)
    return last if known is None or known.employed_on(until) else None


def _applies(
    kind: ConversationKind,
    org: Organisation,
    person: Person,
    team: str | None,
    manager: str | None,
    needs_manager: bool | None = None,
) -> bool:
    if kind.applies_to is Applicability.EVERYONE:
        needs = kind.needs_manager if needs_manager is None else needs_manager
        return not needs or manager is not None
    if kind.applies_to is Applicability.WITH_MANAGER:
        return manager is not None
    if kind.applies_to is Applicability.SELF_STEERING:
        return team is not None and (org.teams[team].self_steering or manager is None)
    return False


def plan(
    org: Organisation,
    cycle: CycleDefinition,
    start: date,
    end: date,
    *,
    last_conversations: Mapping[str, date] | None = None,
    kinds: Iterable[str] | None = None,
    changes: Iterable[OrgChange] = (),
    people: Collection[str] | None = None,
    last_of_kind: Mapping[str, Mapping[str, date]] | None = None,
) -> tuple[DueConversation, ...]:
    """Every conversation due in ``[start, end)`` under *cycle*, in (due, person) order.

    *last_conversations* maps a person to the date of their last held conversation; free
    cadences use it to prompt after a quiet period. *last_of_kind*, when given, takes its place:
    per kind id, a person's last held conversation of that kind, so a kind's prompt moves only
    with its own conversations (a manager's due list then never shows the day of a
    conversation they were not in, such as one with a psychologist). A kind started by a
    change in the organisation (an ``on_event`` cadence) is due once per change, the changes
    read from *org*'s history and merged with *changes* (e.g. the ones the organisation's
    stream recorded) by :func:`~magcore.domain.changes.merge_changes`. *people*, when given,
    keeps only the conversations of those person ids: the same as filtering the whole plan
    afterwards (so no team conversation, which is no one person's), but the others are not
    planned (a manager's page asks for their own reports). Deterministic: same inputs, same
    plan. A period longer than 50 years
    (:data:`~magcore.model.input_policy.MAX_PERIOD_DAYS`) raises
    :class:`~magcore.errors.InputRefused` naming ``/end``.
    """
    if end <= start:
        raise ValueError(f"the period must end after it starts ({start} .. {end})")
    check_period(start, end)
    wanted = set(kinds) if kinds is not None else None
    last = last_conversations or {}
    only = frozenset(people) if people is not None else None
    result: list[DueConversation] = []
    for kind in cycle.kinds:
        if wanted is not None and kind.id not in wanted:
            continue
        if kind.is_team:  # a team's conversation is no one person's: not kept for people=
            if only is None:
                result.extend(_plan_teams(org, kind, start, end))
            continue
        if kind.cadence.kind is CadenceKind.ON_EVENT:
            result.extend(_plan_changes(org, kind, start, end, changes, only))
            continue
        # Asked once per kind, not per person: the parties do not change in the loop.
        needs_manager, with_manager = kind.needs_manager, kind.with_manager
        # A number of times a year falls due on the same days for everyone: worked out once.
        same_for_all = (
            tuple(due_dates(kind.cadence, start, end))
            if kind.cadence.kind is CadenceKind.PER_YEAR
            else None
        )
        planned = (
            org.people.values()
            if only is None
            else [org.people[p] for p in only if p in org.people]
        )
        for person in planned:
            if person.left_on is not None and person.left_on <= start:
                continue
            if person.hired_on is not None and person.hired_on >= end:
                continue
            for window_start, due, prompt in (
                same_for_all
                if same_for_all is not None
                else due_dates(
                    kind.cadence,
                    start,
                    end,
                    hired_on=person.hired_on,
                    last_conversation=(
                        last if last_of_kind is None else last_of_kind.get(kind.id, {})
                    ).get(person.id),
                )
            ):
                if not person.employed_on(due):
                    continue
                team = org.team_of(person.id, due)
                manager = org.manager_of(person.id, due)
                if manager is None and _vacancy(org, team):
                    # Between two managers nobody is lost: plan with the last manager in the
                    # window, or list the person without one until the team has a manager.
                    manager = _last_manager(org, person.id, window_start, due)
                elif not _applies(kind, org, person, team, manager, needs_manager):
                    continue
                result.append(
                    DueConversation(
                        person=person.id,
                        kind=kind.id,
                        due=due,
                        window_start=window_start,
                        manager=manager if with_manager else None,
                        team=team,
                        prompt_only=prompt,
                    )
                )
    result.sort(key=lambda d: (d.due, d.person or "", d.team or "", d.kind))
    return tuple(result)


#: The states of a conversation that answer nothing: it was called off or did not take place.
_ANSWERS_NOTHING = frozenset({"cancelled", "not_held"})


def outstanding(
    items: Iterable[DueConversation],
    conversations: Iterable[ConversationRow],
    *,
    cycle: str,
    earlier: Iterable[DueConversation] = (),
) -> tuple[DueConversation, ...]:
    """The due conversations in *items* that no conversation in *conversations* answers yet,
    in the order of *items*. *earlier*, the conversations due before the period of *items*,
    take part in the answering but are not returned: a conversation held or still open for one
    of those is not taken for one of *items*.

    Only a conversation of the same cycle *cycle* (its id: any version of the cycle counts),
    of the same kind and about the same person (for a team's conversation: the same team)
    answers a due one, and not one cancelled or marked not held. Each answers one due
    conversation, the first that fits of:

    * the earliest whose window (from its start to its due day) holds the day it was
      requested, planned or held;
    * for one not held yet, requested before that window: the earliest still to come (it was
      requested ahead, so that everyone can prepare);
    * the latest whose window had started: a conversation held or asked for late, for the
      last one missed.

    Requested is enough: the conversation is under way, and asking for another would make
    two. ``magcore plan --request``, ``magcore due`` and the web app's due lists use it
    (through :meth:`magcore.app.service.Service.outstanding`). Added in 0.2.
    """
    cycle_id = cycle.partition("@")[0]
    found: dict[tuple[str, str], list[ConversationRow]] = {}
    for row in sorted(conversations, key=lambda r: (r.requested_on, r.id)):
        if row.state in _ANSWERS_NOTHING or row.cycle.partition("@")[0] != cycle_id:
            continue
        who = row.subject if row.subject is not None else f"team:{row.team}"
        found.setdefault((who, row.kind), []).append(row)
    shown = list(items)
    listed = [*shown, *earlier]
    by_key: dict[tuple[str, str], list[int]] = {}
    for index, item in enumerate(listed):
        who = item.person if item.person is not None else f"team:{item.team}"
        by_key.setdefault((who, item.kind), []).append(index)
    answered: set[int] = set()
    for key, indexes in by_key.items():
        indexes.sort(key=lambda i: (listed[i].due, listed[i].window_start))
        for row in found.get(key, ()):
            days = [d for d in (row.requested_on, row.scheduled_on, row.held_on) if d]
            open_ = [listed[i] for i in indexes if i not in answered]
            fits = next(
                (d for d in open_ if any(d.window_start <= day <= d.due for day in days)), None
            )
            if fits is None and row.held_on is None:
                fits = next((d for d in open_ if d.window_start > row.requested_on), None)
            if fits is None:
                late = [d for d in open_ if d.window_start <= max(days)]
                fits = late[-1] if late else None
            if fits is not None:
                answered.add(next(i for i in indexes if listed[i] is fits))
    return tuple(item for index, item in enumerate(shown) if index not in answered)


def _plan_changes(
    org: Organisation,
    kind: ConversationKind,
    start: date,
    end: date,
    recorded: Iterable[OrgChange],
    only: frozenset[str] | None = None,
) -> Iterator[DueConversation]:
    """One conversation of *kind* per change of its trigger whose due day is in the period
    (of the people in *only*, when given)."""
    event = kind.cadence.event
    assert event is not None
    assert kind.cadence.window_days is not None
    # Only changes whose window ends in the period: due = on + delay + window.
    offset = timedelta(days=(kind.cadence.delay_days or 0) + kind.cadence.window_days)
    since, until = start - offset, end - offset
    merged = merge_changes(
        changes_in(org, (event,), since=since, until=until, people=only),
        (c for c in recorded if c.event is event),
    )
    least = kind.cadence.min_absent_days
    for change in merged:
        if change.event is not event or change.person not in org.people:
            continue
        if only is not None and change.person not in only:
            continue
        if least is not None and (change.absent_days or 0) < least:
            continue  # back after a shorter absence than the kind is for
        window_start, due = window(kind.cadence, change)
        if not start <= due < end:
            continue
        person = org.people[change.person]
        # Who the employee is on the day of the change: the day before leaving for ``left``.
        anchor = change.on - timedelta(days=1) if event is OrgTrigger.LEFT else change.on
        if not person.employed_on(anchor):
            continue
        team = org.team_of(person.id, anchor)
        manager = org.manager_of(person.id, anchor)
        if not _applies(kind, org, person, team, manager):
            continue
        yield DueConversation(
            person=person.id,
            kind=kind.id,
            due=due,
            window_start=window_start,
            manager=manager if kind.with_manager else None,
            team=team,
            trigger=change,
        )


def _plan_teams(
    org: Organisation, kind: ConversationKind, start: date, end: date
) -> Iterator[DueConversation]:
    only_self_steering = kind.applies_to is Applicability.SELF_STEERING
    for team in org.teams.values():
        if only_self_steering and not team.self_steering:
            continue
        for window_start, due, prompt in due_dates(kind.cadence, start, end):
            if len(org.members(team.id, due)) < 2:
                continue
            yield DueConversation(
                person=None,
                kind=kind.id,
                due=due,
                window_start=window_start,
                manager=None,
                team=team.id,
                prompt_only=prompt,
            )


@attrs.frozen(kw_only=True)
class Uncovered:
    """Someone who was due a conversation in the period and had none."""

    person: str
    manager: str | None
    team: str | None
    due: date
    """The first due date without a conversation held for it."""
    missing: int = 1
    """How many of the conversations due in the period were not held (two peer conversations
    due, one held: 1)."""


@attrs.frozen(kw_only=True)
class CoverageReport:
    """Who was due conversations in a period and who had them all: counts about participation.

    A person counts as covered when they had as many conversations held in the period as were
    due (twice a year due, once held: not covered, ``missing`` 1). ``conversations_due`` and
    ``conversations_held`` count the conversations themselves (held counted up to what was due
    per person).
    """

    start: date
    end: date
    due: int
    covered: int
    uncovered: tuple[Uncovered, ...]
    conversations_due: int = 0
    conversations_held: int = 0

    @property
    def rate(self) -> float:
        """The share of people due who had a conversation (1.0 when nobody was due)."""
        return 1.0 if self.due == 0 else self.covered / self.due


def coverage(
    org: Organisation,
    cycle: CycleDefinition,
    held: Iterable[tuple[str, date]],
    start: date,
    end: date,
    *,
    kinds: Iterable[str] | None = None,
) -> CoverageReport:
    """Who was due (obligations only, not gentle prompts) and had fewer conversations held.

    *held* lists ``(person, held_on)`` for every conversation held, with any manager: a manager
    change mid-period does not make an employee's earlier conversation count for less. Every
    conversation due counts: someone due two peer conversations a year is covered by two held,
    not by one. The period is at most 50 years, as for :func:`plan`.
    """
    due_items = [d for d in plan(org, cycle, start, end, kinds=kinds) if not d.prompt_only]
    held_in_period: dict[str, int] = {}
    for person, day in held:
        if start <= day < end:
            held_in_period[person] = held_in_period.get(person, 0) + 1
    due_of: dict[str, list[DueConversation]] = {}
    for item in due_items:
        if item.person is not None:
            due_of.setdefault(item.person, []).append(item)
    uncovered: list[Uncovered] = []
    conversations_held = 0
    for person, items in sorted(due_of.items()):
        items.sort(key=lambda d: d.due)
        count = min(held_in_period.get(person, 0), len(items))
        conversations_held += count
        if count < len(items):
            first = items[count]
            uncovered.append(
                Uncovered(
                    person=person,
                    manager=first.manager,
                    team=first.team,
                    due=first.due,
                    missing=len(items) - count,
                )
            )
    return CoverageReport(
        start=start,
        end=end,
        due=len(due_of),
        covered=len(due_of) - len(uncovered),
        uncovered=tuple(uncovered),
        conversations_due=sum(len(items) for items in due_of.values()),
        conversations_held=conversations_held,
    )
