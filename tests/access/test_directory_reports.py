"""``Directory.from_organisation(...).reports_of`` answers from a per-day index: the same
people as asking every employee's manager, on every day, after changes of day too."""

from __future__ import annotations

from datetime import date, timedelta

from magcore.access.decision import Directory
from magcore.testing.orggen import generate_organisation


def _by_hand(org, person, day):
    return frozenset(p.id for p in org.employees(day) if org.manager_of(p.id, day) == person)


def test_reports_of_matches_asking_every_employee():
    org = generate_organisation(people=400, teams=20, seed=3, start=date(2024, 1, 1))
    directory = Directory.from_organisation(org)
    managers = sorted({a.person for a in org.assignments if a.role.value == "manager"})
    days = [date(2019, 6, 1) + timedelta(days=200 * i) for i in range(12)]
    for day in days * 2:  # every day twice: the index is built once, then reused
        for person in [*managers[:10], "p000050", "nobody"]:
            assert directory.reports_of(person, day) == _by_hand(org, person, day)
    assert any(directory.reports_of(m, days[-1]) for m in managers)
