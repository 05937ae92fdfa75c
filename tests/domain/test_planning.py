"""Planning: cadences, the month-end rule, manager changes mid-period, coverage."""

from __future__ import annotations

import calendar
import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from magcore import (
    Assignment,
    Cadence,
    CycleDefinition,
    MonthEnd,
    Organisation,
    Person,
    Team,
    add_months,
    coverage,
    plan,
)
from magcore.domain.planning import due_dates
from magcore.testing import generate_organisation

from ..conftest import EXAMPLE_CYCLES

YEARLY = CycleDefinition.from_file(EXAMPLE_CYCLES / "employee-manager.json")
DIALOGUE = CycleDefinition.from_file(EXAMPLE_CYCLES / "free-dialogue.json")
PEERS = CycleDefinition.from_file(EXAMPLE_CYCLES / "peer-team.json")
Y2025 = (date(2025, 1, 1), date(2026, 1, 1))


@pytest.mark.parametrize(
    ("day", "months", "rule", "expected"),
    [
        (date(2024, 1, 31), 1, MonthEnd.CLAMP, date(2024, 2, 29)),
        (date(2025, 1, 31), 1, MonthEnd.CLAMP, date(2025, 2, 28)),
        (date(2025, 1, 31), 1, MonthEnd.NEXT_MONTH, date(2025, 3, 1)),
        (date(2025, 8, 31), 6, MonthEnd.CLAMP, date(2026, 2, 28)),
        (date(2025, 3, 15), -3, MonthEnd.CLAMP, date(2024, 12, 15)),
        (date(2025, 5, 31), 12, MonthEnd.CLAMP, date(2026, 5, 31)),
    ],
)
def test_add_months_month_end_rule(day, months, rule, expected):
    """Days the target month lacks follow the explicit rule."""
    assert add_months(day, months, rule) == expected


@given(st.dates(date(1990, 1, 1), date(2090, 1, 1)), st.integers(-240, 240))
def test_add_months_keeps_the_day_when_it_exists(day, months):
    """Adding months never moves more than the month-end rule allows."""
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    last_day = calendar.monthrange(result.year, result.month)[1]
    assert result.day == day.day or (result.day < day.day and result.day == last_day)


def test_per_year_cadence_spreads_evenly():
    """Twice a year: due by 30 June and by 31 December."""
    dues = [d for _, d, _ in due_dates(Cadence(kind="per_year", per_year=2), *Y2025)]
    assert dues == [date(2025, 6, 30), date(2025, 12, 31)]


@given(st.integers(1, 12), st.integers(1990, 2090))
def test_per_year_windows_cover_each_year_exactly(per_year, year):
    """Every year, leap or not, has per_year windows that tile it, the last due on 31 December."""
    items = list(
        due_dates(
            Cadence(kind="per_year", per_year=per_year), date(year, 1, 1), date(year + 1, 1, 1)
        )
    )
    assert len(items) == per_year
    assert items[0][0] == date(year, 1, 1)
    assert items[-1][1] == date(year, 12, 31)
    for (_, due, _), (next_start, _, _) in itertools.pairwise(items):
        assert (next_start - due).days == 1


@given(
    st.integers(1, 12),
    st.dates(date(1990, 1, 1), date(2060, 1, 1)),
    st.integers(1, 1500),
    st.none() | st.dates(date(1980, 1, 1), date(2070, 1, 1)),
    st.none() | st.dates(date(1980, 1, 1), date(2070, 1, 1)),
)
def test_per_year_dates_are_the_same_for_everyone(per_year, start, days, hired, last):
    """A number of times a year falls due on the same days whenever someone was hired or last
    talked (planning works them out once per kind and gives them to everyone)."""
    cadence = Cadence(kind="per_year", per_year=per_year)
    end = start + timedelta(days=days)
    assert list(due_dates(cadence, start, end, hired_on=hired, last_conversation=last)) == list(
        due_dates(cadence, start, end)
    )


def _dues(cadence, start, end):
    return [due for _, due, _ in due_dates(cadence, start, end)]


@given(
    st.integers(1, 36),
    st.dates(date(1990, 1, 1), date(2060, 1, 1)),
    st.integers(1, 1500),
    st.integers(1, 1500),
)
def test_interval_series_does_not_depend_on_the_period_asked(every, start, first, second):
    """Planning two adjacent periods gives exactly the dates of planning both at once."""
    cadence = Cadence(kind="interval", every_months=every, anchor="03-15")
    middle = start + timedelta(days=first)
    end = middle + timedelta(days=second)
    assert _dues(cadence, start, middle) + _dues(cadence, middle, end) == _dues(cadence, start, end)


def test_two_yearly_interval_falls_in_even_years_whatever_the_period():
    """Every 24 months from 01-01: due in 2026 and 2028, never in 2025 or 2027."""
    cadence = Cadence(kind="interval", every_months=24)
    for year in range(2024, 2029):
        expected = [date(year, 1, 1)] if year % 2 == 0 else []
        assert _dues(cadence, date(year, 1, 1), date(year + 1, 1, 1)) == expected


def test_after_hire_cadence_counts_from_the_hire_date():
    """'Three months after hire, then yearly' from 31 October: 31 January, then clamped ends."""
    cadence = Cadence(kind="after_hire", first_after_months=3, every_months=12)
    dues = [
        d
        for _, d, _ in due_dates(
            cadence, date(2025, 1, 1), date(2027, 1, 1), hired_on=date(2024, 10, 31)
        )
    ]
    assert dues == [date(2025, 1, 31), date(2026, 1, 31)]


def small_org(**changes):
    people = [Person(id=p, hired_on=date(2020, 1, 1)) for p in ("e1", "e2", "m1", "m2", "boss")]
    teams = [Team(id="dept"), Team(id="t1", parent="dept"), Team(id="self", self_steering=True)]
    assignments = [
        Assignment(person="boss", team="dept", role="manager", start=date(2020, 1, 1)),
        Assignment(person="m1", team="t1", role="manager", start=date(2020, 1, 1)),
        Assignment(person="m2", team="dept", role="member", start=date(2020, 1, 1)),
        Assignment(person="e1", team="t1", role="member", start=date(2020, 1, 1)),
        Assignment(person="e2", team="self", role="member", start=date(2020, 1, 1)),
    ]
    return Organisation.build(id="o", people=people, teams=teams, assignments=assignments)


def test_manager_change_mid_period_moves_the_employee_to_the_new_manager():
    """Due 31 December after a change on 1 July: planned with the new manager, not lost."""
    org = small_org().change_manager("t1", "m2", date(2025, 7, 1))
    due = {d.person: d for d in plan(org, YEARLY, *Y2025)}
    assert due["e1"].manager == "m2"
    assert org.manager_of("e1", date(2025, 6, 30)) == "m1"
    assert [m for _, m in org.manager_history("e1")] == ["m1", "m2"]


def test_employee_manager_cycle_skips_people_without_a_manager():
    """Nobody is planned an employee–manager conversation without a manager (self-steering)."""
    due = {d.person for d in plan(small_org(), YEARLY, *Y2025)}
    assert due == {"e1", "m1", "m2"}  # boss has no manager; e2 is in a self-steering team


def test_peer_cycle_plans_self_steering_teams_and_team_evaluations():
    """The peer cycle plans peers in self-steering teams and one evaluation per team."""
    org = generate_organisation(people=200, teams=10, self_steering_share=0.2, seed=3)
    items = plan(org, PEERS, *Y2025)
    peer_people = {d.person for d in items if d.kind == "peer"}
    steering = {t.id for t in org.teams.values() if t.self_steering}
    assert peer_people
    assert all(org.team_of(p, date(2025, 3, 1)) in steering for p in peer_people)
    assert {d.team for d in items if d.kind == "team-evaluation"} >= steering
    assert all(d.manager is None for d in items)


def test_free_dialogue_only_prompts_after_a_quiet_period():
    """No obligation: one gentle prompt 180 days after the last conversation."""
    org = small_org()
    items = plan(org, DIALOGUE, *Y2025, last_conversations={"e1": date(2025, 2, 1)})
    e1 = [d for d in items if d.person == "e1"]
    assert len(e1) == 1
    assert e1[0].prompt_only
    assert e1[0].due == date(2025, 7, 31)


def test_a_quiet_period_counts_only_its_own_kinds_conversations():
    """With *last_of_kind*, a prompt moves with its own kind's conversations only: another
    kind's (a psychologist's, without the manager) gives its day away to no due list."""
    org = small_org()
    (kind,) = (k.id for k in DIALOGUE.kinds)
    other = plan(org, DIALOGUE, *Y2025, last_of_kind={"psychologist": {"e1": date(2025, 2, 1)}})
    own = plan(org, DIALOGUE, *Y2025, last_of_kind={kind: {"e1": date(2025, 2, 1)}})
    assert other == plan(org, DIALOGUE, *Y2025)
    assert [d.due for d in own if d.person == "e1"] == [date(2025, 7, 31)]


def test_three_definitions_load_and_plan_without_code_changes():
    """MAG-like, free dialogue and peer cycles all plan a year for one generated organisation."""
    org = generate_organisation(people=300, teams=20, seed=1)
    for cycle in (YEARLY, DIALOGUE, PEERS):
        items = plan(org, cycle, *Y2025)
        assert items, cycle.key
        assert items == plan(org, cycle, *Y2025)  # deterministic


def test_coverage_counts_people_due_and_lists_who_had_none():
    """Coverage: of the people due, who had a conversation held in the period."""
    org = small_org().change_manager("t1", "m2", date(2025, 7, 1))
    report = coverage(org, YEARLY, [("e1", date(2025, 3, 1)), ("m1", date(2024, 12, 1))], *Y2025)
    # m1 stopped managing t1 and has no team left, so only e1 and m2 were due.
    assert report.due == 2
    assert report.covered == 1
    assert [(u.person, u.manager) for u in report.uncovered] == [("m2", "boss")]
    assert report.rate == pytest.approx(1 / 2)


def test_leavers_and_late_hires_are_not_due():
    """Someone who left before the due date or is hired after it is not planned."""
    org = small_org()
    people = dict(org.people)
    people["e1"] = Person(id="e1", hired_on=date(2020, 1, 1), left_on=date(2025, 6, 1))
    org = Organisation(id="o", people=people, teams=org.teams, assignments=org.assignments)
    assert "e1" not in {d.person for d in plan(org, YEARLY, *Y2025)}


def test_empty_period_is_refused():
    """A period that ends before it starts is an error, not an empty plan."""
    with pytest.raises(ValueError, match="must end after it starts"):
        plan(small_org(), YEARLY, date(2025, 1, 1), date(2025, 1, 1))


def test_after_hire_series_stops_after_times():
    """Onboarding: one month and six months after hire, then never again (times=2)."""
    cadence = Cadence(kind="after_hire", first_after_months=1, every_months=5, times=2)
    dues = [
        d
        for _, d, _ in due_dates(
            cadence, date(2024, 1, 1), date(2030, 1, 1), hired_on=date(2024, 3, 15)
        )
    ]
    assert dues == [date(2024, 4, 15), date(2024, 9, 15)]
    long_ago = list(
        due_dates(cadence, date(2025, 1, 1), date(2026, 1, 1), hired_on=date(2010, 1, 1))
    )
    assert long_ago == []


def test_times_only_for_after_hire():
    """A limit on a yearly cadence has no meaning and is refused, naming the field."""
    from magcore import DefinitionError

    with pytest.raises(DefinitionError, match="only after_hire") as caught:
        Cadence(kind="per_year", per_year=1, times=3)
    assert caught.value.pointer == "/times"


def test_nobody_is_lost_while_a_managers_place_is_empty():
    """The manager leaves on 1 December, the next starts on 15 January: the employee due on
    31 December is still planned (with the last manager in the window) and counted as due."""
    org = small_org().change_manager("t1", None, date(2025, 12, 1))
    org = org.change_manager("t1", "m2", date(2026, 1, 15))
    due = {d.person: d for d in plan(org, YEARLY, *Y2025)}
    assert due["e1"].manager == "m1"
    assert due["e1"].due == date(2025, 12, 31)
    report = coverage(org, YEARLY, [], *Y2025)
    assert "e1" in {u.person for u in report.uncovered}


def test_a_team_that_never_had_a_manager_in_the_window_is_listed_without_one():
    """A managed team whose place is empty all window long: listed with manager None, never
    dropped; a self-steering team is simply not planned for employee–manager talks."""
    org = small_org().change_manager("t1", None, date(2024, 6, 1))
    due = {d.person: d for d in plan(org, YEARLY, *Y2025)}
    assert due["e1"].manager is None
    assert "e2" not in due  # e2 is in a self-steering team


ROOT = EXAMPLE_CYCLES.parents[2]
#: Organisations hired from mid-2024 and planned over 2024-2025: hires fall in the period.
HIRED_FROM = date(2024, 6, 1)
HIRES_PERIOD = (date(2024, 1, 1), date(2026, 1, 1))
#: Every example cycle, and one whose kinds start on a change in the organisation.
PLAN_CYCLES = (
    YEARLY,
    DIALOGUE,
    PEERS,
    CycleDefinition.from_file(
        ROOT / "plugins/magcore-midden-groningen/src/magcore_midden_groningen/cycle.json"
    ),
)


@given(
    seed=st.integers(0, 50),
    cycle=st.sampled_from(PLAN_CYCLES),
    picks=st.lists(st.integers(0, 79), max_size=12),
    extra=st.lists(st.sampled_from(["nobody", "p999999"]), max_size=2),
)
def test_planning_for_some_people_is_the_whole_plan_kept_for_them(seed, cycle, picks, extra):
    """``people=`` gives exactly the whole plan's conversations of those people, in the same
    order (unknown ids plan nothing), whatever the cycle's kinds: per person, per team, or
    started by a change in the organisation."""
    org = generate_organisation(people=80, teams=6, seed=seed, start=HIRED_FROM)
    ids = sorted(org.people)
    chosen = {ids[n % len(ids)] for n in picks} | set(extra)
    whole = plan(org, cycle, *HIRES_PERIOD)
    kept = tuple(d for d in whole if d.person in chosen)
    assert plan(org, cycle, *HIRES_PERIOD, people=chosen) == kept


def test_the_plans_compared_hold_every_sort_of_kind():
    """The property above is not empty: its organisations hire people in its period, so the
    change-started kinds (welcome, first month) are planned, and the team kinds too."""
    org = generate_organisation(people=80, teams=6, seed=3, start=HIRED_FROM)
    kinds = {d.kind for cycle in PLAN_CYCLES for d in plan(org, cycle, *HIRES_PERIOD)}
    assert {"welcome", "first-month", "team-evaluation", "yearly", "dialogue"} <= kinds
    welcomes = [d for d in plan(org, PLAN_CYCLES[3], *HIRES_PERIOD) if d.kind == "welcome"]
    newcomer = welcomes[0].person
    mine = plan(org, PLAN_CYCLES[3], *HIRES_PERIOD, people={newcomer})
    assert "welcome" in {d.kind for d in mine}
    assert {d.person for d in mine} == {newcomer}


def test_planning_for_nobody_plans_nothing():
    assert plan(generate_organisation(people=30, teams=3), YEARLY, *Y2025, people=()) == ()
