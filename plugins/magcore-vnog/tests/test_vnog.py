"""magcore-vnog: the Health Check conversation with a vitality coach, the manager only if wanted."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from magcore_vnog import PLUGIN, definition
from magcore_vnog.plugin import plugin

import magcore
from magcore.testing import InstalledPluginContract
from magcore.testing.plugin_year import hold_conversation, plugin_host, plugin_service

YEAR = (date(2025, 1, 1), date(2026, 1, 1))


def _host() -> magcore.PluginHost:
    return plugin_host(PLUGIN, plugin)


def _service(tmp_path: Path, people: int = 30, teams: int = 3) -> tuple[magcore.Service, object]:
    """A SQLite service with a generated organisation and the approved cycle."""
    return plugin_service(tmp_path, _host(), definition(), people=people, teams=teams)


class TestConformance(InstalledPluginContract):
    """The cycle runs every path magcore's conformance suite checks."""

    distribution = PLUGIN

    @pytest.fixture
    def cycle_definition(self) -> magcore.CycleDefinition:
        return definition()


def _hold(
    svc: magcore.Service,
    people: tuple[magcore.Participant, ...],
    kind: str,
    on: date,
    answers: dict[str, object] | None = None,
) -> magcore.State:
    """Request, schedule, hold and record one conversation; every confirming party confirms."""
    return hold_conversation(svc, definition(), kind, people, on, answers)


def test_the_manager_is_an_optional_party_and_health_is_special_category() -> None:
    """The vitality coach is required and from the coach pool; the manager may be absent."""
    (kind,) = definition().kinds
    assert kind.required_roles == ("employee", "vitality_coach")
    assert "manager" in kind.roles
    assert not kind.needs_manager
    assert kind.special_category
    assert definition().role("vitality_coach").name.en == "vitality coach"


def test_employee_and_coach_agree_without_a_manager(tmp_path: Path) -> None:
    """A Health Check held and agreed by the employee and a coach: no manager takes part."""
    svc, org = _service(tmp_path)
    on = date(2025, 3, 3)
    person = next(
        p
        for p in sorted(org.people)
        if org.manager_of(p, on) is not None and p not in org.coaches(on)
    )
    coach = org.coaches(on)[0]
    # By default the optional manager joins; the employee leaves them out.
    default = svc.participants_for(
        org.id, definition(), "health-check", person, on=on, chosen={"vitality_coach": [coach]}
    )
    assert "manager" in {p.role for p in default}
    people = svc.participants_for(
        org.id,
        definition(),
        "health-check",
        person,
        on=on,
        chosen={"vitality_coach": [coach], "manager": []},
    )
    assert {p.role for p in people} == {"employee", "vitality_coach"}
    assert _hold(svc, people, "health-check", on) is magcore.State.AGREED
    svc.close()


def test_a_colleague_who_is_not_a_coach_cannot_be_the_vitality_coach(tmp_path: Path) -> None:
    """Membership is checked: the coach comes from the coach pool, not from anyone."""
    svc, org = _service(tmp_path)
    on = date(2025, 3, 3)
    person, other = [
        p
        for p in sorted(org.people)
        if org.manager_of(p, on) is not None and p not in org.coaches(on)
    ][:2]
    with pytest.raises(magcore.MagcoreError, match="vitality_coach"):
        svc.participants_for(
            org.id, definition(), "health-check", person, on=on, chosen={"vitality_coach": [other]}
        )
    svc.close()
