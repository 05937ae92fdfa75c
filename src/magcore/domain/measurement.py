"""The rules of an anonymous team measurement: who may take part, what counts, what is shown.

Pure rules, no I/O. The service (:mod:`magcore.app.measurement`) asks the organisation who is
eligible, asks these rules, and lets the store keep the ballot box. What holds:

* **Eligibility is the organisation's**: :func:`decide_open` takes the number of people the
  organisation has in the unit on the day the round opens; nobody passes it in. A unit smaller
  than the minimum group size *k* cannot open a round.
* **Answers are counted, never kept**: :func:`tally` checks one set of answers and turns it into
  the ``(statement, option)`` pairs the store adds to its counts, with no token, time or order.
* **A round fewer than k answered shows nothing** (:func:`decide_close`), not even how many.
* **Every published count is at least k** (:func:`publish`): a category (an option or a group of
  options) with fewer answers is merged into "other answers or no answer", and when that rest is
  itself below k (but not zero) the smallest shown category joins it, until the rest is zero or
  at least k. No number can then be worked out from the others either: the counts of a
  statement add up to the number of respondents, which is itself at least k.

* **No two rounds can be subtracted to isolate fewer than k people**
  (:func:`check_overlap`): a round cannot open when the people eligible for it and those of
  another round share someone while the people in one and not the other are fewer than *k*
  (a department with and without one of its teams). Rounds of another series are compared
  whenever they were opened; the closed rounds of the round's own series are not (a series
  measures the same unit again later, on purpose). See ``docs/explanation/threat-model.md``.
* **The closing seals the counts** (:func:`counts_digest`): the closing event carries a digest
  of the counts it closed on, and a report refuses counts that do not match
  (:class:`CountsIntegrityError`).

The round's own stream (``measurement:<round>``) holds only the opening and the closing:
:data:`CONTENT_FIELDS` declares both as metadata. Added in 0.2.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Final

from ..errors import DefinitionError, MagcoreError, Problem, RecordInvalidError, StorageError
from ..events import Event, thaw
from ..model.content import EventContent, metadata_only
from ..model.measurement import (
    Comparison,
    ComparisonCell,
    Phase,
    Questionnaire,
    Round,
    RoundColumn,
    RoundState,
)
from ..model.organisation import Organisation

__all__ = [
    "CLOSED",
    "CONTENT_FIELDS",
    "OPENED",
    "STREAM_PREFIX",
    "CountsIntegrityError",
    "GroupTooSmallError",
    "OverlappingRoundError",
    "RoundStateError",
    "check_counts",
    "check_overlap",
    "compare",
    "counts_digest",
    "decide_close",
    "decide_open",
    "eligible",
    "publish",
    "replay",
    "stream_of",
    "tally",
    "token_hash",
]

STREAM_PREFIX = "measurement:"
OPENED = "measurement.opened"
CLOSED = "measurement.closed"

#: The round's events hold no content: who opened it, for which unit, how many were eligible.
CONTENT_FIELDS: Final[Mapping[str, EventContent]] = {
    OPENED: metadata_only(),
    CLOSED: metadata_only(),
}


class GroupTooSmallError(MagcoreError, ValueError):
    """A unit has fewer people than the minimum group size: answers could be traced."""


class RoundStateError(MagcoreError):
    """An action is not possible in the round's current state (e.g. answering a closed round)."""

    def __init__(self, *, round_id: str, state: str, action: str) -> None:
        self.round_id = round_id
        self.state = state
        self.action = action
        super().__init__(f"cannot {action} measurement round {round_id} while it is {state}")


class OverlappingRoundError(MagcoreError, ValueError):
    """A round's people and another round's differ by fewer than *k* people: subtracting one
    round's counts from the other's would show what those few answered.

    ``round_id`` is the round refused, ``other`` and ``other_series`` the round it conflicts
    with, ``common`` how many people both have and ``apart`` how many are in only one of the
    two (in the smaller of the two directions that is not empty), ``k`` the minimum group size.
    """

    def __init__(
        self,
        *,
        round_id: str,
        other: Round,
        common: int,
        apart: int | None,
        k: int,
    ) -> None:
        self.round_id = round_id
        self.other = other.id
        self.other_series = other.series
        self.common = common
        self.apart = apart
        self.k = k
        where = (
            f"round {other.id} of series {other.series} (unit {other.unit}"
            f"{' and the teams under it' if other.below else ''}, opened {other.opened_on}, "
            f"{other.state.value})"
        )
        if apart is None:
            why = (
                f"the organisation's history no longer says who could answer {where}: it had "
                f"{other.eligible} people then, the organisation now says {common}; import the "
                "organisation with its history, or close that round and measure again later"
            )
        else:
            why = (
                f"{where} has {common} of its people in common with it, and {apart} "
                f"{'person is' if apart == 1 else 'people are'} in one of the two and not the "
                f"other: subtracting one round's counts from the other's would show what "
                f"{'that person' if apart == 1 else 'those people'} answered (fewer than the "
                f"minimum group size {k})"
            )
        super().__init__(f"measurement round {round_id} cannot open: {why}")


class CountsIntegrityError(StorageError):
    """The counts a store holds for a closed round are not the counts the round was closed
    on (someone changed the ballot tables outside magcore); ``round_id`` names the round."""

    def __init__(self, round_id: str, problem: str) -> None:
        self.round_id = round_id
        self.problem = problem
        super().__init__(
            f"measurement round {round_id}: {problem}; the counts were changed outside magcore "
            "and are not shown (restore the store from a backup)"
        )


def stream_of(round_id: str) -> str:
    """The stream of round *round_id*."""
    return f"{STREAM_PREFIX}{round_id}"


def token_hash(token: str) -> str:
    """What the store keeps of a one-time token: its SHA-256 (a token is 128 random bits)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def eligible(org: Organisation, unit: str, on: date, *, below: bool = False) -> tuple[str, ...]:
    """Who the organisation has in *unit* on *on*: its members employed that day, and with
    *below* those of every team under it. Sorted; nobody twice. An unknown unit raises
    :class:`~magcore.errors.NotFoundError`."""
    org.team(unit)
    units = {unit}
    if below:
        grew = True
        while grew:
            found = {t.id for t in org.teams.values() if t.parent in units} - units
            units |= found
            grew = bool(found)
    # Only people employed on the day: someone who left may still have an open membership in
    # the file, and must not count towards the minimum group size.
    return tuple(
        sorted(
            {
                p
                for u in units
                for p in org.members(u, on)
                if p not in org.people or org.people[p].employed_on(on)
            }
        )
    )


def check_overlap(
    *,
    round_id: str,
    people: Collection[str],
    k: int,
    others: Iterable[tuple[Round, Collection[str] | None]],
) -> None:
    """Refuse (:class:`OverlappingRoundError`) a round over *people* that another round could be
    subtracted from, or subtracted from it, to show the answers of fewer than *k* people.

    *others* are the rounds to compare with and the people who were eligible for each (``None``
    when the organisation can no longer say). Two rounds conflict when they share a person and
    the people of one that the other lacks (either way) are at least one and fewer than *k*
    (the larger of the two rounds' minimum group sizes). Rounds with exactly the same people,
    and rounds with nobody in common, do not: their difference isolates nobody by name.
    """
    mine = frozenset(people)
    for other, theirs in others:
        limit = max(k, other.k)
        if theirs is None:
            raise OverlappingRoundError(
                round_id=round_id, other=other, common=len(mine), apart=None, k=limit
            )
        common = mine & frozenset(theirs)
        if not common:
            continue
        small = [n for n in (len(mine - common), len(frozenset(theirs) - common)) if 0 < n < limit]
        if small:
            raise OverlappingRoundError(
                round_id=round_id, other=other, common=len(common), apart=min(small), k=limit
            )


def decide_open(
    *,
    round_id: str,
    series: str,
    organisation: str,
    unit: str,
    below: bool,
    phase: Phase | str,
    label: str,
    questionnaire: Questionnaire,
    k: int,
    eligible: int,
    on: date,
    at: datetime,
    actor: str,
    existing: Sequence[Event] = (),
    series_rounds: Sequence[Round] = (),
) -> Event:
    """The event that opens a round, or an error naming why it may not open.

    *eligible* is what the organisation says (the service counts it); *series_rounds* are the
    series' earlier rounds: a follow-up needs a baseline of the same unit and questionnaire,
    and a series has one baseline.
    """
    if existing:
        raise RoundStateError(round_id=round_id, state="open", action="open")
    phase = Phase(phase)
    if eligible < k:
        raise GroupTooSmallError(
            f"unit {unit} has {eligible} people on {on.isoformat()}; a measurement needs at "
            f"least {k} (the minimum group size), otherwise answers could be traced to a person"
        )
    baselines = [r for r in series_rounds if r.phase is Phase.BASELINE]
    if phase is Phase.BASELINE and baselines:
        raise DefinitionError(f"series {series} has a baseline already", pointer="/phase")
    if phase is Phase.FOLLOW_UP and not baselines:
        raise DefinitionError(f"series {series} has no baseline yet", pointer="/phase")
    for earlier in series_rounds:
        if (earlier.unit, earlier.below) != (unit, below):
            raise DefinitionError(
                f"series {series} measures unit {earlier.unit}, not {unit}", pointer="/unit"
            )
        if earlier.questionnaire.id != questionnaire.id:
            raise DefinitionError(
                f"series {series} uses questionnaire {earlier.questionnaire.id}",
                pointer="/questionnaire",
            )
    return Event(
        stream=stream_of(round_id),
        version=1,
        type=OPENED,
        at=at,
        actor=actor,
        data={
            "round": round_id,
            "series": series,
            "organisation": organisation,
            "unit": unit,
            "below": below,
            "phase": phase.value,
            "label": label,
            "questionnaire": questionnaire.to_json(),
            "k": k,
            "eligible": eligible,
            "opened_on": on.isoformat(),
        },
    )


def replay(events: Iterable[Event]) -> Round | None:
    """The round its events tell, or ``None`` for an empty stream."""
    found: Round | None = None
    for event in events:
        data = event.data
        if event.type == OPENED:
            found = Round(
                id=data["round"],
                series=data["series"],
                organisation=data["organisation"],
                unit=data["unit"],
                below=bool(data["below"]),
                phase=data["phase"],
                label=data["label"],
                questionnaire=Questionnaire.from_json(thaw(data["questionnaire"])),
                k=data["k"],
                eligible=data["eligible"],
                opened_on=data["opened_on"],
            )
        elif event.type == CLOSED and found is not None:
            found = Round(
                **{
                    **{f: getattr(found, f) for f in _ROUND_FIELDS},
                    "state": RoundState.CLOSED,
                    "respondents": data["respondents"],
                    "counts_digest": data.get("counts_digest"),
                }
            )
    return found


_ROUND_FIELDS = (
    "id",
    "series",
    "organisation",
    "unit",
    "below",
    "phase",
    "label",
    "questionnaire",
    "k",
    "eligible",
    "opened_on",
)


def counts_digest(round_id: str, respondents: int, counts: Mapping[str, Mapping[str, int]]) -> str:
    """The SHA-256 (hex) of a closed round's counts, as its closing event keeps it.

    Over the round's id, its respondents and every ``(statement, option, n)`` in sorted order,
    so the digest of one round's counts does not match another round's. It is kept in the
    round's stream beside the ballot tables it seals (and travels with them: backup, copy), so
    whoever can read it can read the counts themselves; it is in no report and no audit line.
    """
    cells = sorted(
        (str(s), str(o), int(n)) for s, options in counts.items() for o, n in options.items() if n
    )
    text = json.dumps(
        ["magcore.measurement.counts/1", round_id, int(respondents), cells],
        ensure_ascii=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def check_counts(
    current: Round, respondents: int | None, counts: Mapping[str, Mapping[str, int]] | None
) -> None:
    """Refuse (:class:`CountsIntegrityError`) counts that are not those *current* closed on.

    A round closed before the counts were sealed (no digest) is not checked; one closed with
    fewer than *k* respondents has no counts, and a store that shows some for it is refused.
    """
    if current.state is not RoundState.CLOSED:
        return
    if current.respondents is None:
        if counts:
            raise CountsIntegrityError(current.id, "it was closed without counts, yet has some")
        return
    if respondents is not None and respondents != current.respondents:
        raise CountsIntegrityError(
            current.id,
            f"it was closed with {current.respondents} respondents, the store says {respondents}",
        )
    if current.counts_digest is None:
        return
    if counts is None or respondents is None:
        raise CountsIntegrityError(current.id, "its counts are missing")
    if counts_digest(current.id, respondents, counts) != current.counts_digest:
        raise CountsIntegrityError(current.id, "its counts do not match those it was closed on")


def decide_close(
    current: Round,
    *,
    respondents: int,
    version: int,
    at: datetime,
    actor: str,
    counts: Mapping[str, Mapping[str, int]] | None = None,
) -> Event:
    """The event that closes *current*: its respondents if at least *k*, else nothing.

    With *counts* (the box's counts as closed), the event keeps their :func:`counts_digest`.
    A round with more respondents than people eligible was stuffed: refused with
    :class:`CountsIntegrityError`.
    """
    if current.state is RoundState.CLOSED:
        raise RoundStateError(round_id=current.id, state="closed", action="close")
    if respondents > current.eligible:
        raise CountsIntegrityError(
            current.id,
            f"its ballot box holds {respondents} ballots, but only {current.eligible} codes "
            "were handed out",
        )
    shown = respondents if respondents >= current.k else None
    data: dict[str, Any] = {"round": current.id, "respondents": shown, "suppressed": shown is None}
    if shown is not None and counts is not None:
        data["counts_digest"] = counts_digest(current.id, shown, counts)
    return Event(
        stream=stream_of(current.id),
        version=version + 1,
        type=CLOSED,
        at=at,
        actor=actor,
        data=data,
    )


def tally(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """One person's *answers* as ``(statement, option)`` pairs, in the questionnaire's order.

    The order is the questionnaire's, not the order the answers came in, so nothing of how
    someone filled it in remains. Skipping a statement is allowed. Raises
    :class:`~magcore.errors.RecordInvalidError` naming each unknown statement or option.
    """
    if not isinstance(answers, Mapping):
        raise RecordInvalidError([Problem("/", "answers must be an object")], what="answers")
    options = set(questionnaire.option_ids)
    known = set(questionnaire.statement_ids)
    problems = [
        Problem(f"/{name}", "onbekende stelling / unknown statement")
        for name in answers
        if name not in known
    ]
    problems.extend(
        Problem(
            f"/{name}",
            "kies een van de antwoorden / choose one of the answers: "
            + ", ".join(questionnaire.option_ids),
        )
        for name, answer in answers.items()
        if name in known and (not isinstance(answer, str) or answer not in options)
    )
    if problems:
        raise RecordInvalidError(problems, what="measurement answers")
    return tuple((s, str(answers[s])) for s in questionnaire.statement_ids if s in answers)


def publish(current: Round, counts: Mapping[str, Mapping[str, int]] | None, k: int) -> RoundColumn:
    """What a report may show of a closed round: every number at least *k* (see module)."""
    respondents = current.respondents
    if respondents is None or counts is None or respondents < k:
        return RoundColumn(
            round=current.id, phase=current.phase, label=current.label, respondents=None
        )
    cells = []
    for statement in current.questionnaire.statement_ids:
        raw = counts.get(statement, {})
        categories = {
            cid: sum(int(raw.get(o, 0)) for o in options)
            for cid, _, options in current.questionnaire.categories()
        }
        shown = {cid: n for cid, n in categories.items() if n >= k}
        rest = respondents - sum(shown.values())
        while 0 < rest < k:
            smallest = min(shown, key=lambda c: (shown[c], c))
            del shown[smallest]
            rest = respondents - sum(shown.values())
        if not shown:
            cells.append(ComparisonCell(statement=statement, hidden=True))
        else:
            cells.append(
                ComparisonCell(statement=statement, counts=shown, rest=rest if rest else None)
            )
    return RoundColumn(
        round=current.id,
        phase=current.phase,
        label=current.label,
        respondents=respondents,
        cells=cells,
    )


def compare(
    rounds: Sequence[tuple[Round, Mapping[str, Mapping[str, int]] | None]], *, k: int
) -> Comparison:
    """The closed rounds of one series side by side, the baseline first.

    *k* is the report's minimum group size; a round opened with a larger one keeps its own
    (the largest applies to every column). Open rounds are refused: nothing of an open round is
    readable, or one answer could be found as the difference between two readings.
    """
    if not rounds:
        raise DefinitionError("the series has no rounds", pointer="/series")
    first = rounds[0][0]
    for current, _ in rounds:
        if current.state is not RoundState.CLOSED:
            raise RoundStateError(round_id=current.id, state="open", action="compare")
        if current.series != first.series:
            raise DefinitionError("a comparison shows the rounds of one series", pointer="/series")
    k = max(k, *(r.k for r, _ in rounds))
    ordered = sorted(
        rounds, key=lambda item: (item[0].phase is not Phase.BASELINE, item[0].opened_on)
    )
    return Comparison(
        series=first.series,
        unit=first.unit,
        k=k,
        questionnaire=first.questionnaire,
        columns=[publish(r, counts, k) for r, counts in ordered],
    )
