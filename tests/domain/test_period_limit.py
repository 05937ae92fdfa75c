"""A plan, a coverage check and a participation report span at most 50 years."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from magcore import CycleDefinition, coverage, plan
from magcore.access.statistics_report import participation_report
from magcore.errors import InputRefused
from magcore.model.input_policy import MAX_PERIOD_DAYS, period_problem
from magcore.storage.memory import MemoryStore
from magcore.testing import generate_organisation

from ..conftest import EXAMPLE_CYCLES

YEARLY = CycleDefinition.from_file(EXAMPLE_CYCLES / "employee-manager.json")
ORG = generate_organisation(people=40, teams=4, seed=3)
LONG = (date(1900, 1, 1), date(9000, 12, 31))


def test_the_limit_is_fifty_years_to_the_day():
    start = date(2025, 1, 1)
    assert period_problem(start, date(2075, 1, 1)) is None
    assert (date(2075, 1, 1) - start).days <= MAX_PERIOD_DAYS
    problem = period_problem(*LONG)
    assert problem is not None
    assert problem.pointer == "/end"
    assert problem.keyword == "maxPeriod"


def test_plan_and_coverage_refuse_a_longer_period_before_planning():
    for call in (lambda: plan(ORG, YEARLY, *LONG), lambda: coverage(ORG, YEARLY, [], *LONG)):
        with pytest.raises(InputRefused) as caught:
            call()
        assert [p.pointer for p in caught.value.problems] == ["/end"]
    assert plan(ORG, YEARLY, date(2025, 1, 1), date(2075, 1, 1))


def test_a_report_over_a_longer_period_is_refused_and_writes_nothing():
    store = MemoryStore()
    with pytest.raises(InputRefused):
        participation_report(
            store,
            ORG,
            start=date(1900, 1, 1),
            end=date(9000, 1, 1),
            grain="year",
            asker="researcher",
            at=datetime(2026, 1, 1, tzinfo=UTC),
        )
    assert list(store.read_audit()) == []
