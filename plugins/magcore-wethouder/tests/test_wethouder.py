"""magcore-wethouder: the alderman's meetings per network, themes collected anonymously."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from magcore_wethouder import PLUGIN, QUESTIONNAIRE_ID, definition, make_definition
from magcore_wethouder.plugin import plugin

import magcore
from magcore.app import measurement
from magcore.domain.measurement import GroupTooSmallError
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


def test_the_three_scenarios_are_three_versions() -> None:
    """Monthly (as shipped), half-yearly, and stop: no meeting planned any more."""
    monthly, half, stop = (make_definition(s) for s in ("monthly", "half_yearly", "stop"))
    assert monthly == definition()
    assert [d.version for d in (monthly, half, stop)] == [4, 5, 6]
    assert half.kinds[0].cadence.every_months == 6
    assert stop.kinds[0].cadence.kind is magcore.CadenceKind.FREE
    assert stop.kinds[0].cadence.quiet_days is None
    with pytest.raises(magcore.DefinitionError, match="scenario"):
        make_definition("weekly")


def test_monthly_meetings_per_network_stop_under_scenario_three() -> None:
    """Monthly: twelve meetings per network a year; stop: nothing is planned, not even a prompt."""
    org = generate_organisation(people=30, teams=3, seed=7)
    due = magcore.plan(org, definition(), *YEAR)
    per_team: dict[str | None, int] = {}
    for item in due:
        per_team[item.team] = per_team.get(item.team, 0) + 1
    assert None not in per_team
    assert set(per_team.values()) == {12}
    assert [i for i in magcore.plan(org, make_definition("stop"), *YEAR) if not i.prompt_only] == []


def test_only_an_alderman_may_take_and_start_the_meeting(tmp_path: Path) -> None:
    """The alderman holds the organisation role ``alderman`` on the day: an employee from
    another network who names themselves as the alderman of a network's meeting is refused,
    naming the party, and nothing is stored; the alderman may start it."""
    from magcore.testing.plugin_year import plugin_service

    svc, org = plugin_service(tmp_path, _host(), definition(), people=40, teams=4)
    day = svc.clock.now().date()
    party = definition().kinds[0].party("alderman")
    assert party.membership is Membership.ROLE_HOLDER
    assert party.holds == "alderman"
    (alderman, *_) = org.holders("alderman", day)
    team = next(
        t
        for t in sorted(org.teams)
        if len(org.members(t, day)) >= 3 and alderman not in org.members(t, day)
    )
    members = org.members(team, day)
    intruder = next(
        p
        for p in sorted(org.people)
        if p not in members
        and p not in org.holders("alderman", day)
        and p != org.manager_of_team(team, day)
        and org.people[p].employed_on(day)
    )

    def ask(who: str) -> magcore.ConversationView:
        people = (
            *(magcore.Participant(m, "team_member") for m in members),
            magcore.Participant(who, "alderman"),
        )
        return svc.request(
            cycle=definition(), kind="network-meeting", participants=people, actor=who, team=team
        )

    before = len(svc.store.conversations())
    with pytest.raises(magcore.TransitionError, match=r"party 'alderman'.*'alderman'"):
        ask(intruder)
    assert len(svc.store.conversations()) == before
    assert ask(alderman).state is magcore.State.REQUESTED
    svc.close()


def test_themes_are_collected_anonymously_per_network(tmp_path: Path) -> None:
    """A network of five or more is polled; counts only; a smaller one is refused."""
    svc, org = _service(tmp_path, people=40, teams=4)
    on = date(2024, 12, 1)
    sizes = {t: len(org.members(t, on)) for t in org.teams}
    big = next(t for t, n in sizes.items() if n >= 5)
    opened = measurement.open_round(
        svc,
        series="net",
        unit=big,
        phase="baseline",
        questionnaire=QUESTIONNAIRE_ID,
        actor="hr",
        organisation=org.id,
    )
    assert opened.round.eligible == sizes[big]
    for handout in opened.handouts:
        measurement.answer(svc, opened.round.id, handout.token, {"discrimination": "important"})
    measurement.close_round(svc, opened.round.id, actor="hr")
    report = measurement.comparison(svc, "net", asker="alderman")
    assert all(n >= 5 for n in report.numbers())
    small = [t for t, n in sizes.items() if 0 < n < 5]
    for team in small:
        with pytest.raises(GroupTooSmallError):
            measurement.open_round(
                svc,
                series="small",
                unit=team,
                phase="baseline",
                questionnaire=QUESTIONNAIRE_ID,
                actor="hr",
                organisation=org.id,
            )
    svc.close()
