"""A preparation published to named roles only (``PublishPreparation(to=...)``): the author's
choice, seen by those roles at once and by no other participant, ever."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

import magcore
from magcore import (
    CycleDefinition,
    MarkHeld,
    Participant,
    PublishPreparation,
    RequestConversation,
    SavePreparation,
    Schedule,
    TransitionError,
    apply,
    decide,
    visible_preparation,
)
from magcore.testing import approve_cycle

from ..conftest import EXAMPLE_CYCLES

CYCLE = CycleDefinition.from_file(EXAMPLE_CYCLES / "employee-manager.json")
NOW = datetime(2025, 3, 3, 9, tzinfo=UTC)


def _conversation() -> tuple[magcore.Service, str]:
    svc = magcore.open_service("memory://", clock=magcore.FixedClock(NOW))
    approve_cycle(svc, CYCLE)
    conv = svc.request(
        cycle=CYCLE,
        kind=CYCLE.kinds[0].id,
        participants=(Participant("emp", "employee"), Participant("mgr", "manager")),
        actor="emp",
    )
    svc.execute(conv.id, Schedule(actor="emp", on=datetime(2025, 3, 10, 10, tzinfo=UTC)))
    svc.execute(conv.id, SavePreparation(actor="emp", answers={}))
    return svc, conv.id


def test_a_role_not_in_the_conversation_is_refused_and_nothing_is_published() -> None:
    svc, conv = _conversation()
    with pytest.raises(TransitionError, match=r"to: nobody else .* 'coach'"):
        svc.execute(conv, PublishPreparation(actor="emp", to=("coach",)))
    with pytest.raises(TransitionError, match="'employee'"):
        svc.execute(conv, PublishPreparation(actor="emp", to=("employee",)))
    assert not svc._load(conv).preparations["emp"].published


def test_shown_to_a_role_it_is_seen_at_once_without_waiting_for_their_own() -> None:
    """Published to the manager: the manager sees it before publishing their own (the author
    chose to show it early); without ``to`` the blind-until-published rule holds."""
    svc, conv = _conversation()
    assert "emp" not in svc.view(conv, actor="mgr").preparations
    svc.execute(conv, PublishPreparation(actor="emp", to=("manager",)))
    assert svc._load(conv).preparations["emp"].shown_to == ("manager",)
    assert "emp" in svc.view(conv, actor="mgr").preparations
    assert "emp" in svc.view(conv, actor="emp").preparations


def test_the_choice_survives_a_replay_and_the_log_holds_only_roles(tmp_path) -> None:
    """Written to SQLite and read back after a restart: the roles stay, nothing else is added."""
    url = f"sqlite:///{tmp_path / 'm.db'}"
    svc = magcore.open_service(url, clock=magcore.FixedClock(NOW))
    approve_cycle(svc, CYCLE)
    conv = svc.request(
        cycle=CYCLE,
        kind=CYCLE.kinds[0].id,
        participants=(Participant("emp", "employee"), Participant("mgr", "manager")),
        actor="emp",
    )
    svc.execute(conv.id, SavePreparation(actor="emp", answers={}))
    svc.execute(conv.id, PublishPreparation(actor="emp", to=["manager"]))
    svc.execute(conv.id, MarkHeld(actor="mgr", on=NOW.date()))
    svc.close()
    again = magcore.open_service(url, clock=magcore.FixedClock(NOW))
    assert again._load(conv.id).preparations["emp"].shown_to == ("manager",)
    published = [e for e in again.store.read(f"conversation:{conv.id}") if "published" in e.type]
    assert [dict(e.data) for e in published] == [{"to": ("manager",)}]
    again.close()


THREE = CycleDefinition.from_json(
    {
        "id": "three-example",
        "version": 1,
        "name": {"nl": "Gesprek met z'n drieën", "en": "Three of us"},
        "themes": [{"id": "work", "title": {"nl": "Werk", "en": "Work"}}],
        "kinds": [
            {
                "id": "triangle",
                "name": {"nl": "Driegesprek", "en": "Triangle"},
                "pattern": "three_party",
                "cadence": {"kind": "free"},
                "initiators": ["employee"],
                "preparers": ["employee", "manager"],
                "themes": ["work"],
            }
        ],
    }
)
TRIO = {"mgr": "manager", "coach": "coach"}


@given(
    st.sets(st.sampled_from(sorted(set(TRIO.values()))), min_size=1),
    st.booleans(),
    st.booleans(),
)
def test_only_the_chosen_roles_ever_see_it(shown: set[str], manager_prepared: bool, held: bool):
    """Whatever roles the employee picks, whether the manager published their own and whether
    the conversation was held: a participant sees the employee's preparation if and only if
    their role was picked (the blind-until-published rule no longer decides for them)."""
    now = NOW
    conv = None
    commands = [
        RequestConversation(
            actor="emp",
            conversation_id="c1",
            cycle=THREE,
            kind="triangle",
            participants=(
                Participant("emp", "employee"),
                Participant("mgr", "manager"),
                Participant("coach", "coach"),
            ),
        ),
        SavePreparation(actor="emp", answers={}),
        PublishPreparation(actor="emp", to=sorted(shown)),
    ]
    if manager_prepared:
        commands += [SavePreparation(actor="mgr", answers={}), PublishPreparation(actor="mgr")]
    if held:
        commands.append(MarkHeld(actor="emp", on=NOW.date()))
    for command in commands:
        now += timedelta(minutes=5)
        for event in decide(conv, command, now=now):
            conv = apply(event, conv)
    assert conv is not None
    assert visible_preparation(conv, "emp", "emp") is not None
    for person, role in TRIO.items():
        assert (visible_preparation(conv, person, "emp") is not None) is (role in shown)
