"""Anonymous team measurement rounds in the simulation, as the library holds them.

A round of the library's team measurement (:mod:`magcore.domain.measurement`) asks the people
of one team some statements about the team; answers are counted, never kept, and nothing about
a person is scored. What the log of a real store holds of a round is its opening and its
closing, on the stream ``measurement:<round>``:

- ``measurement.opened`` (version 1): the round, its series, the organisation, the team (the
  unit, without the teams below it), baseline or follow-up, the questionnaire, the minimum group
  size *k*, and how many people the organisation had in the team that day (``eligible``);
- ``measurement.closed`` (version 2): how many answered (``respondents``), or ``null`` with
  ``suppressed: true`` when fewer than *k* did. A real store's closing also seals the counts
  (``counts_digest``); the simulation counts no answers, so its closings have none.

:func:`measurement_rounds` simulates those rounds for every team, ``measurement_rounds_per_year``
times a year: a team with fewer than *k* people that day has no round (the library refuses to
open one), each eligible person answers with chance ``measurement_response_rate``, and a round
closes ``measurement_days`` later. *k* is the configuration's ``min_group_size``, never below the
regulation's 5. Columnar NumPy; the strings are built with the rest of the log
(:mod:`magcore.simulate.events`).
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from ..access.statistics import DEFAULT_K
from ..domain.planning import add_months
from ..events import canonical_json
from ..model.measurement import Questionnaire
from .config import SimulationConfig
from .org import OrgHistory, day_number

__all__ = [
    "QUESTIONNAIRE",
    "QUESTIONNAIRE_JSON",
    "ROUND_COLUMNS",
    "measurement_rounds",
    "minimum_group",
]

I64 = npt.NDArray[np.int64]

#: The columns of :func:`measurement_rounds`' result.
ROUND_COLUMNS = ("team", "number", "opened", "closed", "eligible", "respondents")

_OFTEN = ("almost_never", "sometimes", "often", "almost_always")
#: The questionnaire of the simulated rounds: statements about the team, never about a person.
QUESTIONNAIRE: Final = Questionnaire.from_json(
    {
        "id": "simulated-team",
        "version": 1,
        "title": {"nl": "Hoe gaat het in ons team?", "en": "How is our team doing?"},
        "description": {
            "nl": "Gesimuleerde teammeting: over het team, niet over een persoon.",
            "en": "Simulated team measurement: about the team, not about a person.",
        },
        "statements": [
            {
                "id": "help",
                "text": {
                    "nl": "We helpen elkaar als het druk is.",
                    "en": "We help each other when it is busy.",
                },
            },
            {
                "id": "talk",
                "text": {
                    "nl": "In ons team kun je zeggen wat je denkt.",
                    "en": "In our team you can say what you think.",
                },
            },
        ],
        "options": [
            {"id": "almost_never", "text": {"nl": "Bijna nooit", "en": "Almost never"}},
            {"id": "sometimes", "text": {"nl": "Soms", "en": "Sometimes"}},
            {"id": "often", "text": {"nl": "Vaak", "en": "Often"}},
            {"id": "almost_always", "text": {"nl": "Bijna altijd", "en": "Almost always"}},
        ],
    }
)
#: The questionnaire as the opening event holds it (canonical JSON).
QUESTIONNAIRE_JSON: Final = canonical_json(QUESTIONNAIRE.to_json())


def minimum_group(config: SimulationConfig) -> int:
    """*k* of the simulated rounds: ``min_group_size``, never below the regulation's 5."""
    return max(config.min_group_size, DEFAULT_K)


def _seed(config: SimulationConfig) -> np.random.Generator:
    """A generator of its own (no draw of the organisation or the conversations changes)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([config.seed, 0x6D6561])))


def measurement_rounds(config: SimulationConfig, org: OrgHistory) -> dict[str, I64]:
    """Every round of the run, by team and then date (:data:`ROUND_COLUMNS`).

    ``number`` counts a team's rounds from 0 (0 is the baseline), ``opened``/``closed`` are
    day numbers, ``respondents`` is how many answered (shown only when at least *k*).
    """
    per_year = config.measurement_rounds_per_year
    empty = {name: np.zeros(0, dtype=np.int64) for name in ROUND_COLUMNS}
    if per_year == 0 or org.n_people == 0:
        return empty
    k = minimum_group(config)
    rng = _seed(config)
    everyone = np.arange(org.n_people, dtype=np.int64)
    parts: dict[str, list[I64]] = {name: [] for name in ROUND_COLUMNS}
    for month in range(0, 12 * config.years, 12 // per_year):
        day = day_number(add_months(config.start, month))
        closes = day + config.measurement_days
        if closes >= org.end_day:
            break
        here = everyone[(org.hired <= day) & (day < org.left)]
        team = org.team_of(here, np.full(len(here), day, dtype=np.int64))
        eligible = np.bincount(team, minlength=org.n_teams).astype(np.int64)
        teams = np.flatnonzero(eligible >= k)  # a smaller team cannot open a round
        parts["team"].append(teams.astype(np.int64))
        parts["opened"].append(np.full(len(teams), day, dtype=np.int64))
        parts["closed"].append(np.full(len(teams), closes, dtype=np.int64))
        parts["eligible"].append(eligible[teams])
        answered = rng.binomial(eligible[teams], config.measurement_response_rate)
        parts["respondents"].append(answered.astype(np.int64))
    if not parts["team"]:
        return empty
    result = {name: np.concatenate(v) for name, v in parts.items() if v}
    order = np.lexsort((result["opened"], result["team"]))
    result = {name: v[order] for name, v in result.items()}
    team = result["team"]
    first = np.r_[True, team[1:] != team[:-1]] if len(team) else np.zeros(0, dtype=bool)
    starts = np.flatnonzero(first)
    result["number"] = np.arange(len(team), dtype=np.int64) - np.repeat(
        starts, np.diff(np.r_[starts, len(team)])
    )
    return result
