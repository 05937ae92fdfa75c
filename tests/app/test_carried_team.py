"""A carried agreement is closed from the conversation it was carried into only in a team
conversation of the same team, and only when it is the team's."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from magcore import (
    ConfirmRecord,
    CycleDefinition,
    DraftRecord,
    FixedClock,
    MarkHeld,
    TransitionError,
    UpdateAgreement,
    open_service,
)
from magcore.model.records import Agreement, Participant
from magcore.testing import approve_cycle, generate_organisation

from ..conftest import EXAMPLE_CYCLES
from .test_goal_links import _held, _service


def test_a_personal_carried_agreement_is_not_closed_from_the_next_conversation() -> None:
    """In a conversation about one employee, a carried agreement is closed where it was made
    (by its owner), not through the next conversation."""
    svc, person, manager = _service()
    first = _held(svc, person, manager)
    mine = Agreement(id="a1", text="Cursus zoeken", owner="employee")
    drafted = svc.execute(first, DraftRecord(actor=person, agreements=[mine]))
    for who in (person, manager):
        svc.execute(first, ConfirmRecord(actor=who, revision=drafted.revision))
    second = svc.request(
        cycle="linked",
        kind="talk",
        participants=[Participant(person, "employee"), Participant(manager, "manager")],
        actor=person,
    )
    assert [a.id for a in second.carried_forward] == [f"{first}#a1"]
    with pytest.raises(TransitionError, match="only a team conversation"):
        svc.execute(
            second.id, UpdateAgreement(actor=person, agreement_id=f"{first}#a1", status="done")
        )
    with pytest.raises(TransitionError, match="was carried into this conversation"):
        svc.execute(
            second.id, UpdateAgreement(actor=person, agreement_id="other#a1", status="done")
        )
    svc.execute(first, UpdateAgreement(actor=person, agreement_id="a1", status="done"))
    assert {a.status.value for a in svc.view(first, actor=person).agreements} == {"done"}


def _team_service() -> tuple[Any, Any, str, str]:
    """A team evaluation in March with a team agreement, a member who joined in June, and the
    next evaluation in September that the agreement was carried into."""
    cycle = CycleDefinition.from_file(EXAMPLE_CYCLES / "peer-team.json")
    org = generate_organisation(people=16, teams=2, seed=6, self_steering_share=1.0)
    newcomer = org.members("t0001", date(2025, 3, 3))[0]
    org = org.move_person(newcomer, "t0000", date(2025, 6, 1))
    clock = FixedClock(datetime(2025, 3, 3, 9, tzinfo=UTC))
    svc = open_service("memory://", clock=clock, organisation=org.id)
    svc.add_cycle(cycle)
    svc.import_organisation(org, actor="hr")
    approve_cycle(svc, cycle)

    def held(day: date) -> str:
        members = org.members("t0000", day)
        conv = svc.request(
            cycle=cycle,
            kind="team-evaluation",
            participants=[Participant(m, "team_member") for m in members],
            actor=members[0],
            team="t0000",
        )
        svc.execute(conv.id, MarkHeld(actor=members[0], on=day))
        return str(conv.id)

    first = held(date(2025, 3, 3))
    spring = org.members("t0000", date(2025, 3, 3))
    ours = Agreement(id="t1", text="Overdracht op vrijdag", owner="team")
    drafted = svc.execute(first, DraftRecord(actor=spring[0], agreements=[ours]))
    for who in spring:
        svc.execute(first, ConfirmRecord(actor=who, revision=drafted.revision))
    clock.set(datetime(2025, 9, 1, 9, tzinfo=UTC))
    second = held(date(2025, 9, 1))
    return svc, org, first, second


TEAM = _team_service()


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(sorted(TEAM[1].people)), st.sampled_from(["done", "dropped"]))
def test_exactly_the_people_taking_part_close_a_carried_team_agreement(
    person: str, status: str
) -> None:
    """Whoever is asked: the team's carried agreement is closed from the later team
    conversation if and only if they take part in it (joined late or not); the status lands
    where it was agreed, and whoever may close it also sees it there."""
    svc, _org, first, second = TEAM
    taking_part = set(svc._load(second).people)
    carried = f"{first}#t1"
    seen = [a.id for a in svc.view(second, actor=person).carried_forward]
    if person in taking_part:
        assert seen == [carried]
        svc.execute(second, UpdateAgreement(actor=person, agreement_id=carried, status=status))
        assert {a.status.value for a in svc._load(first).agreements} == {status}
    else:
        assert seen == []
        before = svc.store.version(f"conversation:{first}")
        with pytest.raises(TransitionError):
            svc.execute(second, UpdateAgreement(actor=person, agreement_id=carried, status=status))
        assert svc.store.version(f"conversation:{first}") == before
