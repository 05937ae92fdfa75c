"""magcore-vakmanschap: dilemma sessions, and team measurements that never score a person."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from magcore_vakmanschap import PLUGIN, definition
from magcore_vakmanschap.measurement import (
    CLOSED_EVENT,
    FREQUENCIES,
    BallotBox,
    Phase,
    behaviours,
    compare,
    load_result,
    save_result,
    stream_of,
)
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
from magcore.forms import FormDefinition, validate
from magcore.model.records import Agreement
from magcore.testing import InstalledPluginContract, approve_cycle, generate_organisation

YEAR = (date(2025, 1, 1), date(2026, 1, 1))
FIELDS = [b.field for b in behaviours()]
answer_sets = st.dictionaries(st.sampled_from(FIELDS), st.sampled_from(FREQUENCIES), max_size=8)


def _host() -> magcore.PluginHost:
    return magcore.get_plugin_manager(load_entry_points=False, extra=[(PLUGIN, plugin)])


def _box(eligible: int = 8, phase: Phase = Phase.BASELINE, round_id: str = "r1") -> BallotBox:
    return BallotBox.open(round_id=round_id, team="t1", phase=phase, eligible=eligible)


def test_plugin_contributes_cycle_themes_and_both_forms() -> None:
    """The dilemma record and the questionnaire load as forms; about ten behaviours per value."""
    hooks = _host().hooks
    assert not hooks.cycles().problems
    loaded = hooks.contributions(
        "magcore_register_forms", lambda item, name: FormDefinition.from_json(item, source=name)
    )
    assert not loaded.problems
    assert {f.id for f in loaded} == {"vakmanschap-dilemma-record", "vakmanschap-team-measurement"}
    per_value = Counter(b.value for b in behaviours())
    assert set(per_value) == {t.id for t in definition().themes}
    assert all(9 <= n <= 11 for n in per_value.values())
    (questionnaire,) = [f for f in loaded if f.id == "vakmanschap-team-measurement"]
    assert validate(questionnaire, {}) == []
    assert validate(questionnaire, {FIELDS[0]: "often"}) == []


def test_the_only_kind_is_a_team_conversation() -> None:
    """Dilemmas are discussed by the team; no kind is about one employee."""
    (kind,) = definition().kinds
    assert kind.pattern is magcore.Pattern.TEAM
    assert kind.roles == (ParticipantRole.TEAM_MEMBER,)


def test_a_round_cannot_start_for_a_team_smaller_than_k() -> None:
    """Four people are fewer than five: answers could be traced, so no round."""
    with pytest.raises(magcore.DefinitionError, match="at least 5"):
        _box(eligible=4)


def test_a_token_counts_once_and_a_refused_submission_counts_nothing() -> None:
    """A used or unknown token, or a wrong answer, is refused and leaves the counts as they were."""
    box = _box(eligible=5)
    tokens = box.issue_tokens(5)
    box.submit(tokens[0], {FIELDS[0]: "often"})
    with pytest.raises(magcore.RecordInvalidError):
        box.submit(tokens[0], {FIELDS[0]: "often"})
    with pytest.raises(magcore.RecordInvalidError):
        box.submit("made-up", {FIELDS[0]: "often"})
    with pytest.raises(magcore.RecordInvalidError):
        box.submit(tokens[1], {FIELDS[0]: "10"})
    with pytest.raises(magcore.DefinitionError):
        box.issue_tokens(1)
    for token in tokens[1:]:
        box.submit(token, {FIELDS[0]: "rarely"})
    result = box.close()
    assert result.respondents == 5
    assert dict(result.counts[FIELDS[0]]) == {
        "rarely": 4,
        "sometimes": 0,
        "often": 1,
        "almost_always": 0,
    }


def test_fewer_than_k_respondents_gives_no_numbers_at_all() -> None:
    """Even the number of respondents is hidden when it is below k."""
    box = _box(eligible=9)
    for token in box.issue_tokens(4):
        box.submit(token, {FIELDS[0]: "often"})
    result = box.close()
    assert result.suppressed
    assert result.respondents is None
    assert result.counts == {}


def test_a_behaviour_fewer_than_k_people_answered_is_left_out() -> None:
    """Skipping is allowed; a behaviour with four answers is not shown."""
    box = _box(eligible=6)
    for number, token in enumerate(box.issue_tokens(6)):
        answers = {FIELDS[0]: "often"}
        if number < 4:
            answers[FIELDS[1]] = "sometimes"
        box.submit(token, answers)
    result = box.close()
    assert FIELDS[0] in result.counts
    assert FIELDS[1] not in result.counts


@given(st.lists(answer_sets, min_size=5, max_size=12), st.randoms(use_true_random=False))
def test_the_result_does_not_depend_on_who_answered_when(
    submissions: list[dict[str, str]], rnd: random.Random
) -> None:
    """Any order of the same answers gives the same result and the same box: no trace of order."""
    shuffled = list(submissions)
    rnd.shuffle(shuffled)
    boxes = []
    for order in (submissions, shuffled):
        box = _box(eligible=len(order))
        for token, answers in zip(box.issue_tokens(len(order)), order, strict=True):
            box.submit(token, answers)
        boxes.append(box)
    first, second = (b.close() for b in boxes)
    assert first == second
    for field in FIELDS:
        total = sum(1 for answers in submissions if field in answers)
        if total >= 5:
            assert sum(first.counts[field].values()) == total


def test_the_change_report_compares_shares_of_often_seen_behaviour() -> None:
    """3 of 5 'often' at the baseline and 5 of 5 at the follow-up is +40 points."""
    baseline, follow_up = _box(phase=Phase.BASELINE), _box(phase=Phase.FOLLOW_UP, round_id="r2")
    for index, token in enumerate(baseline.issue_tokens(5)):
        baseline.submit(token, {FIELDS[0]: "often" if index < 3 else "sometimes"})
    for token in follow_up.issue_tokens(5):
        follow_up.submit(token, {FIELDS[0]: "almost_always"})
    report = compare(baseline.close(), follow_up.close())
    first = report.items[0]
    assert (first.before, first.after, first.change_points) == (0.6, 1.0, 40)
    assert report.items[1].change_points is None
    assert any("+40" in line for line in report.lines("nl"))
    assert any("Often or almost always" in line for line in report.lines("en"))
    with pytest.raises(magcore.DefinitionError):
        compare(report.follow_up, report.baseline)


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
        if len(members) < 5:
            with pytest.raises(magcore.DefinitionError, match="at least 5"):
                BallotBox.open(round_id="x", team=team, phase="baseline", eligible=len(members))
            continue
        measured += 1
        for phase, likely in ((Phase.BASELINE, 0.4), (Phase.FOLLOW_UP, 0.8)):
            box = BallotBox.open(
                round_id=f"{team}-{phase.value}", team=team, phase=phase, eligible=len(members)
            )
            for token in box.issue_tokens(len(members)):
                seen = "often" if rnd.random() < likely else "sometimes"
                box.submit(token, dict.fromkeys(FIELDS, seen))
            save_result(svc.store, box.close(), at=clock.now(), actor="researcher")
        report = compare(
            load_result(svc.store, f"{team}-baseline"), load_result(svc.store, f"{team}-follow_up")
        )
        assert report.shown
        assert all(item.change_points is not None for item in report.items)
        (event,) = svc.store.read(stream_of(f"{team}-baseline"))
        assert event.type == CLOSED_EVENT
        assert set(event.data) == {
            "round",
            "team",
            "phase",
            "k",
            "suppressed",
            "respondents",
            "counts",
        }
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
