"""The rules of an anonymous measurement: eligibility, tallying, and what may be shown."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from magcore.domain.measurement import (
    GroupTooSmallError,
    compare,
    decide_open,
    eligible,
    publish,
    tally,
)
from magcore.errors import RecordInvalidError
from magcore.model.measurement import Phase, Questionnaire, ReportGroup, Round, RoundState
from magcore.model.text import Text
from tests.support.measurement import DAY, QUESTIONNAIRE, T0, organisation

OPTIONS = QUESTIONNAIRE.option_ids
STATEMENTS = QUESTIONNAIRE.statement_ids
GROUPED = attrs.evolve(
    QUESTIONNAIRE,
    groups=[
        ReportGroup(id="up", text=Text(nl="Vaak", en="Often"), options=["often"]),
        ReportGroup(id="down", text=Text(nl="Minder", en="Less"), options=["rarely", "sometimes"]),
    ],
)


def _round(respondents: int | None, k: int = 5, q: Questionnaire = QUESTIONNAIRE) -> Round:
    return Round(
        id="r-1",
        series="s-1",
        organisation="org",
        unit="t1",
        phase=Phase.BASELINE,
        label="0-meting",
        questionnaire=q,
        k=k,
        eligible=20,
        opened_on=DAY.isoformat(),
        state=RoundState.CLOSED,
        respondents=respondents,
    )


def _open(eligible_people: int, k: int = 5) -> None:
    decide_open(
        round_id="r-1",
        series="s-1",
        organisation="org",
        unit="t1",
        below=False,
        phase="baseline",
        label="0-meting",
        questionnaire=QUESTIONNAIRE,
        k=k,
        eligible=eligible_people,
        on=DAY,
        at=T0,
        actor="hr",
    )


def test_eligibility_is_the_organisations_members_of_the_unit() -> None:
    """A team's members on the day; with below, the teams under it too; nobody twice."""
    org = organisation({"t1": 3, "t2": 4})
    assert eligible(org, "t1", DAY) == ("t1-p0", "t1-p1", "t1-p2")
    assert len(eligible(org, "dept", DAY, below=True)) == 7
    assert eligible(org, "dept", DAY) == ()


def test_people_who_left_do_not_count_towards_the_minimum_group_size() -> None:
    """A membership the file never ended does not make a leaver eligible: a team of three
    plus two who left is a team of three, and cannot open a round with k = 5."""
    org = organisation({"t1": 5})
    people = dict(org.people)
    for person in ("t1-p3", "t1-p4"):
        people[person] = attrs.evolve(people[person], left_on=DAY - timedelta(days=30))
    org = attrs.evolve(org, people=people)
    assert eligible(org, "t1", DAY) == ("t1-p0", "t1-p1", "t1-p2")
    assert eligible(org, "dept", DAY, below=True) == ("t1-p0", "t1-p1", "t1-p2")


@pytest.mark.parametrize(("people", "k"), [(0, 5), (4, 5), (6, 7)])
def test_a_unit_below_the_minimum_group_size_cannot_open(people: int, k: int) -> None:
    """Fewer people than k: refused, whatever else is said."""
    with pytest.raises(GroupTooSmallError, match=f"at least {k}"):
        _open(people, k)


def test_tally_keeps_the_questionnaires_order_and_refuses_unknowns() -> None:
    """The pairs come in questionnaire order, not answer order; bad answers name the field."""
    assert tally(QUESTIONNAIRE, {"share": "often", "help": "rarely"}) == (
        ("help", "rarely"),
        ("share", "often"),
    )
    with pytest.raises(RecordInvalidError) as caught:
        tally(QUESTIONNAIRE, {"help": "10", "salary": "often"})
    assert {p.pointer for p in caught.value.problems} == {"/help", "/salary"}


def test_fewer_than_k_respondents_show_nothing_at_all() -> None:
    """Not the counts, not even the number of respondents."""
    column = publish(_round(None), {"help": {"often": 4}}, 5)
    assert (column.respondents, column.cells, column.numbers()) == (None, (), ())


def test_a_small_category_goes_to_the_rest_and_a_small_rest_takes_the_smallest() -> None:
    """8 often, 3 sometimes, 1 rarely of 12: the rest (4) is below 5, so 'often' joins it."""
    counts = {"help": {"often": 8, "sometimes": 3, "rarely": 1}, "share": {"often": 7}}
    column = publish(_round(12), counts, 5)
    help_cell, share_cell = column.cells
    assert (help_cell.hidden, dict(help_cell.counts), help_cell.rest) == (True, {}, None)
    assert (dict(share_cell.counts), share_cell.rest) == ({"often": 7}, 5)


answer_sets = st.dictionaries(st.sampled_from(STATEMENTS), st.sampled_from(OPTIONS))


@given(
    st.lists(answer_sets, min_size=0, max_size=40),
    st.integers(min_value=5, max_value=9),
    st.booleans(),
)
def test_no_published_number_is_ever_below_k(
    ballots: list[dict[str, str]], k: int, grouped: bool
) -> None:
    """Property: every number a column shows is at least k, and a statement's shown numbers
    never exceed the respondents (so no hidden count can be worked out below k)."""
    q = GROUPED if grouped else QUESTIONNAIRE
    counts: dict[str, Counter[str]] = {}
    for ballot in ballots:
        for statement, option in tally(q, ballot):
            counts.setdefault(statement, Counter())[option] += 1
    respondents = len(ballots)
    current = _round(respondents if respondents >= k else None, k=k, q=q)
    column = publish(current, counts, k)
    assert all(n >= k for n in column.numbers())
    for cell in column.cells:
        if cell.hidden:
            assert (dict(cell.counts), cell.rest) == ({}, None)
            continue
        shown = sum(cell.counts.values()) + (cell.rest or 0)
        assert shown == respondents
        hidden_part = respondents - sum(cell.counts.values())
        assert hidden_part == 0 or hidden_part >= k


@given(st.lists(answer_sets, min_size=5, max_size=30), st.randoms(use_true_random=False))
def test_the_order_of_answers_changes_nothing(
    ballots: list[dict[str, str]], rnd: random.Random
) -> None:
    """Property: any order of the same answers gives the same comparison (no trace of order)."""
    shuffled = list(ballots)
    rnd.shuffle(shuffled)
    results = []
    for order in (ballots, shuffled):
        counts: dict[str, Counter[str]] = {}
        for ballot in order:
            for statement, option in tally(QUESTIONNAIRE, ballot):
                counts.setdefault(statement, Counter())[option] += 1
        results.append(compare([(_round(len(order)), counts)], k=5))
    assert results[0] == results[1]


def test_compare_uses_the_largest_minimum_group_size() -> None:
    """A round opened with k=7 keeps 7 even when the report asks for 5."""
    result = compare([(_round(10, k=7), {"help": {"often": 6, "rarely": 4}})], k=5)
    assert result.k == 7
    assert result.columns[0].cells[0].hidden
