"""A command refused to someone who does not take part tells them nothing of the conversation:
not its state, kind, people or the day it was held (attacker review s21)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from magcore.domain.conversation import (
    UNDISCLOSED,
    AddDissent,
    DraftRecord,
    Schedule,
    UpdateAgreement,
)
from magcore.errors import TransitionError

from ..access.mix_world import T0
from ..access.test_carried_origin import _agreed, _next, _service


@pytest.mark.parametrize(
    "command",
    [
        Schedule(actor="carla", on=T0 + timedelta(days=7)),
        AddDissent(actor="carla", text="x"),
        UpdateAgreement(actor="carla", agreement_id="a1", status="done"),
    ],
    ids=["schedule", "dissent", "update-agreement"],
)
def test_an_outsiders_command_is_refused_without_the_state(command: object) -> None:
    service = _service()
    conversation = _agreed(service, "yearly", "anna", "bram", "SECRET")
    with pytest.raises(TransitionError) as refused:
        service.execute(conversation, command)  # type: ignore[arg-type]
    message = str(refused.value)
    assert message.endswith("carla does not take part in this conversation.")
    assert refused.value.state == UNDISCLOSED
    for fact in ("agreed", "confirmed", "yearly", "anna", "bram", " while "):
        assert fact not in message
    assert refused.value.in_language("nl").endswith("carla doet niet mee aan dit gesprek.")
    service.close()


def test_an_outsider_recording_learns_neither_state_nor_the_day_it_was_held() -> None:
    service = _service()
    conversation = _agreed(service, "yearly", "anna", "bram", "SECRET")
    draft = DraftRecord(actor="carla", summary="x")
    with pytest.raises(TransitionError) as refused:
        service.record(conversation, draft, held_on=date(2025, 1, 1))
    message = str(refused.value)
    assert refused.value.state == UNDISCLOSED
    assert "2025-03-03" not in message
    assert message.endswith("carla does not take part in this conversation.")
    service.close()


def test_an_outsider_closing_a_carried_agreement_learns_nothing() -> None:
    service = _service()
    _agreed(service, "yearly", "anna", "bram", "SECRET")
    carrier = _next(service, "anna", "anna")
    command = UpdateAgreement(actor="carla", agreement_id="nothing#a1", status="done")
    with pytest.raises(TransitionError) as refused:
        service.execute(carrier, command)
    assert refused.value.state == UNDISCLOSED
    assert str(refused.value).endswith("carla does not take part in this conversation.")
    service.close()


def test_a_participant_still_hears_the_state() -> None:
    service = _service()
    conversation = _agreed(service, "yearly", "anna", "bram", "SECRET")
    with pytest.raises(TransitionError) as refused:
        service.execute(
            conversation, Schedule(actor="bram", on=datetime(2025, 4, 1, 9, tzinfo=T0.tzinfo))
        )
    assert refused.value.state == "agreed"
    service.close()
