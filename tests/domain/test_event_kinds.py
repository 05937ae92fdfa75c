"""Conversations started by changes in the organisation: joined, left, another team or manager."""

from __future__ import annotations

import copy
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from magcore import Assignment, CycleDefinition, Organisation, Person, Team, plan
from magcore.domain.changes import OrgChange, changes_in, merge_changes
from magcore.domain.organisation import OrgState, replay_organisation
from magcore.domain.orgchanges import changes
from magcore.events import Event
from magcore.model.cycle import OrgTrigger

START = date(2024, 1, 1)
YEAR = (date(2025, 1, 1), date(2026, 1, 1))


def _kind(kind_id: str, event: str, delay: int, window: int, **extra: object) -> dict:
    return {
        "id": kind_id,
        "name": {"nl": kind_id, "en": kind_id},
        "pattern": "employee_manager",
        "cadence": {"kind": "on_event", "event": event, "delay_days": delay, "window_days": window},
        "initiators": ["manager", "employee"],
        "preparers": ["employee"],
        **extra,
    }


CYCLE = CycleDefinition.from_json(
    {
        "id": "changes",
        "version": 1,
        "name": "Changes",
        "kinds": [
            _kind("onboarding", "joined", 30, 30),
            _kind("exit", "left", -21, 21),
            _kind("new-manager", "changed_manager", 14, 28),
            _kind("new-team", "changed_team", 7, 21),
        ],
    }
)


def _org(**left: date) -> Organisation:
    hired = {"m1": date(2015, 1, 1), "m2": date(2016, 1, 1), "e1": date(2019, 1, 1)}
    hired |= {"e2": date(2025, 3, 1), "e3": date(2020, 1, 1)}
    return Organisation.build(
        id="org",
        people=[Person(id=p, hired_on=h, left_on=left.get(p)) for p, h in hired.items()],
        teams=[Team(id="t1"), Team(id="t2")],
        assignments=[
            Assignment(person="m1", team="t1", role="manager", start=START),
            Assignment(person="m2", team="t2", role="manager", start=START),
            Assignment(person="e1", team="t1", role="member", start=START, end=date(2025, 5, 1)),
            Assignment(person="e1", team="t2", role="member", start=date(2025, 5, 1)),
            Assignment(person="e2", team="t1", role="member", start=date(2025, 3, 1)),
            Assignment(person="e3", team="t2", role="member", start=START),
        ],
    )


def test_each_change_starts_its_kind_once_with_its_delay_and_window():
    org = _org(e3=date(2025, 9, 1))
    due = {(d.kind, d.person): d for d in plan(org, CYCLE, *YEAR)}
    onboarding = due[("onboarding", "e2")]
    assert (onboarding.window_start, onboarding.due) == (date(2025, 3, 31), date(2025, 4, 30))
    assert onboarding.trigger == OrgChange(on=date(2025, 3, 1), person="e2", event="joined")
    assert onboarding.manager == "m1"
    exit_talk = due[("exit", "e3")]
    assert (exit_talk.window_start, exit_talk.due) == (date(2025, 8, 11), date(2025, 9, 1))
    assert exit_talk.manager == "m2"  # the manager on the last day employed
    moved = due[("new-team", "e1")]
    assert moved.due == date(2025, 5, 1) + timedelta(days=7 + 21)
    assert due[("new-manager", "e1")].manager == "m2"
    assert sorted(k for k, _ in due) == ["exit", "new-manager", "new-team", "onboarding"]
    # A period that does not hold the due day plans nothing; the next one plans it once.
    assert list(plan(org, CYCLE, date(2026, 1, 1), date(2027, 1, 1))) == []


def test_a_change_the_stream_recorded_counts_once_beside_the_history():
    org = _org()
    told = OrgChange(on=date(2025, 10, 1), person="e1", event=OrgTrigger.LEFT)
    items = plan(org, CYCLE, *YEAR, kinds=["exit"], changes=[told, told])
    assert [(d.person, d.due) for d in items] == [("e1", date(2025, 10, 1))]


@given(
    st.lists(
        st.sampled_from(
            [
                OrgChange(on=date(2025, m, 1), person=p, event=e)
                for m in (3, 6)
                for p in ("e1", "e3")
                for e in (OrgTrigger.LEFT, OrgTrigger.JOINED)
            ]
        ),
        max_size=10,
    ),
    st.randoms(use_true_random=False),
)
def test_merging_changes_does_not_depend_on_order_or_repetition(told, rnd):
    shuffled = list(told) * 2
    rnd.shuffle(shuffled)
    assert merge_changes(told) == merge_changes(shuffled, told)
    lefts = Counter(c.person for c in merge_changes(told) if c.event is OrgTrigger.LEFT)
    for person, count in lefts.items():
        joins = {c.on for c in told if c.person == person and c.event is OrgTrigger.JOINED}
        assert count <= len(joins) + 1  # one leave per employment


def _import(log: list[Event], org: Organisation) -> None:
    state = OrgState.replay(org.id, log) if log else None
    for change in changes(state, org, today=date(2026, 12, 3)):
        log.append(
            Event(
                stream=f"org:{org.id}",
                version=len(log) + 1,
                type=change.type,
                at=datetime(2026, 12, 3, tzinfo=UTC),
                actor="hr",
                data=change.data,
            )
        )


FILES = {
    "before": _org(),
    "leaves": _org(e3=date(2025, 9, 1)),
    "leaves-and-moves": _org(e3=date(2025, 9, 1), e1=date(2025, 11, 1)),
}


@given(st.lists(st.sampled_from(sorted(FILES)), min_size=1, max_size=6))
def test_a_person_who_leaves_gets_exactly_one_exit_conversation_whatever_the_order(order):
    """Import the HR files in any order, any number of times: whoever has left in the
    organisation the imports leave gets one exit conversation, and nobody else gets one."""
    log: list[Event] = []
    for name in order:
        _import(log, FILES[name])
    org = replay_organisation(log)
    assert org is not None
    exits = Counter(d.person for d in plan(org, CYCLE, *YEAR, kinds=["exit"]))
    leavers = {p.id for p in org.people.values() if p.left_on is not None}
    assert exits == Counter(dict.fromkeys(leavers, 1))
    # The changes read from the organisation agree with what the stream announced.
    announced = {(e.data["person"], e.data["on"]) for e in log if e.type == "person.left"}
    for change in changes_in(org, [OrgTrigger.LEFT]):
        assert (change.person, change.on.isoformat()) in announced


def test_the_cycle_round_trips_with_its_event_kinds():
    again = CycleDefinition.from_json(copy.deepcopy(CYCLE.to_json()))
    assert again == CYCLE


@given(
    st.integers(0, 50),
    st.dates(min_value=date(2019, 1, 1), max_value=date(2024, 12, 31)),
    st.integers(30, 900),
    st.lists(st.integers(0, 59), max_size=8),
)
def test_the_changes_of_a_period_are_the_whole_historys_changes_in_that_period(
    seed, since, days, picks
):
    """Planning asks only for the changes whose window ends in its period; that shortcut (only
    the people a change touched) gives exactly what reading the whole history gives. Asked for
    some people (``people=``), it gives exactly their changes among them."""
    import attrs

    from magcore.testing import generate_organisation

    org = generate_organisation(people=60, teams=5, seed=seed, start=date(2022, 1, 1))
    assignments = list(org.assignments)
    managers = sorted(
        (a for a in assignments if a.role.value == "manager"), key=lambda a: (a.team, a.start)
    )
    for number, old in enumerate(managers[::2]):  # every other team gets a new manager
        members = sorted(
            a.person for a in assignments if a.team == old.team and a.role.value == "member"
        )
        if not members:
            continue
        day = date(2021, 3, 1) + timedelta(days=97 * number + seed)
        assignments.remove(old)
        assignments += [
            attrs.evolve(old, end=day),
            Assignment(person=members[0], team=old.team, role="manager", start=day),
        ]
    org = attrs.evolve(org, assignments=tuple(assignments))
    until = since + timedelta(days=days)
    everything = changes_in(org)
    assert {c.event for c in everything} >= {OrgTrigger.JOINED, OrgTrigger.CHANGED_MANAGER}
    whole = [c for c in everything if since <= c.on < until]
    assert list(changes_in(org, since=since, until=until)) == whole
    ids = sorted(org.people)
    chosen = {ids[n % len(ids)] for n in picks} | {"p-unknown"}
    mine = [c for c in whole if c.person in chosen]
    assert list(changes_in(org, since=since, until=until, people=chosen)) == mine
