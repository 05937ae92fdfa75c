"""magcore-dinkelland: learning tables, a case review across teams with a facilitator."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from magcore_dinkelland import PLUGIN, definition
from magcore_dinkelland.plugin import plugin

import magcore
from magcore.model.cycle import Membership
from magcore.testing import InstalledPluginContract
from magcore.testing.plugin_year import hold_conversation, plugin_host, plugin_service

YEAR = (date(2025, 1, 1), date(2026, 1, 1))


def _host() -> magcore.PluginHost:
    return plugin_host(PLUGIN, plugin)


def _service(tmp_path: Path, people: int = 30, teams: int = 3) -> tuple[magcore.Service, object]:
    """A SQLite service with a generated organisation and the approved cycle."""
    return plugin_service(tmp_path, _host(), definition(), people=people, teams=teams)


def test_the_plugin_contributes_its_cycle_without_problems() -> None:
    """The host collects exactly this plugin's cycle, and every theme has prompts in nl and en."""
    cycles = _host().hooks.cycles()
    assert not cycles.problems
    assert [c.key for c in cycles] == [definition().key]
    for theme in definition().themes:
        assert theme.prompts
        assert all(p.nl and p.en for p in theme.prompts)


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


def test_facilitator_and_colleagues_are_registered_roles_from_outside_the_team() -> None:
    """The facilitator and the case colleagues come from the organisation, not the own team."""
    (kind,) = definition().kinds
    assert kind.required_roles == ("employee", "case_colleague", "facilitator")
    for role in ("facilitator", "case_colleague"):
        assert kind.party(role).membership is Membership.ORGANISATION
        assert definition().role(role).description.nl
    assert kind.recorder_roles == ("facilitator",)


def test_a_learning_table_across_teams_is_agreed_by_all(tmp_path: Path) -> None:
    """A case review with a colleague from another team and a facilitator: all confirm."""
    svc, org = _service(tmp_path)
    on = date(2025, 4, 7)
    person = next(
        p for p in sorted(org.people) if org.team_of(p, on) is not None and p not in org.coaches(on)
    )
    team = org.team_of(person, on)
    others = [
        p
        for p in sorted(org.people)
        if p != person and org.team_of(p, on) != team and org.people[p].employed_on(on)
    ]
    colleague, facilitator = others[0], others[-1]
    people = svc.participants_for(
        org.id,
        definition(),
        "learning-table",
        person,
        on=on,
        chosen={"case_colleague": [colleague], "facilitator": [facilitator]},
    )
    assert {p.role for p in people} == {"employee", "case_colleague", "facilitator"}
    assert _hold(svc, people, "learning-table", on) is magcore.State.AGREED
    svc.close()
