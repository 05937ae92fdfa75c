"""Whoever starts a conversation names its people, so an open pool (``organisation``,
``other_team``: anyone employed) is only safe when the only one who may start the conversation
is the employee it is about. Otherwise a manager could name a team mate as "company doctor" into
a special-category record, or a facilitator anyone as a case colleague. Such a kind is refused
naming the kind and the party; a definition a store kept from before loads, but a request in
which anyone else fills an open pool is refused when it is decided. ``holds`` may not name the
built-in team roles ``member`` and ``manager``, which are no function of their own."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from magcore import CycleDefinition, DefinitionError
from magcore.domain.conversation import RequestConversation, decide
from magcore.errors import TransitionError
from magcore.model.cycle import Membership
from magcore.model.parties import Party, _kept_before_the_initiator_rule
from magcore.model.records import Participant

DOCTOR = {
    "id": "triangle",
    "version": 1,
    "name": {"nl": "Driehoek", "en": "Triangle"},
    "roles": [
        {
            "id": "company_doctor",
            "name": {"nl": "bedrijfsarts", "en": "company doctor"},
            "description": {"nl": "Een arts van de arbodienst.", "en": "An occupational doctor."},
        }
    ],
    "kinds": [
        {
            "id": "doctor-triangle",
            "name": {"nl": "Driehoek met de bedrijfsarts", "en": "Triangle with the doctor"},
            "parties": [
                {"role": "employee"},
                {"role": "manager"},
                {"role": "company_doctor", "membership": "organisation", "records": False},
            ],
            "cadence": {"kind": "free"},
            "initiators": ["employee", "manager"],
            "preparers": ["employee"],
            "special_category": True,
        }
    ],
}


def _doctor(initiators: list[str] | None = None, **party: object) -> dict:
    data = copy.deepcopy(DOCTOR)
    data["kinds"][0]["parties"][2].update(party)
    if initiators is not None:
        data["kinds"][0]["initiators"] = initiators
    return data


@pytest.mark.parametrize("membership", ["organisation", "other_team"])
def test_an_open_pool_someone_else_may_fill_is_refused_naming_kind_and_party(membership):
    with pytest.raises(DefinitionError) as refused:
        CycleDefinition.from_json(_doctor(membership=membership))
    message = str(refused.value)
    assert "kind doctor-triangle: party 'company_doctor'" in message
    assert "manager may start it" in message
    assert "holds_role" in message
    assert refused.value.pointer == "/kinds/0/parties/2/membership"


def test_a_role_holder_or_only_the_employee_picking_is_accepted():
    held = CycleDefinition.from_json(_doctor(membership="holds_role"))
    party = held.kind("doctor-triangle").party("company_doctor")
    assert (party.membership, party.holds) == (Membership.ROLE_HOLDER, "company_doctor")
    mine = CycleDefinition.from_json(_doctor(initiators=["employee"]))
    assert (
        mine.kind("doctor-triangle").party("company_doctor").membership is Membership.ORGANISATION
    )


def test_a_team_conversation_has_no_one_employee_to_pick_an_open_pool():
    data = copy.deepcopy(DOCTOR)
    data["kinds"][0]["parties"] = [
        {"role": "team_member", "min": 2, "max": None},
        {"role": "company_doctor", "membership": "other_team"},
    ]
    data["kinds"][0]["initiators"] = data["kinds"][0]["preparers"] = ["team_member"]
    del data["kinds"][0]["special_category"]
    with pytest.raises(DefinitionError, match="team conversation has no one employee") as refused:
        CycleDefinition.from_json(data)
    assert refused.value.pointer == "/kinds/0/parties/1/membership"


@pytest.mark.parametrize("role", ["manager", "member"])
def test_holds_a_built_in_team_role_is_refused_naming_the_field(role):
    with pytest.raises(DefinitionError, match=f"holding '{role}' lets any of them") as refused:
        CycleDefinition.from_json(_doctor(membership="holds_role", holds=role))
    assert refused.value.pointer == "/kinds/0/parties/2/holds"
    with pytest.raises(DefinitionError):
        Party(role="company_doctor", membership=Membership.ROLE_HOLDER, holds=role)


def test_holds_coach_is_a_function_some_people_hold():
    """Like coach_pool: only the people the organisation made coaches, never everyone."""
    party = Party(role="company_doctor", membership=Membership.ROLE_HOLDER, holds="coach")
    assert party.holds == "coach"


def _request(cycle: CycleDefinition, actor: str, *people: Participant) -> RequestConversation:
    return RequestConversation(
        actor=actor, conversation_id="c1", cycle=cycle, kind="doctor-triangle", participants=people
    )


def test_a_kept_definition_loads_but_only_the_employee_may_fill_its_open_pool():
    with _kept_before_the_initiator_rule():  # as a store kept it before the rule
        kept = CycleDefinition.from_json(DOCTOR)
    with pytest.raises(DefinitionError):
        CycleDefinition.from_json(DOCTOR)  # outside the store's loading: refused
    people = (
        Participant("e1", "employee"),
        Participant("m1", "manager"),
        Participant("e2", "company_doctor"),  # a team mate
    )
    now = datetime(2025, 6, 2, 9, tzinfo=UTC)
    with pytest.raises(
        TransitionError, match="'company_doctor' of a doctor-triangle conversation may not be"
    ):
        decide(None, _request(kept, "m1", *people), now=now)
    assert decide(None, _request(kept, "e1", *people), now=now)
