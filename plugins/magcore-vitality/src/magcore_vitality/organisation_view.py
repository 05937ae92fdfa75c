"""Weert's organisation-level vitality view: the four VNG vitality criteria, made measurable.

Weert (project "Weert van Morgen") built an instrument for strategic workforce planning that
makes the VNG working group's four vitality criteria visible and measurable: dialogue, being
and staying healthy, being and staying able to do the work, and the balance between work and
private life. Here that is magcore's anonymous team measurement over a whole unit (a department
or the organisation, with every team under it): statements about the work, never about a
person, counted only, with the minimum group size on every number. A baseline and yearly
follow-ups show, per criterion, where the organisation stands and how that changes.
"""

from __future__ import annotations

from collections.abc import Mapping

from magcore.app import measurement
from magcore.app.service import Service
from magcore.model.measurement import (
    AnswerOption,
    Phase,
    Questionnaire,
    ReportGroup,
    Statement,
)
from magcore.model.text import Text

__all__ = ["QUESTIONNAIRE_ID", "open_organisation_round", "questionnaire"]

QUESTIONNAIRE_ID = "vitality-organisation"

_STATEMENTS = {
    "vitality-dialogue": (
        (
            "talk-about-work-and-health",
            "In mijn afdeling praten we regelmatig over hoe het werk gaat en hoe we het volhouden.",
            "In my department we talk regularly about how work goes and how we keep it up.",
        ),
        (
            "room-to-talk-about-the-future",
            "Er is ruimte om te praten over hoe je je werk in de toekomst wilt doen.",
            "There is room to talk about how you want to do your work in the future.",
        ),
    ),
    "vitality-healthy": (
        (
            "work-is-sustainable",
            "Het werk is goed vol te houden, ook op drukke momenten.",
            "The work can be kept up well, also at busy times.",
        ),
        (
            "time-to-recover",
            "Na een drukke periode is er tijd om bij te komen.",
            "After a busy period there is time to recover.",
        ),
    ),
    "vitality-fit-for-the-job": (
        (
            "time-to-learn",
            "Er is tijd om te leren wat nodig is voor het werk van morgen.",
            "There is time to learn what the work of tomorrow needs.",
        ),
        (
            "work-fits-skills",
            "Het werk past bij wat mensen hier kunnen en willen.",
            "The work fits what people here can do and want to do.",
        ),
    ),
    "vitality-work-life-balance": (
        (
            "work-and-life-combine",
            "Werk en privé zijn hier goed te combineren.",
            "Work and private life combine well here.",
        ),
        (
            "flexible-when-needed",
            "Als het nodig is, kunnen mensen hun werktijden anders indelen.",
            "When needed, people can arrange their working hours differently.",
        ),
    ),
}
_OPTIONS = (
    ("rarely", Text(nl="Zelden", en="Rarely")),
    ("sometimes", Text(nl="Soms", en="Sometimes")),
    ("often", Text(nl="Vaak", en="Often")),
    ("almost_always", Text(nl="Bijna altijd", en="Almost always")),
)


def questionnaire(criteria: Mapping[str, Text]) -> Questionnaire:
    """The organisation-level questionnaire; *criteria* title the four criteria (the themes)."""
    return Questionnaire(
        id=QUESTIONNAIRE_ID,
        title=Text(nl="Vitaliteit in onze organisatie", en="Vitality in our organisation"),
        description=Text(
            nl="Hoe vaak klopt dit in je afdeling? Het gaat over het werk en de organisatie, "
            "niet over jou of over één collega. Je antwoorden zijn anoniem.",
            en="How often is this true in your department? It is about the work and the "
            "organisation, not about you or one colleague. Your answers are anonymous.",
        ),
        statements=[
            Statement(id=sid, text=Text(nl=nl, en=en), group=criterion)
            for criterion, items in _STATEMENTS.items()
            for sid, nl, en in items
        ],
        options=[AnswerOption(id=oid, text=text) for oid, text in _OPTIONS],
        groups=[
            ReportGroup(
                id="mostly_true",
                text=Text(nl="Vaak of bijna altijd", en="Often or almost always"),
                options=("often", "almost_always"),
            ),
            ReportGroup(
                id="less_true",
                text=Text(nl="Zelden of soms", en="Rarely or sometimes"),
                options=("rarely", "sometimes"),
            ),
        ],
        headings={criterion: criteria[criterion] for criterion in _STATEMENTS},
    )


def open_organisation_round(
    service: Service,
    *,
    unit: str,
    series: str,
    phase: Phase | str,
    actor: str,
    label: str | None = None,
) -> measurement.OpenedRound:
    """Open a round over *unit* and every team under it (a department, or the organisation).

    The organisation says who is in it; a unit below the minimum group size is refused.
    """
    known = measurement.questionnaires(service.host)
    return measurement.open_round(
        service,
        series=series,
        unit=unit,
        below=True,
        phase=phase,
        questionnaire=known.get(QUESTIONNAIRE_ID, QUESTIONNAIRE_ID),
        actor=actor,
        label=label,
    )
