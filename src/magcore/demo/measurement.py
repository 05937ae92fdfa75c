"""The demo's anonymous team measurement: a baseline in January, a follow-up in December.

When the demoed plugin contributes a questionnaire (``magcore_register_questionnaires``), the
two largest teams measure with it through the real API: the rounds are opened for the people
the organisation has in the team (never a number the demo makes up), every member gets a code,
most answer (a seeded draw; a bit more often "the upper half" of the options at the follow-up),
the rounds are closed, and the comparison is written as a page in Dutch and English with its
plot. Nothing here knows the plugin's name.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs

from ..access.measurement_html import comparison_html, comparison_plot
from ..access.statistics import DEFAULT_K
from ..app import measurement
from ..extras import missing
from ..model.measurement import Phase, Questionnaire
from .base import _Run

__all__ = [
    "DemoMeasurement",
    "finish_measurement",
    "measurement_summary",
    "start_measurement",
]

_TAKE_PART = 0.85
_UPPER = {Phase.BASELINE: 0.45, Phase.FOLLOW_UP: 0.75}


@attrs.define
class DemoMeasurement:
    """The series the demo measures: which questionnaire, which teams."""

    questionnaire: Questionnaire
    series: dict[str, str] = attrs.field(factory=dict)
    """Team id → series id."""
    rounds: list[str] = attrs.field(factory=list)


def _questionnaire(run: _Run) -> Questionnaire | None:
    own = (
        run.service.host.hooks.contributions(
            "magcore_register_questionnaires", lambda item, plugin: (item, plugin)
        )
        .by_plugin()
        .get(run.plugin, ())
    )
    if not own:
        return None
    known = measurement.questionnaires(run.service.host)
    ids = [item.id if isinstance(item, Questionnaire) else item["id"] for item, _ in own]
    return next((known[i] for i in ids if i in known), None)


def _answer_all(run: _Run, opened: measurement.OpenedRound, rng: random.Random) -> None:
    q = opened.round.questionnaire
    half = max(1, len(q.options) // 2)
    lower, upper = q.option_ids[:half], q.option_ids[half:]
    for handout in opened.handouts:
        if rng.random() > _TAKE_PART:
            continue
        answers = {
            s.id: rng.choice(upper if rng.random() < _UPPER[opened.round.phase] else lower)
            for s in q.statements
            if rng.random() < 0.95
        }
        measurement.answer(run.service, opened.round.id, handout.token, answers)


def _round(run: _Run, demo: DemoMeasurement, team: str, phase: Phase, seed: int) -> None:
    opened = measurement.open_round(
        run.service,
        series=demo.series[team],
        unit=team,
        phase=phase,
        questionnaire=demo.questionnaire,
        actor="hr",
        round_id=f"{demo.series[team]}-{phase.value}",
        label="0-meting" if phase is Phase.BASELINE else "1-meting",
        organisation=run.org_id,
    )
    _answer_all(run, opened, random.Random(seed))
    measurement.close_round(run.service, opened.round.id, actor="hr")
    demo.rounds.append(opened.round.id)


def start_measurement(run: _Run) -> DemoMeasurement | None:
    """Open, answer and close the baselines in January (``None``: no questionnaire)."""
    questionnaire = _questionnaire(run)
    if questionnaire is None:
        return None
    day = run.clock.now().date()
    org = run.service.organisation(run.org_id)
    sizes = sorted(((len(org.members(t, day)), t) for t in org.teams), reverse=True)
    teams = [t for n, t in sizes[:2] if n >= DEFAULT_K]
    demo = DemoMeasurement(questionnaire=questionnaire)
    for index, team in enumerate(teams):
        demo.series[team] = f"meting-{team}"
        _round(run, demo, team, Phase.BASELINE, seed=run.year * 10 + index)
    return demo


def finish_measurement(run: _Run, demo: DemoMeasurement, out: Path) -> dict[str, Path]:
    """The follow-ups in December and the comparison of the first team, as pages and a plot."""
    run.clock.set(max(run.clock.now(), datetime(run.year, 12, 10, 9, 0, tzinfo=UTC)))
    files: dict[str, Path] = {}
    for index, team in enumerate(demo.series):
        _round(run, demo, team, Phase.FOLLOW_UP, seed=run.year * 10 + 5 + index)
    if not demo.series:
        return files
    team = next(iter(demo.series))
    result = measurement.comparison(run.service, demo.series[team], asker="or-secretaris")
    image = None
    if not missing("plots"):
        files["measurement_plot"] = comparison_plot(result, out / "measurement.png", "nl")
        image = "measurement.png"
    for language, name in (("nl", "measurement.html"), ("en", "measurement-en.html")):
        key = "measurement_html" if language == "nl" else "measurement_html_en"
        files[key] = out / name
        files[key].write_text(comparison_html(result, language, image=image), encoding="utf-8")
    return files


def measurement_summary(demo: DemoMeasurement | None, run: _Run) -> dict[str, Any] | None:
    """What the summary says of the measurement: the rounds and how many took part."""
    if demo is None:
        return None
    return {
        "questionnaire": demo.questionnaire.id,
        "teams": sorted(demo.series),
        "rounds": {
            r: measurement.load_round(run.service, r).respondents for r in sorted(demo.rounds)
        },
    }
