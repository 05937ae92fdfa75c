"""The Vakmanschap team measurement (0-meting and 1-meting) as a core questionnaire.

The team asks itself how often it sees its desired behaviours, once at the start (baseline) and
again later (follow-up). Amsterdam WPI formulated "een 10-tal gedragingen" (about ten
behaviours) for its three values; they are in ``behaviours.json``. Everything else (one-time
codes, eligibility from the organisation, counting without keeping answers, the minimum group
size, storage, the report and its plot) is magcore's own anonymous measurement
(:mod:`magcore.app.measurement`): this module only says what is asked.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources

import attrs

from magcore.model.measurement import (
    AnswerOption,
    Questionnaire,
    ReportGroup,
    Statement,
)
from magcore.model.text import Text

__all__ = [
    "FREQUENCIES",
    "QUESTIONNAIRE_ID",
    "SEEN_OFTEN",
    "Behaviour",
    "behaviours",
    "questionnaire",
]

QUESTIONNAIRE_ID = "vakmanschap-team"
#: How often the team sees a behaviour: the only answers there are (no numbers, no grades).
FREQUENCIES = ("rarely", "sometimes", "often", "almost_always")
#: The answers the report counts together as "we see this often".
SEEN_OFTEN = ("often", "almost_always")
_FREQUENCY_LABELS = {
    "rarely": Text(nl="Zelden", en="Rarely"),
    "sometimes": Text(nl="Soms", en="Sometimes"),
    "often": Text(nl="Vaak", en="Often"),
    "almost_always": Text(nl="Bijna altijd", en="Almost always"),
}


@attrs.frozen(kw_only=True)
class Behaviour:
    """One desired behaviour, belonging to one value (a theme of the cycle)."""

    id: str
    value: str
    text: Text


def behaviours() -> tuple[Behaviour, ...]:
    """Every desired behaviour, value by value (about ten in all, as the source says)."""
    raw = resources.files(__package__).joinpath("behaviours.json").read_text(encoding="utf-8")
    data: dict[str, list[dict[str, str]]] = json.loads(raw)
    return tuple(
        Behaviour(id=item["id"], value=value, text=Text(nl=item["nl"], en=item["en"]))
        for value, items in data.items()
        for item in items
    )


def questionnaire(value_titles: Mapping[str, Text]) -> Questionnaire:
    """The team questionnaire; *value_titles* head each value's behaviours (the cycle's themes)."""
    items = behaviours()
    return Questionnaire(
        id=QUESTIONNAIRE_ID,
        version=2,
        title=Text(nl="Wat zien we in ons team?", en="What do we see in our team?"),
        description=Text(
            nl="Hoe vaak zie je dit gedrag in je team? Het gaat over het team, niet over jou of "
            "over één collega. Je antwoorden zijn anoniem: niemand kan ze terugvinden. Sla over "
            "wat je niet weet.",
            en="How often do you see this behaviour in your team? It is about the team, not "
            "about you or one colleague. Your answers are anonymous: nobody can find them "
            "again. Skip what you do not know.",
        ),
        statements=[Statement(id=b.id, text=b.text, group=b.value) for b in items],
        options=[AnswerOption(id=key, text=label) for key, label in _FREQUENCY_LABELS.items()],
        groups=[
            ReportGroup(
                id="seen_often",
                text=Text(nl="Vaak of bijna altijd", en="Often or almost always"),
                options=SEEN_OFTEN,
            ),
            ReportGroup(
                id="seen_less",
                text=Text(nl="Zelden of soms", en="Rarely or sometimes"),
                options=("rarely", "sometimes"),
            ),
        ],
        headings={value: value_titles[value] for value in dict.fromkeys(b.value for b in items)},
    )
