"""Anonymous team-level measurements (0-meting and 1-meting) that can never score a person.

Why it is built this way: the team measures how often it sees its desired behaviours, once at the
start (baseline) and once later (follow-up), and looks at the change. Such a measurement turns
into a judgement of a person as soon as one person's answers can be found again. So:

* **No answer is ever stored per person.** A :class:`BallotBox` hands out one-time tokens, keeps
  only their SHA-256 hashes (not who got which), and on :meth:`BallotBox.submit` adds the answers
  to running counts and forgets them. There is no list of submissions to leak.
* **Nothing is readable before the round closes.** Reading counts between two submissions would
  show one person's answers as the difference, so the box has no read method; only
  :meth:`BallotBox.close` gives a :class:`TeamResult`.
* **Minimum group size k (default 5).** A round cannot start for fewer than *k* eligible people;
  a round with fewer than *k* respondents gives a suppressed result with no counts at all; and
  a behaviour that fewer than *k* people answered (answering is optional per behaviour) is left
  out of the result.
* **Only the closed result is stored**, as one ``measurement.closed`` event in the stream
  ``team-measurement:<round>``; the report of the change compares two such results.

The answers are frequencies about the team ("how often do we see this?"), never about one person.
"""

from __future__ import annotations

import enum
import hashlib
import json
import secrets
from collections.abc import Mapping
from datetime import datetime
from importlib import resources
from types import MappingProxyType
from typing import Any

import attrs

from magcore.access.statistics import DEFAULT_K
from magcore.errors import DefinitionError, Problem, RecordInvalidError
from magcore.events import Event
from magcore.model.text import Text
from magcore.storage.base import Store, StreamWrite

__all__ = [
    "CLOSED_EVENT",
    "FORM_ID",
    "FREQUENCIES",
    "SEEN_OFTEN",
    "BallotBox",
    "Behaviour",
    "ChangeReport",
    "ItemChange",
    "Phase",
    "TeamResult",
    "behaviours",
    "compare",
    "load_result",
    "questionnaire",
    "save_result",
    "stream_of",
]

FORM_ID = "vakmanschap-team-measurement"
CLOSED_EVENT = "measurement.closed"
#: How often the team sees a behaviour: the only answers there are (no numbers, no grades).
FREQUENCIES = ("rarely", "sometimes", "often", "almost_always")
#: The answers counted as "we see this often" in the report of the change.
SEEN_OFTEN = frozenset({"often", "almost_always"})
_FREQUENCY_LABELS = {
    "rarely": Text(nl="Zelden", en="Rarely"),
    "sometimes": Text(nl="Soms", en="Sometimes"),
    "often": Text(nl="Vaak", en="Often"),
    "almost_always": Text(nl="Bijna altijd", en="Almost always"),
}


class Phase(enum.StrEnum):
    """Which measurement of the pair a round is."""

    BASELINE = "baseline"
    """The 0-meting, before the team starts working on the behaviours."""
    FOLLOW_UP = "follow_up"
    """The 1-meting, some months later."""


@attrs.frozen(kw_only=True)
class Behaviour:
    """One desired behaviour, belonging to one value (a theme of the cycle)."""

    id: str
    value: str
    text: Text

    @property
    def field(self) -> str:
        """The behaviour's field name on the questionnaire."""
        return self.id.replace("-", "_")


def behaviours() -> tuple[Behaviour, ...]:
    """Every desired behaviour, value by value (about ten per value)."""
    raw = resources.files(__package__).joinpath("behaviours.json").read_text(encoding="utf-8")
    data: dict[str, list[dict[str, str]]] = json.loads(raw)
    return tuple(
        Behaviour(id=item["id"], value=value, text=Text(nl=item["nl"], en=item["en"]))
        for value, items in data.items()
        for item in items
    )


def questionnaire(value_titles: Mapping[str, Text]) -> dict[str, Any]:
    """The questionnaire as a magcore form definition (one optional choice per behaviour).

    *value_titles* gives the legend of each value's group (the cycle's theme titles).
    """
    items = behaviours()
    options = {key: label.to_json() for key, label in _FREQUENCY_LABELS.items()}
    properties = {b.field: {"type": "string", "enum": list(FREQUENCIES)} for b in items}
    fields = {
        b.field: {"label": b.text.to_json(), "widget": "choice", "options": options} for b in items
    }
    groups = [
        {
            "id": value.replace("-", "_"),
            "legend": value_titles[value].to_json(),
            "fields": [b.field for b in items if b.value == value],
        }
        for value in dict.fromkeys(b.value for b in items)
    ]
    return {
        "id": FORM_ID,
        "version": 1,
        "purpose": "other",
        "title": {
            "nl": "Teammeting: wat zien we in ons team?",
            "en": "Team measurement: what do we see in our team?",
        },
        "description": {
            "nl": "Hoe vaak zie je dit gedrag in je team? Het gaat over het team, niet over jou "
            "of over één collega. Je antwoorden zijn anoniem: niemand kan ze terugvinden. Sla "
            "over wat je niet weet.",
            "en": "How often do you see this behaviour in your team? It is about the team, not "
            "about you or one colleague. Your answers are anonymous: nobody can find them again. "
            "Skip what you do not know.",
        },
        "schema": {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "additionalProperties": False,
            "properties": properties,
        },
        "ui": {"groups": groups, "fields": fields},
    }


def stream_of(round_id: str) -> str:
    """The event stream holding a round's closed result."""
    return f"team-measurement:{round_id}"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _counts(value: Mapping[str, Mapping[str, int]]) -> Mapping[str, Mapping[str, int]]:
    return MappingProxyType({k: MappingProxyType(dict(v)) for k, v in value.items()})


@attrs.frozen(kw_only=True)
class TeamResult:
    """A closed round: counts per behaviour and answer, or nothing at all when suppressed."""

    round_id: str
    team: str
    phase: Phase = attrs.field(converter=Phase)
    k: int
    suppressed: bool
    respondents: int | None
    """How many answered; ``None`` when suppressed (even the number is not shown)."""
    counts: Mapping[str, Mapping[str, int]] = attrs.field(
        factory=dict, converter=_counts, hash=False
    )

    def share_often(self, behaviour: str) -> float | None:
        """The share of answers "often" or "almost always" for *behaviour*, if it is shown."""
        cell = self.counts.get(behaviour)
        if not cell:
            return None
        total = sum(cell.values())
        return sum(n for answer, n in cell.items() if answer in SEEN_OFTEN) / total

    def to_json(self) -> dict[str, Any]:
        return {
            "round": self.round_id,
            "team": self.team,
            "phase": self.phase.value,
            "k": self.k,
            "suppressed": self.suppressed,
            "respondents": self.respondents,
            "counts": {item: dict(cell) for item, cell in self.counts.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TeamResult:
        return cls(
            round_id=data["round"],
            team=data["team"],
            phase=data["phase"],
            k=data["k"],
            suppressed=data["suppressed"],
            respondents=data["respondents"],
            counts=data.get("counts", {}),
        )


@attrs.define
class BallotBox:
    """One round of the measurement in one team: one-time tokens in, team counts out.

    Open one with :meth:`open`. It keeps hashes of unused tokens and running counts, nothing
    else: not who got a token, not who answered, not any single answer set.
    """

    round_id: str
    team: str
    phase: Phase
    eligible: int
    k: int
    _unused: set[str] = attrs.field(factory=set, init=False)
    _issued: int = attrs.field(default=0, init=False)
    _respondents: int = attrs.field(default=0, init=False)
    _counts: dict[str, dict[str, int]] = attrs.field(factory=dict, init=False)
    _closed: bool = attrs.field(default=False, init=False)

    @classmethod
    def open(
        cls, *, round_id: str, team: str, phase: Phase | str, eligible: int, k: int = DEFAULT_K
    ) -> BallotBox:
        """Start a round for *team* with *eligible* members; refused below the group size *k*."""
        if k < 2:
            raise DefinitionError("the minimum group size k must be at least 2", pointer="/k")
        if eligible < k:
            raise DefinitionError(
                f"team {team} has {eligible} people; a team measurement needs at least {k}, "
                "otherwise answers could be traced to a person",
                pointer="/eligible",
            )
        return cls(round_id=round_id, team=team, phase=Phase(phase), eligible=eligible, k=k)

    @property
    def closed(self) -> bool:
        return self._closed

    def issue_tokens(self, count: int) -> tuple[str, ...]:
        """*count* new one-time tokens, to hand out one per team member (not kept by person)."""
        if self._closed:
            raise DefinitionError(f"round {self.round_id} is closed")
        if count < 0 or self._issued + count > self.eligible:
            raise DefinitionError(
                f"round {self.round_id} has {self.eligible} eligible people; "
                f"{self._issued} tokens were already handed out",
                pointer="/count",
            )
        tokens = tuple(secrets.token_urlsafe(18) for _ in range(count))
        self._unused.update(_hash(t) for t in tokens)
        self._issued += count
        return tokens

    def submit(self, token: str, answers: Mapping[str, Any]) -> None:
        """Add one person's *answers* to the counts and forget them; the token is used up.

        Raises :class:`~magcore.errors.RecordInvalidError` (nothing counted) for an unknown or
        used token, an unknown behaviour or an answer that is not one of :data:`FREQUENCIES`.
        """
        problems: list[Problem] = []
        if self._closed:
            problems.append(Problem("/", "de meting is gesloten / the measurement is closed"))
        digest = _hash(token) if isinstance(token, str) else ""
        if digest not in self._unused:
            problems.append(
                Problem("/token", "deze code is onbekend of al gebruikt / unknown or used code")
            )
        known = {b.field for b in behaviours()}
        for name, answer in answers.items():
            if name not in known:
                problems.append(Problem(f"/{name}", "onbekend gedrag / unknown behaviour"))
            elif answer not in FREQUENCIES:
                problems.append(Problem(f"/{name}", "kies zelden, soms, vaak of bijna altijd"))
        if problems:
            raise RecordInvalidError(problems, what="measurement answers")
        self._unused.discard(digest)
        self._respondents += 1
        for name, answer in answers.items():
            cell = self._counts.setdefault(name, dict.fromkeys(FREQUENCIES, 0))
            cell[answer] += 1

    def close(self) -> TeamResult:
        """End the round; the result has counts only if at least *k* people answered."""
        self._closed = True
        self._unused.clear()
        if self._respondents < self.k:
            return TeamResult(
                round_id=self.round_id,
                team=self.team,
                phase=self.phase,
                k=self.k,
                suppressed=True,
                respondents=None,
            )
        shown = {item: cell for item, cell in self._counts.items() if sum(cell.values()) >= self.k}
        return TeamResult(
            round_id=self.round_id,
            team=self.team,
            phase=self.phase,
            k=self.k,
            suppressed=False,
            respondents=self._respondents,
            counts=shown,
        )


def save_result(store: Store, result: TeamResult, *, at: datetime, actor: str) -> None:
    """Store *result* as the one event of its round's stream (a round is closed only once)."""
    event = Event(
        stream=stream_of(result.round_id),
        version=1,
        type=CLOSED_EVENT,
        at=at,
        actor=actor,
        data=result.to_json(),
    )
    store.append([StreamWrite(event.stream, 0, (event,))])


def load_result(store: Store, round_id: str) -> TeamResult:
    """The stored result of *round_id*."""
    for event in store.read(stream_of(round_id)):
        if event.type == CLOSED_EVENT:
            return TeamResult.from_json(event.data)
    raise DefinitionError(f"round {round_id!r} has no stored result", pointer="/round")


@attrs.frozen(kw_only=True)
class ItemChange:
    """One behaviour's share of "often / almost always" before and after, if both are shown."""

    behaviour: Behaviour
    before: float | None
    after: float | None

    @property
    def change_points(self) -> int | None:
        """The change in percentage points, rounded; ``None`` if either side is not shown."""
        if self.before is None or self.after is None:
            return None
        return round(100 * (self.after - self.before))


@attrs.frozen(kw_only=True)
class ChangeReport:
    """The report of the change between a team's baseline and follow-up."""

    team: str
    baseline: TeamResult
    follow_up: TeamResult
    items: tuple[ItemChange, ...]

    @property
    def shown(self) -> bool:
        """Whether there is anything to show (both rounds reached the group size)."""
        return not (self.baseline.suppressed or self.follow_up.suppressed)

    def lines(self, language: str = "nl") -> list[str]:
        """The report as plain sentences in *language* (B1 Dutch or English)."""
        nl = language == "nl"
        if not self.shown:
            return [
                f"Er is geen teamuitslag: minder dan {self.baseline.k} mensen deden mee."
                if nl
                else f"There is no team result: fewer than {self.baseline.k} people took part."
            ]
        result = [
            f"Team {self.team}: 0-meting {self.baseline.respondents} mensen, "
            f"1-meting {self.follow_up.respondents} mensen."
            if nl
            else f"Team {self.team}: baseline {self.baseline.respondents} people, "
            f"follow-up {self.follow_up.respondents} people."
        ]
        for item in self.items:
            text = item.behaviour.text.get(language)
            if item.change_points is None:
                result.append(
                    f"- {text} " + ("(te weinig antwoorden)" if nl else "(too few answers)")
                )
                continue
            assert item.before is not None
            assert item.after is not None
            before, after = round(100 * item.before), round(100 * item.after)
            result.append(
                f"- {text} Vaak of bijna altijd: {before}% → {after}% ({item.change_points:+d})."
                if nl
                else f"- {text} Often or almost always: {before}% → {after}% "
                f"({item.change_points:+d})."
            )
        return result


def compare(baseline: TeamResult, follow_up: TeamResult) -> ChangeReport:
    """The change between *baseline* and *follow_up* of the same team."""
    if baseline.team != follow_up.team:
        raise DefinitionError("a change report compares two rounds of the same team")
    if baseline.phase is not Phase.BASELINE or follow_up.phase is not Phase.FOLLOW_UP:
        raise DefinitionError("compare a baseline (0-meting) with a follow-up (1-meting)")
    items = tuple(
        ItemChange(
            behaviour=b,
            before=baseline.share_often(b.field),
            after=follow_up.share_often(b.field),
        )
        for b in behaviours()
    )
    return ChangeReport(team=baseline.team, baseline=baseline, follow_up=follow_up, items=items)
