"""Parties as data: roles, how many, required or optional, membership, two-sided confirmation."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from magcore import CycleDefinition, DefinitionError
from magcore.model.cycle import Membership, ParticipantRole, Pattern
from magcore.model.parties import parties_for_pattern

ROOT = Path(__file__).resolve().parents[2]

CAREER = {
    "id": "career",
    "version": 1,
    "name": {"nl": "Loopbaan", "en": "Career"},
    "roles": [
        {
            "id": "career_coach",
            "name": {"nl": "loopbaancoach", "en": "career coach"},
            "description": {
                "nl": "Helpt je na te denken over je loopbaan.",
                "en": "Helps you think about your career.",
            },
        }
    ],
    "kinds": [
        {
            "id": "career",
            "name": {"nl": "Loopbaangesprek", "en": "Career conversation"},
            "parties": [
                {"role": "employee"},
                {"role": "career_coach", "membership": "coach_pool"},
                {"role": "manager", "required": False},
            ],
            "cadence": {"kind": "after_hire", "first_after_months": 36, "every_months": 36},
            "initiators": ["employee", "career_coach"],
            "preparers": ["employee"],
        }
    ],
}


def _career(**changes: object) -> dict:
    data = copy.deepcopy(CAREER)
    data["kinds"][0].update(changes)
    return data


def test_a_kind_given_by_its_parties_loads_and_round_trips():
    cycle = CycleDefinition.from_json(CAREER)
    kind = cycle.kind("career")
    assert kind.pattern is None
    assert kind.roles == ("employee", "career_coach", "manager")
    assert kind.required_roles == ("employee", "career_coach")
    assert kind.party("career_coach").membership is Membership.COACH_POOL
    assert kind.party("manager").membership is Membership.MANAGER_OF_EMPLOYEE
    assert kind.with_manager
    assert not kind.needs_manager
    assert kind.shape == "parties"
    assert cycle.role("career_coach").name.en == "career coach"
    again = CycleDefinition.from_json(cycle.to_json())
    assert again == cycle
    assert again.fingerprint() == cycle.fingerprint()


def test_what_a_kind_says_of_its_parties_follows_a_changed_copy():
    """The role lists a kind works out once (they are asked per request) are its own: a copy
    with other parties says what its parties say, and the kind it was made from is unchanged."""
    import attrs

    kind = CycleDefinition.from_json(CAREER).kind("career")
    assert kind.roles == ("employee", "career_coach", "manager")  # worked out, then kept
    assert kind.with_manager
    pair = attrs.evolve(kind, parties=parties_for_pattern(Pattern.EMPLOYEE_MANAGER))
    assert pair.roles == ("employee", "manager")
    assert pair.required_roles == ("employee", "manager")
    assert pair.needs_manager
    assert pair.shape == "employee_manager"
    assert not pair.is_team
    team = attrs.evolve(kind, parties=parties_for_pattern(Pattern.TEAM))
    assert team.is_team
    assert not team.with_manager
    assert kind.roles == ("employee", "career_coach", "manager")
    assert kind.shape == "parties"
    assert kind == CycleDefinition.from_json(CAREER).kind("career")  # equal, cache or not


@pytest.mark.parametrize("path", sorted((ROOT / "docs" / "examples" / "cycles").glob("*.json")))
def test_an_old_pattern_is_its_party_list_and_writes_back_unchanged(path):
    """Existing definitions keep their JSON (and so their fingerprint): no parties written."""
    data = json.loads(path.read_text(encoding="utf-8"))
    cycle = CycleDefinition.from_json(data)
    written = cycle.to_json()
    for kind, raw, out in zip(cycle.kinds, data["kinds"], written["kinds"], strict=True):
        assert kind.parties == parties_for_pattern(Pattern(raw["pattern"]))
        assert "parties" not in out
        assert out["pattern"] == raw["pattern"]
        assert set(out["cadence"]) <= {
            "kind", "per_year", "every_months", "first_after_months", "anchor", "quiet_days",
            "month_end", "times",
        }  # fmt: skip


def test_the_old_patterns_are_the_parties_they_stood_for():
    roles = {p: tuple(x.role for x in parties_for_pattern(p)) for p in Pattern}
    assert roles[Pattern.EMPLOYEE_MANAGER] == ("employee", "manager")
    assert roles[Pattern.PEER] == ("employee", "peer")
    assert roles[Pattern.THREE_PARTY] == ("employee", "manager", "coach")
    (team,) = parties_for_pattern(Pattern.TEAM)
    assert (team.role, team.min, team.max, team.membership) == (
        ParticipantRole.TEAM_MEMBER,
        2,
        None,
        Membership.TEAM,
    )


@pytest.mark.parametrize(
    ("change", "pointer", "words"),
    [
        (
            {"parties": [{"role": "employee"}, {"role": "alderman"}]},
            "/kinds/0/parties/1/role",
            "neither built in nor registered",
        ),
        (
            {"parties": [{"role": "employee"}, {"role": "manager", "required": False}]},
            "/kinds/0/parties",
            "one side",
        ),
        (
            {"parties": [{"role": "career_coach"}, {"role": "manager"}]},
            "/kinds/0/parties",
            "subject",
        ),
        (
            {"parties": [{"role": "employee"}, {"role": "manager", "max": 3}]},
            "/kinds/0/parties/1/max",
            "exactly one person",
        ),
        (
            {"parties": [{"role": "employee"}, {"role": "career_coach", "confirms": False}]},
            "/kinds/0/parties/1/confirms",
            "two-sided",
        ),
        (
            {"parties": [{"role": "employee"}, {"role": "career_coach", "min": 0}]},
            "/kinds/0/parties/1/min",
            "optional",
        ),
        (
            {"parties": [{"role": "employee"}, {"role": "peer", "membership": "friends"}]},
            "/kinds/0/parties/1/membership",
            "friends",
        ),
        ({"pattern": "peer"}, "/kinds/0/pattern", "not both"),
        ({"initiators": ["employee", "facilitator"]}, "/kinds/0/initiators", "does not take"),
        ({"preparers": ["Employee"]}, "/kinds/0/preparers", "does not take part"),
        (
            {"parties": [{"role": "employee"}, {"role": "Coach"}]},
            "/kinds/0/parties/1/role",
            "lower-case",
        ),
    ],
)
def test_bad_parties_are_refused_naming_the_field(change, pointer, words):
    with pytest.raises(DefinitionError, match=words) as caught:
        CycleDefinition.from_json(_career(**change), source="town.json")
    assert caught.value.pointer == pointer


def test_a_registered_role_cannot_shadow_a_built_in_one():
    data = copy.deepcopy(CAREER)
    data["roles"].append({"id": "manager", "name": "x", "description": "y"})
    with pytest.raises(DefinitionError, match="built in") as caught:
        CycleDefinition.from_json(data)
    assert caught.value.pointer.startswith("/roles/1")


def test_a_manager_that_is_required_cannot_serve_self_steering_teams_but_an_optional_one_can():
    data = _career(applies_to="self_steering")
    assert CycleDefinition.from_json(data).kind("career").applies_to.value == "self_steering"
    required = _career(
        applies_to="self_steering",
        parties=[
            {"role": "employee"},
            {"role": "career_coach", "membership": "coach_pool"},
            {"role": "manager"},
        ],
    )
    with pytest.raises(DefinitionError, match="optional party"):
        CycleDefinition.from_json(required)


def test_an_event_started_kind_needs_its_event_and_window():
    exit_kind = {
        "id": "exit",
        "name": {"nl": "Exitgesprek", "en": "Exit conversation"},
        "pattern": "employee_manager",
        "cadence": {"kind": "on_event", "event": "left", "delay_days": -21, "window_days": 21},
        "initiators": ["manager"],
        "preparers": ["employee"],
    }
    data = copy.deepcopy(CAREER)
    data["kinds"].append(exit_kind)
    cycle = CycleDefinition.from_json(data)
    cadence = cycle.kind("exit").cadence
    assert (cadence.event.value, cadence.delay_days, cadence.window_days) == ("left", -21, 21)
    assert CycleDefinition.from_json(cycle.to_json()) == cycle
    for broken, pointer in (
        ({"kind": "on_event", "window_days": 21}, "/event"),
        ({"kind": "on_event", "event": "left"}, "/window_days"),
        ({"kind": "on_event", "event": "retired", "window_days": 21}, "/event"),
        ({"kind": "on_event", "event": "left", "window_days": 999}, "/window_days"),
        ({"kind": "per_year", "per_year": 1, "event": "left"}, "/event"),
    ):
        exit_kind["cadence"] = broken
        with pytest.raises(DefinitionError) as caught:
            CycleDefinition.from_json(data)
        assert caught.value.pointer.endswith(pointer), (broken, caught.value.pointer)


def test_a_bad_role_id_is_named_at_the_roles_own_id_field():
    """A registered role's bad id is named at /roles/0/id (the field it is in), not at a
    /roles/0/role that the definition does not have."""
    data = copy.deepcopy(CAREER)
    data["roles"][0]["id"] = "Career-Coach"
    with pytest.raises(DefinitionError) as caught:
        CycleDefinition.from_json(data)
    assert caught.value.pointer == "/roles/0/id"
    assert "/roles/0/role" not in str(caught.value)


@pytest.mark.parametrize(
    ("missing", "words"),
    [("en", "the English text ('en') is missing"), ("nl", "the Dutch text ('nl') is missing")],
)
def test_a_kind_name_without_a_language_names_the_language(missing, words):
    """A kind's name without its English (or Dutch) text says which one, at its pointer."""
    data = copy.deepcopy(CAREER)
    del data["kinds"][0]["name"][missing]
    with pytest.raises(DefinitionError) as caught:
        CycleDefinition.from_json(data)
    assert words in caught.value.message
    assert f"/kinds/0/name/{missing}" == caught.value.pointer
