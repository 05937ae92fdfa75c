"""A carried agreement is closed from the conversation it was carried into only in a team
conversation of the same team, and only when it is the team's."""

from __future__ import annotations

import pytest

from magcore import ConfirmRecord, DraftRecord, TransitionError, UpdateAgreement
from magcore.model.records import Agreement, Participant

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
