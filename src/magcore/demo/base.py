"""What every part of the demo shares: constants, the error and result, and the run in progress."""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from ..app.service import Service
from ..clock import FixedClock
from ..errors import MagcoreError
from ..model.cycle import (
    ConversationKind,
    CycleDefinition,
    ParticipantRole,
)
from ..model.records import AgreementOwner

__all__ = ["DEMO_MARKER", "SUMMARY_FILE", "DemoError", "DemoResult"]

#: The file that marks a folder as demo output (a later demo may replace such a folder).
DEMO_MARKER = ".magcore-demo"


SUMMARY_FILE = "demo-summary.json"


_AMSTERDAM = ZoneInfo("Europe/Amsterdam")


_HR_ADVISER = "hr-adviser"


_PROMPT_TAKE_UP = 0.4
"""The share of people who take up a gentle prompt in the month it comes."""


_VARIED_TRIES = 3
"""How many varied answers to try before falling back to the form's example answers."""


#: Plain Dutch sentences for free-text answers (any form: the demo does not know the fields).
_SENTENCES = (
    "Het contact met inwoners aan de balie gaat goed.",
    "Ik heb het nieuwe systeem snel onder de knie gekregen.",
    "De samenwerking in het team is prettig en open.",
    "Mijn projecten lopen volgens planning.",
    "Ik krijg ruimte om zelf dingen op te pakken.",
    "De werkdruk rond de jaarafsluiting is hoog.",
    "Ik wil beter weten wat andere teams doen.",
    "Overleggen duren soms lang.",
    "Ik mis af en toe een reactie op mijn werk.",
    "Ik wil graag meer leren over begrijpelijk schrijven.",
    "We helpen elkaar als het druk is.",
    "Ik wil over een paar jaar meer projecten leiden.",
)


_SUMMARIES = (
    "We spraken over het werk van het afgelopen jaar en wat goed ging.",
    "We hadden het over loopbaanwensen en over leren en ontwikkelen.",
    "We bespraken de werkdruk en hoe we die samen kunnen verlagen.",
    "We spraken over de samenwerking in het team en met andere afdelingen.",
)


#: Agreement texts by who takes them on (the owners a conversation allows follow its roles).
_AGREEMENTS: Mapping[AgreementOwner, tuple[str, ...]] = {
    AgreementOwner.EMPLOYEE: (
        "Volgt een cursus schrijven in begrijpelijke taal.",
        "Loopt een dag mee met een ander team.",
    ),
    AgreementOwner.MANAGER: (
        "Zorgt voor een vast overleg elke maand.",
        "Regelt een opleidingsbudget voor volgend jaar.",
    ),
    AgreementOwner.PEER: ("Geeft over een maand een tip uit de eigen ervaring.",),
    AgreementOwner.COACH: ("Plant over zes weken een tweede gesprek.",),
    AgreementOwner.TEAM: (
        "Bespreekt elke maand één lastige situatie in het teamoverleg.",
        "Verdeelt het werk rond de vakantie samen opnieuw.",
    ),
    AgreementOwner.BOTH: (
        "Praten over drie maanden verder over de werkdruk.",
        "Maken samen een plan voor minder overwerk.",
    ),
}


_OWNER_OF_ROLE: Mapping[str, AgreementOwner] = {
    ParticipantRole.EMPLOYEE: AgreementOwner.EMPLOYEE,
    ParticipantRole.MANAGER: AgreementOwner.MANAGER,
    ParticipantRole.PEER: AgreementOwner.PEER,
    ParticipantRole.COACH: AgreementOwner.COACH,
    ParticipantRole.TEAM_MEMBER: AgreementOwner.TEAM,
}


_PLACEHOLDER = "Voorbeeldtekst"
"""What :func:`magcore.forms.example_answers` writes in free text when a form has no example."""


_DISSENT = "Ik zie één punt anders: de werkdruk is vooral hoog door de personeelskrapte."


class DemoError(MagcoreError):
    """The demo cannot run: no such plugin, no usable cycle, or an output folder in use."""


@attrs.frozen(kw_only=True)
class DemoResult:
    """What the demo wrote: the folder, each file by name, and a summary of the year."""

    out: Path
    store_url: str
    files: Mapping[str, Path]
    summary: Mapping[str, Any]


@attrs.define
class _Moment:
    """One conversation the year will hold (or try to): about a person, or of a team."""

    kind: ConversationKind
    start: date
    outcome: str
    person: str | None = None
    team: str | None = None
    dissent: bool = False


@attrs.define
class _Run:
    """The state of one demo run: service, clock, randomness and the action queue."""

    service: Service
    clock: FixedClock
    rng: random.Random
    cycle: CycleDefinition
    org_id: str
    plugin: str
    year: int
    queue: list[tuple[datetime, int, Callable[[], None]]] = attrs.Factory(list)
    counter: int = 0
    done: int = 0
    outcomes: dict[str, int] = attrs.Factory(dict)
    conversations: dict[str, str] = attrs.Factory(dict)
    """Subject → the id of their first conversation that was agreed (digitally)."""
    team_conversations: list[str] = attrs.Factory(list)
    """Team conversations that were agreed (digitally), in order."""
    busy: dict[tuple[str, str], date] = attrs.Factory(dict)
    """(person, kind) → the day their current conversation of that kind ends."""
    answers_used: dict[str, int] = attrs.Factory(dict)
    """How often varied answers ('varied') and the form's example answers ('example') were used."""

    def at(self, moment: datetime, action: Callable[[], None]) -> None:
        self.counter += 1
        heapq.heappush(self.queue, (moment.astimezone(UTC), self.counter, action))

    def count(self, outcome: str, change: int = 1) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + change

    @property
    def last_day(self) -> date:
        """The last day a conversation may be held in the demo year."""
        return date(self.year, 12, 15)


def _local(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=_AMSTERDAM)
