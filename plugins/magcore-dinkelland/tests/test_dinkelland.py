"""magcore-dinkelland: learning tables, a case review across teams with a facilitator."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from magcore_dinkelland import PLUGIN, definition
from magcore_dinkelland.plugin import plugin

import magcore
from magcore.model.cycle import Membership
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
    cycle = definition()
    starter = next(p.person for p in people if p.role in cycle.kind(kind).initiators)
    conv = svc.request(cycle=cycle, kind=kind, participants=people, actor=starter)
    when = datetime.combine(on, time(10), tzinfo=UTC)
    svc.execute(conv.id, magcore.Schedule(actor=starter, on=when, place="buiten"))
    svc.clock.set(when + timedelta(hours=2))  # type: ignore[attr-defined]
    svc.execute(conv.id, magcore.MarkHeld(actor=starter, on=on))
    recorder = next(p.person for p in people if p.role in cycle.kind(kind).recorder_roles)
    drafted = svc.execute(conv.id, magcore.DraftRecord(actor=recorder, answers=answers or {}))
    assert drafted.revision is not None
    state = drafted
    for p in people:
        if p.role in cycle.kind(kind).confirmer_roles:
            state = svc.execute(
                conv.id, magcore.ConfirmRecord(actor=p.person, revision=drafted.revision)
            )
    return state.state


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
