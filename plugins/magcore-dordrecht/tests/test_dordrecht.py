"""magcore-dordrecht: the walking lunch of a team, with its three conversation cards."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from magcore_dordrecht import PLUGIN, definition
from magcore_dordrecht.plugin import plugin

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


def test_the_walking_lunch_has_three_cards_and_no_forms() -> None:
    """One team kind, three cards (reflection, connection, employability), nothing to fill in."""
    (kind,) = definition().kinds
    assert kind.is_team
    assert kind.themes == (
        "dordrecht-card-reflection",
        "dordrecht-card-connection",
        "dordrecht-card-employability",
    )
    assert kind.record_form is None
    assert kind.preparation_form is None
    assert not plugin.forms()


def test_every_team_walks_once_a_year(tmp_path: Path) -> None:
    """The plan over a year holds one walking lunch per team, never one per person."""
    svc, org = _service(tmp_path)
    due = svc.plan(org.id, definition().id, *YEAR)
    assert due
    assert all(item.person is None and item.team is not None for item in due)
    teams = [item.team for item in due]
    assert len(teams) == len(set(teams))
    svc.close()
