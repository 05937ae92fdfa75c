"""magcore-hybrido: Enschede's conversation about hybrid work, as a team conversation with cards."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from magcore_hybrido import PLUGIN, definition
from magcore_hybrido.plugin import plugin

import magcore
from magcore.testing import InstalledPluginContract, approve_cycle, generate_organisation

YEAR = (date(2025, 1, 1), date(2026, 1, 1))


def _host() -> magcore.PluginHost:
    return magcore.get_plugin_manager(load_entry_points=False, extra=[(PLUGIN, plugin)])


def _service(tmp_path: Path, people: int = 30, teams: int = 3) -> tuple[magcore.Service, object]:
    """A SQLite service with a generated organisation and the approved cycle."""
    clock = magcore.FixedClock(datetime(2024, 12, 1, tzinfo=UTC))
    svc = magcore.open_service(f"sqlite:///{tmp_path / 'town.db'}", clock=clock, host=_host())
    org = generate_organisation(people=people, teams=teams, seed=7)
    svc.import_organisation(org, actor="hr")
    approve_cycle(svc, definition())
    return svc, org


class TestConformance(InstalledPluginContract):
    """The cycle runs every path magcore's conformance suite checks."""

    distribution = PLUGIN

    @pytest.fixture
    def cycle_definition(self) -> magcore.CycleDefinition:
        return definition()


def test_the_conversation_ends_in_chosen_prioritised_actions() -> None:
    """A team kind whose last card asks which actions, and which first."""
    (kind,) = definition().kinds
    assert kind.is_team
    assert kind.themes[-1] == "hybrido-actions"
    last = next(t for t in definition().themes if t.id == "hybrido-actions")
    assert any("eerst" in p.nl for p in last.prompts)


def test_each_team_has_its_hybrido_conversation_once_a_year(tmp_path: Path) -> None:
    """The plan over a year holds one Hybrido conversation per team."""
    svc, org = _service(tmp_path)
    due = svc.plan(org.id, definition().id, *YEAR)
    assert due
    teams = [item.team for item in due]
    assert None not in teams
    assert len(teams) == len(set(teams))
    svc.close()
