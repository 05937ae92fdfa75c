"""No two measurement rounds can be subtracted to show the answers of fewer than k people.

A department measured with its teams and one of those teams measured alone differ by the other
teams: when those are fewer than k people, subtracting the two reports gives their answers.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

import magcore
from magcore import FixedClock
from magcore.app import measurement
from magcore.domain.measurement import OverlappingRoundError, stream_of
from magcore.model.organisation import Assignment, Organisation, Person, Role, Team
from magcore.storage.ballots import BallotBoxes
from tests.support.measurement import QUESTIONNAIRE, service


@pytest.fixture(params=["memory", "sqlite"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return "memory://" if request.param == "memory" else f"sqlite:///{tmp_path / 'm.db'}"


def _open(svc: magcore.Service, series: str, unit: str, **kwargs: object):  # type: ignore[no-untyped-def]
    return measurement.open_round(
        svc,
        series=series,
        unit=unit,
        phase="baseline",
        questionnaire=QUESTIONNAIRE,
        actor="hr",
        round_id=f"{series}-r",
        **kwargs,
    )


def _answer_and_close(svc: magcore.Service, opened: measurement.OpenedRound) -> None:
    for handout in opened.handouts:
        measurement.answer(svc, opened.round.id, handout.token, {"help": "rarely"})
    measurement.close_round(svc, opened.round.id, actor="hr")


def _nothing_of(svc: magcore.Service, round_id: str) -> None:
    assert not svc.store.read(stream_of(round_id))
    boxes = svc.store
    assert isinstance(boxes, BallotBoxes)
    assert boxes.ballot_state(round_id) is None


def test_a_department_and_its_big_team_cannot_both_be_measured(url: str) -> None:
    """Department = T1 (10) + T2 (2): a round over the department and one over T1 alone would
    give T2's two answers by subtraction; the second is refused, whichever opens first, and
    also after the first has closed."""
    svc = service(url, {"t1": 10, "t2": 2})
    dept = _open(svc, "dept-2026", "dept", below=True)
    with pytest.raises(OverlappingRoundError) as raised:
        _open(svc, "t1-2026", "t1")
    error = raised.value
    assert (error.round_id, error.other, error.other_series) == (
        "t1-2026-r",
        dept.round.id,
        "dept-2026",
    )
    assert (error.common, error.apart, error.k) == (10, 2, 5)
    assert "round dept-2026-r of series dept-2026" in str(error)
    assert "2 people are in one of the two and not the other" in str(error)
    _nothing_of(svc, "t1-2026-r")
    _answer_and_close(svc, dept)
    with pytest.raises(OverlappingRoundError, match="dept-2026-r"):
        _open(svc, "t1-2026", "t1")
    _nothing_of(svc, "t1-2026-r")
    svc.close()


def test_the_team_first_then_the_department_is_refused_too(url: str) -> None:
    svc = service(url, {"t1": 10, "t2": 2})
    team = _open(svc, "t1-2026", "t1")
    with pytest.raises(OverlappingRoundError) as raised:
        _open(svc, "dept-2026", "dept", below=True)
    assert raised.value.other == team.round.id
    _nothing_of(svc, "dept-2026-r")
    svc.close()


def test_rounds_that_differ_by_k_people_or_by_nobody_may_both_open(url: str) -> None:
    """T2 of 5 is a group in its own right (dept - T1 = 5 >= k); the same team twice in two
    series (nobody apart), two separate teams (nobody in common) and a round whose counts were
    discarded (fewer than k answered: nothing to subtract) do not conflict."""
    svc = service(url, {"t1": 10, "t2": 5, "t3": 6})
    _open(svc, "dept-2026", "dept", below=True)
    _open(svc, "t1-2026", "t1")
    _open(svc, "t1-other", "t1")
    _open(svc, "t3-2026", "t3")
    assert len(measurement.rounds(svc)) == 4
    svc.close()


def test_a_round_closed_without_counts_is_nothing_to_subtract(url: str) -> None:
    svc = service(url, {"t1": 10, "t2": 2})
    dept = _open(svc, "dept-2026", "dept", below=True)
    measurement.answer(svc, dept.round.id, dept.handouts[0].token, {"help": "often"})
    assert measurement.close_round(svc, dept.round.id, actor="hr").respondents is None
    _open(svc, "t1-2026", "t1")
    svc.close()


def test_an_open_round_of_the_same_series_counts_a_closed_one_does_not(url: str) -> None:
    """A follow-up opened while the baseline is still open, over a unit that lost a person, would
    give that person's answer by subtraction; once the baseline is closed, measuring the unit
    again is what a series is for."""
    svc = service(url, {"t1": 6})
    base = _open(svc, "s", "t1")
    org = svc.organisation("org")
    moved = Organisation(
        id=org.id,
        name=org.name,
        people=org.people,
        teams=org.teams,
        assignments=[
            Assignment(
                person=a.person,
                team=a.team,
                role=a.role,
                start=a.start,
                end=date(2026, 1, 9) if a.person == "t1-p0" else None,
            )
            for a in org.assignments
        ],
    )
    svc.import_organisation(moved, actor="hr")
    clock = svc.clock
    assert isinstance(clock, FixedClock)
    clock.set(datetime(2026, 1, 12, 9, tzinfo=UTC))

    def follow_up() -> measurement.OpenedRound:
        return measurement.open_round(
            svc, series="s", unit="t1", phase="follow_up", questionnaire=QUESTIONNAIRE,
            actor="hr", round_id="s-follow",
        )  # fmt: skip

    with pytest.raises(OverlappingRoundError, match="1 person is in one") as raised:
        follow_up()
    assert raised.value.other == base.round.id
    _nothing_of(svc, "s-follow")
    _answer_and_close(svc, base)
    assert follow_up().round.eligible == 5
    svc.close()


def _mover_org() -> Organisation:
    """T1 of 10 and T2 of 2 on 5 January; five people join T2 on 1 February."""
    t1 = [f"a{n}" for n in range(10)]
    t2 = ["x1", "x2"]
    late = [f"n{n}" for n in range(5)]
    assignments = [
        Assignment(person=p, team="t1", role=Role.MEMBER, start=date(2025, 1, 1)) for p in t1
    ]
    assignments += [
        Assignment(person=p, team="t2", role=Role.MEMBER, start=date(2025, 1, 1)) for p in t2
    ]
    assignments += [
        Assignment(person=p, team="t2", role=Role.MEMBER, start=date(2026, 2, 1)) for p in late
    ]
    return Organisation(
        id="org",
        people={p: Person(id=p) for p in t1 + t2 + late},
        teams={
            "dept": Team(id="dept"),
            "t1": Team(id="t1", parent="dept"),
            "t2": Team(id="t2", parent="dept"),
        },
        assignments=assignments,
    )


def test_each_rounds_people_are_those_of_the_day_it_opened(url: str) -> None:
    """The department round of 5 January had T1 and the two of T2; a T1 round in February is
    refused, although T2 has grown to seven since: the department's report still holds the
    answers of the two."""
    clock = FixedClock(datetime(2026, 1, 5, 9, tzinfo=UTC))
    svc = magcore.open_service(url, clock=clock, organisation="org", dispatch="off")
    svc.import_organisation(_mover_org(), actor="hr")
    dept = _open(svc, "dept-2026", "dept", below=True)
    assert dept.round.eligible == 12
    _answer_and_close(svc, dept)
    clock.set(datetime(2026, 2, 9, 9, tzinfo=UTC))
    with pytest.raises(OverlappingRoundError) as raised:
        _open(svc, "t1-2026", "t1")
    assert (raised.value.common, raised.value.apart) == (10, 2)
    svc.close()
