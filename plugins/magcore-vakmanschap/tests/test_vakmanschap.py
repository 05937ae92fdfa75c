"""magcore-vakmanschap: dilemma sessions, and team measurements that never score a person."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from magcore_vakmanschap import PLUGIN, QUESTIONNAIRE_ID, definition
from magcore_vakmanschap.measurement import FREQUENCIES, SEEN_OFTEN, behaviours
from magcore_vakmanschap.plugin import plugin

import magcore
from magcore import (
    ConfirmRecord,
    DraftRecord,
    FixedClock,
    MarkHeld,
    Participant,
    ParticipantRole,
    State,
)
from magcore.app import measurement
from magcore.domain.measurement import GroupTooSmallError
from magcore.forms import FormDefinition
from magcore.model.records import Agreement
from magcore.testing import InstalledPluginContract, approve_cycle, generate_organisation

YEAR = (date(2025, 1, 1), date(2026, 1, 1))
IDS = [b.id for b in behaviours()]


def _host() -> magcore.PluginHost:
    return magcore.get_plugin_manager(load_entry_points=False, extra=[(PLUGIN, plugin)])


def test_plugin_contributes_cycle_record_form_and_questionnaire() -> None:
    """The dilemma record is a form; the team measurement is a core questionnaire of about ten
    behaviours (the source: "een 10-tal geformuleerde gedragingen"), grouped by value."""
    hooks = _host().hooks
    assert not hooks.cycles().problems
    loaded = hooks.contributions(
        "magcore_register_forms", lambda item, name: FormDefinition.from_json(item, source=name)
    )
    assert not loaded.problems
    assert {f.id for f in loaded} == {"vakmanschap-dilemma-record"}
    (questionnaire,) = measurement.questionnaires(_host()).values()
    assert questionnaire.id == QUESTIONNAIRE_ID
    assert 9 <= len(questionnaire.statements) <= 11
    per_value = Counter(s.group for s in questionnaire.statements)
    assert set(per_value) == {t.id for t in definition().themes}
    assert questionnaire.option_ids == FREQUENCIES
    assert questionnaire.groups[0].options == SEEN_OFTEN


def test_the_only_kind_is_a_team_conversation() -> None:
    """Dilemmas are discussed by the team; no kind is about one employee."""
    (kind,) = definition().kinds
    assert kind.pattern is magcore.Pattern.TEAM
    assert kind.roles == (ParticipantRole.TEAM_MEMBER,)


def _dilemma_session(svc: magcore.Service, org: magcore.Organisation, team: str, on: date) -> None:
    members = org.members(team, on)
    conv = svc.request(
        cycle=definition(),
        kind="dilemma-session",
        participants=[Participant(m, ParticipantRole.TEAM_MEMBER) for m in members],
        actor=members[0],
        team=team,
        themes=["vakmanschap-open-about-dilemmas"],
        carry_forward=False,
    )
    svc.execute(conv.id, MarkHeld(actor=members[0], on=on))
    record = {
        "dilemma": "Een aanvraag past net niet in de regels, maar de nood is groot.",
        "what_we_choose": "We leggen het voor aan het maatwerkoverleg.",
        "values": ["vakmanschap-tailored-help", "vakmanschap-open-about-dilemmas"],
    }
    agreement = Agreement(id="t1", text="Maatwerkoverleg elke week", owner="team")
    drafted = svc.execute(
        conv.id, DraftRecord(actor=members[-1], answers=record, agreements=[agreement])
    )
    assert drafted.revision is not None
    for member in members:
        state = svc.execute(conv.id, ConfirmRecord(actor=member, revision=drafted.revision))
    assert state.state is State.AGREED


def test_a_year_of_dilemma_sessions_with_a_baseline_and_follow_up(tmp_path: Path) -> None:
    """Four sessions per team, a 0-meting in January and a 1-meting in December, then a report."""
    clock = FixedClock(datetime(2024, 12, 1, tzinfo=UTC))
    svc = magcore.open_service(f"sqlite:///{tmp_path / 'wpi.db'}", clock=clock, host=_host())
    org = generate_organisation(people=30, teams=3, seed=4)
    svc.import_organisation(org, actor="hr")
    approve_all(svc)
    due = svc.plan(org.id, definition().id, *YEAR)
    assert due
    for item in due:
        assert item.team is not None
        clock.set(max(datetime.combine(item.due, time(13), tzinfo=UTC), clock.now()))
        _dilemma_session(svc, org, item.team, item.due)
    sessions = Counter(item.team for item in due)
    assert set(sessions.values()) == {4}
    rnd = random.Random(1)
    measured = 0
    for team in sorted(sessions):
        members = org.members(team, YEAR[0])
        series = f"wpi-{team}"
        if len(members) < 5:
            with pytest.raises(GroupTooSmallError):
                measurement.open_round(
                    svc, series=series, unit=team, phase="baseline",
                    questionnaire=QUESTIONNAIRE_ID, actor="hr", organisation=org.id,
                )  # fmt: skip
            continue
        measured += 1
        for phase, likely in (("baseline", 0.4), ("follow_up", 0.8)):
            opened = measurement.open_round(
                svc, series=series, unit=team, phase=phase,
                questionnaire=QUESTIONNAIRE_ID, actor="hr", organisation=org.id,
            )  # fmt: skip
            assert opened.round.eligible == len(members)
            for handout in opened.handouts:
                seen = "often" if rnd.random() < likely else "sometimes"
                measurement.answer(svc, opened.round.id, handout.token, dict.fromkeys(IDS, seen))
            measurement.close_round(svc, opened.round.id, actor="hr")
        report = measurement.comparison(svc, series, asker="researcher")
        assert [c.phase.value for c in report.columns] == ["baseline", "follow_up"]
        assert all(n >= 5 for n in report.numbers())
    assert measured >= 3
    svc.close()


class TestVakmanschapConformance(InstalledPluginContract):
    """The cycle runs every path magcore's conformance suite checks."""

    distribution = PLUGIN

    @pytest.fixture
    def cycle_definition(self) -> magcore.CycleDefinition:
        return definition()


def approve_all(svc: magcore.Service) -> None:
    """The works council and the executive approved the installed cycles' regulations."""
    for cycle in svc.host.hooks.cycles():
        approve_cycle(svc, cycle)
