"""Participation statistics: nothing below k, and nothing recoverable by subtraction."""

from __future__ import annotations

import random
from collections import defaultdict

import pytest

from magcore.access.statistics import ALL, ParticipationFact, participation_report

K = 5
QUARTERS = ("2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4")


def generated_organisation(size: int = 18_000, seed: int = 2023):
    """Teams of 1-40 people in ~55 departments; about 80% hold a conversation in a year."""
    rng = random.Random(seed)
    teams: dict[str, str] = {}
    members: dict[str, list[str]] = {}
    person = 0
    while person < size:
        team = f"t{len(teams)}"
        teams[team] = f"d{len(teams) % 55}"
        count = min(size - person, rng.choice((1, 2, 3, 4, 6, 9, 14, 16, 18, 22, 30, 40)))
        members[team] = [f"p{person + i}" for i in range(count)]
        person += count
    facts = []
    for team, people in members.items():
        for who in people:
            if rng.random() < 0.8:
                for _ in range(rng.choice((1, 1, 1, 2))):
                    facts.append(
                        ParticipationFact(
                            conversation=f"c{len(facts)}",
                            people={who},
                            team=team,
                            department=teams[team],
                            period=rng.choice(QUARTERS),
                            agreements=rng.randint(0, 4),
                        )
                    )
    return teams, facts


@pytest.fixture(scope="module")
def big():
    teams, facts = generated_organisation()
    return teams, facts, participation_report(facts, k=K, teams=teams, periods=QUARTERS)


def test_no_published_cell_concerns_fewer_than_k_people(big):
    """Recount the people behind every published cell from the facts: never below k."""
    _teams, facts, report = big
    people = defaultdict(set)
    for fact in facts:
        for unit in (fact.team, fact.department, ALL):
            for period in (fact.period, ALL):
                people[(unit, period)] |= fact.people
    published = [c for c in report.cells if not c.suppressed]
    assert published, "a report that hides everything says nothing"
    assert any(c.suppressed for c in report.cells)
    for cell in published:
        assert len(people[(cell.unit, cell.period)]) >= K, cell
    for cell in report.cells:
        if cell.suppressed:
            assert cell.conversations is None
            assert cell.agreements is None


def test_no_suppressed_cell_is_recoverable_by_subtraction(big):
    """For every published total, subtract its published parts; if exactly one part is
    suppressed, that subtraction would recover it. Try every total in every dimension."""
    teams, _facts, report = big
    cells = {(c.unit, c.period): c for c in report.cells}
    departments = defaultdict(list)
    for team, department in teams.items():
        departments[department].append(team)
    relations = []
    for period in (*QUARTERS, ALL):
        for department, members in departments.items():
            relations.append(((department, period), [(t, period) for t in members]))
        relations.append(((ALL, period), [(d, period) for d in departments]))
    for unit in [*teams, *departments, ALL]:
        relations.append(((unit, ALL), [(unit, p) for p in QUARTERS]))
    tried = 0
    for total, parts in relations:
        hidden = [p for p in parts if cells[p].suppressed]
        if not cells[total].suppressed:
            for measure in ("conversations", "agreements"):
                rest = getattr(cells[total], measure) - sum(
                    getattr(cells[p], measure) for p in parts if not cells[p].suppressed
                )
                tried += 1
                if not hidden:
                    assert rest == 0  # published parts add up to their total
                else:
                    assert len(hidden) >= 2, (total, hidden, rest)
        elif hidden == []:
            raise AssertionError(f"suppressed total {total} is the sum of published parts")
    assert tried > 2_000


def test_published_numbers_are_true_counts(big):
    """The organisation total over all periods counts every conversation and agreement."""
    _teams, facts, report = big
    total = report.cell(ALL, ALL)
    assert not total.suppressed
    assert total.conversations == len(facts)
    assert total.agreements == sum(f.agreements for f in facts)


def test_complementary_suppression_in_a_small_table():
    """A department with one small team and one big one: hiding the small team alone would
    let anyone subtract it from the department total, so the big team is hidden too."""
    facts = [
        ParticipationFact(
            conversation=f"s{i}", people={f"s{i}"}, team="small", department="d", period="2025-Q1"
        )
        for i in range(2)
    ] + [
        ParticipationFact(
            conversation=f"b{i}", people={f"b{i}"}, team="big", department="d", period="2025-Q1"
        )
        for i in range(20)
    ]
    report = participation_report(facts, k=K)
    assert report.cell("small", "2025-Q1").suppressed
    assert report.cell("big", "2025-Q1").suppressed
    assert report.cell("d", "2025-Q1").conversations == 22


def test_k_must_be_positive():
    """k below 1 is refused with a clear message."""
    with pytest.raises(ValueError, match="k must be"):
        participation_report([], k=0)
