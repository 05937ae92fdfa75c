"""magcore-vlaardingen: a resilience profile, a psychologist, an anonymous team report."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from magcore_vlaardingen import PLUGIN, definition
from magcore_vlaardingen.plugin import plugin

import magcore
from magcore.app import measurement
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


def test_the_psychologist_talks_with_the_employee_and_no_manager_is_a_party() -> None:
    """Two parties: the employee and a psychologist from the coach pool; health content."""
    (kind,) = definition().kinds
    assert kind.roles == ("employee", "psychologist")
    assert not kind.with_manager
    assert kind.special_category
    assert kind.preparation_form == "vlaardingen-resilience-profile"


def test_the_profile_is_special_category_and_has_no_outcome() -> None:
    """Every answer of the profile is marked as health-risk content; an empty profile is fine."""
    from magcore.forms import FormDefinition, validate

    (raw,) = plugin.forms()
    form = FormDefinition.from_json(raw, source=PLUGIN)
    assert validate(form, {}) == []
    props = raw["schema"]["properties"]
    assert all(p["x-magcore-sensitivity"] == "special-category-risk" for p in props.values())
    assert validate(form, {"financial": "costs_energy"}) == []
    assert validate(form, {"financial": "7"}) != []


def test_profile_talk_and_anonymous_team_report(tmp_path: Path) -> None:
    """The employee prepares, talks with a psychologist and agrees; the team answers anonymously."""
    svc, org = _service(tmp_path, people=40, teams=4)
    on = date(2025, 10, 20)
    person = next(
        p for p in sorted(org.people)
        if org.team_of(p, on) is not None and p not in org.coaches(on)
    )  # fmt: skip
    psychologist = org.coaches(on)[0]
    people = svc.participants_for(
        org.id, definition(), "resilience-conversation", person, on=on,
        chosen={"psychologist": [psychologist]},
    )  # fmt: skip
    assert {p.role for p in people} == {"employee", "psychologist"}
    assert _hold(svc, people, "resilience-conversation", on) is magcore.State.AGREED
    sizes = {t: len(org.members(t, on)) for t in org.teams}
    team = next(t for t, n in sizes.items() if n >= 5)
    opened = measurement.open_round(
        svc, series="veerkracht", unit=team, phase="baseline",
        questionnaire="vlaardingen-team-resources", actor="hr", organisation=org.id,
    )  # fmt: skip
    for handout in opened.handouts:
        measurement.answer(svc, opened.round.id, handout.token, {"work_relations": "often"})
    measurement.close_round(svc, opened.round.id, actor="hr")
    report = measurement.comparison(svc, "veerkracht", asker="hr")
    assert all(n >= 5 for n in report.numbers())
    svc.close()
