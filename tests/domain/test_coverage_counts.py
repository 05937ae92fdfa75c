"""Coverage counts every conversation due: twice a year due, once held, is not covered."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from magcore import CycleDefinition, coverage, plan
from magcore.testing import generate_organisation

from ..conftest import EXAMPLE_CYCLES

PEERS = CycleDefinition.from_file(EXAMPLE_CYCLES / "peer-team.json")
YEAR = (date(2025, 1, 1), date(2026, 1, 1))
ORG = generate_organisation(people=16, teams=2, seed=8, self_steering_share=1.0)
DUE = [d for d in plan(ORG, PEERS, *YEAR) if d.person is not None and not d.prompt_only]
PEOPLE = sorted({d.person for d in DUE if d.person is not None})
DAYS = [date(2025, m, 15) for m in range(1, 13)]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(PEOPLE), st.sampled_from(DAYS)), max_size=60))
def test_a_person_is_covered_exactly_when_as_many_were_held_as_were_due(held):
    """Covered iff held ≥ due per person; the missing count and the totals add up."""
    report = coverage(ORG, PEERS, held, *YEAR)
    due_of = {p: sum(1 for d in DUE if d.person == p) for p in PEOPLE}
    held_of = {p: sum(1 for who, _ in held if who == p) for p in PEOPLE}
    uncovered = {u.person: u.missing for u in report.uncovered}
    for person in PEOPLE:
        if held_of[person] >= due_of[person]:
            assert person not in uncovered
        else:
            assert uncovered[person] == due_of[person] - held_of[person]
    assert report.due == len(PEOPLE)
    assert report.conversations_due == 2 * len(PEOPLE)  # every six months
    assert report.covered == len(PEOPLE) - len(uncovered)
    assert report.conversations_due == sum(due_of.values())
    assert report.conversations_held == sum(min(due_of[p], held_of[p]) for p in PEOPLE)
    assert report.conversations_held <= report.conversations_due
