"""Anonymous team measurements through the service: open a round, answer, close, compare.

The service loads, the rules decide (:mod:`magcore.domain.measurement`), the store keeps (its
ballot boxes, :mod:`magcore.storage.ballots`), and results leave through the access layer
(:mod:`magcore.access.measurement`)::

    opened = open_round(service, series="wpi-2026", unit="t-1", phase="baseline",
                        questionnaire="vakmanschap-team", actor="hr")
    for handout in opened.handouts:          # give each person their own code, keep no list
        ...
    answer(service, opened.round.id, token, {"help-when-busy": "often"})
    close_round(service, opened.round.id, actor="hr")
    comparison(service, "wpi-2026", asker="or-secretaris")

Who may answer is the organisation's business: :func:`open_round` counts the people in the unit
on the day it opens, makes one token per person, keeps only the tokens' hashes, and hands the
tokens out once (:attr:`OpenedRound.handouts`). Nobody tells it how many people there are.
Nor can two rounds be subtracted: a round whose people differ from another round's by fewer
than *k* is refused (:func:`~magcore.domain.measurement.check_overlap`). Closing seals the
counts in the closing event, and :func:`measurement_problems` (part of ``magcore store check``)
names a round whose ballot tables were changed outside magcore. Added in 0.2.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Mapping
from datetime import date
from typing import Any, cast

import attrs

from ..access.measurement import audit_line, read_comparison
from ..access.statistics import DEFAULT_K, check_minimum
from ..domain.measurement import (
    STREAM_PREFIX,
    CountsIntegrityError,
    RoundStateError,
    check_counts,
    check_overlap,
    decide_close,
    decide_open,
    eligible,
    replay,
    stream_of,
    tally,
    token_hash,
)
from ..errors import DefinitionError, MagcoreError, NotFoundError, Problem, RecordInvalidError
from ..model.days import local_day
from ..model.input_policy import check_id, check_text
from ..model.measurement import Comparison, Phase, Questionnaire, Round, RoundState
from ..model.organisation import Organisation
from ..plugins import PluginHost
from ..storage.ballots import BallotBoxes
from ..storage.base import Store, StreamWrite
from .service import Service

__all__ = [
    "Handout",
    "OpenedRound",
    "answer",
    "close_round",
    "comparison",
    "load_round",
    "measurement_problems",
    "open_round",
    "questionnaires",
    "rounds",
]


@attrs.frozen
class Handout:
    """One person's one-time code, to give to them (by letter, mail, in person) and forget."""

    person: str
    token: str = attrs.field(repr=False)


@attrs.frozen(kw_only=True)
class OpenedRound:
    """A round just opened and the codes to hand out (the only time they exist in the clear)."""

    round: Round
    handouts: tuple[Handout, ...] = attrs.field(repr=False)


def questionnaires(host: PluginHost) -> dict[str, Questionnaire]:
    """Every questionnaire the installed plugins contribute, by id (newest version of each)."""

    def accept(item: Any, plugin: str) -> Questionnaire:
        if isinstance(item, Questionnaire):
            return item
        if isinstance(item, Mapping):
            return Questionnaire.from_json(item, source=plugin)
        raise DefinitionError(
            f"expected a Questionnaire or a dict, got {type(item).__name__}", source=plugin
        )

    found: dict[str, Questionnaire] = {}
    for item in host.hooks.contributions("magcore_register_questionnaires", accept):
        if item.id not in found or item.version > found[item.id].version:
            found[item.id] = item
    return found


#: The longest label a round may have (a column heading: "0-meting", "maart 2026").
MAX_LABEL_LENGTH = 200


def _boxes(service: Service) -> BallotBoxes:
    return cast(BallotBoxes, service.store)


def _people_of(org: Organisation, other: Round) -> Collection[str] | None:
    """Who was eligible for *other* on the day it opened, as the organisation says now, or
    ``None`` when that is not the number the round was opened with (the history changed)."""
    try:
        found = eligible(org, other.unit, date.fromisoformat(other.opened_on), below=other.below)
    except NotFoundError:
        return None
    return found if len(found) == other.eligible else None


def _to_compare(org: Organisation, every: list[Round], series: str) -> list[tuple[Round, Any]]:
    """The rounds of *every* a new round of *series* in *org* must not be subtractable from,
    with their people: every round of the organisation that has or may have counts, except the
    closed rounds of *series* itself (a follow-up measures the same unit again, later, on
    purpose)."""
    found: list[tuple[Round, Any]] = []
    for other in every:
        closed = other.state is RoundState.CLOSED
        if other.organisation != org.id or (closed and other.respondents is None):
            continue
        if closed and other.series == series:
            continue
        found.append((other, _people_of(org, other)))
    return found


def load_round(service: Service, round_id: str) -> Round:
    """The round *round_id*; :class:`~magcore.errors.NotFoundError` if there is none."""
    check_id(round_id, pointer="/round")
    found = replay(service.store.read(stream_of(round_id)))
    if found is None:
        raise NotFoundError(f"unknown measurement round {round_id!r}")
    return found


def rounds(service: Service, series: str | None = None) -> list[Round]:
    """Every round (of *series*, if given), in the order they were opened."""
    found = [
        r
        for name in service.store.streams(STREAM_PREFIX)
        if (r := replay(service.store.read(name))) is not None
        and (series is None or r.series == series)
    ]
    return sorted(found, key=lambda r: (r.opened_on, r.phase is not Phase.BASELINE, r.id))


def open_round(
    service: Service,
    *,
    series: str,
    unit: str,
    phase: Phase | str,
    questionnaire: Questionnaire | str,
    actor: str,
    round_id: str | None = None,
    label: str | None = None,
    below: bool = False,
    k: int | None = None,
    organisation: str | None = None,
    on: date | None = None,
) -> OpenedRound:
    """Open a round over *unit* (and the teams under it, with *below*), with one token per
    person the organisation has there today.

    Refused with :class:`~magcore.domain.measurement.GroupTooSmallError` when the unit has fewer
    people than the minimum group size (*k* may raise the regulation's 5, never lower it).
    *questionnaire* is a :class:`~magcore.model.measurement.Questionnaire` or the id of one an
    installed plugin contributes.
    """
    check_id(series, pointer="/series")
    check_id(unit, pointer="/unit")
    check_id(actor, pointer="/actor")
    minimum = check_minimum(k, DEFAULT_K)
    if isinstance(questionnaire, str):
        known = questionnaires(service.host)
        if questionnaire not in known:
            raise NotFoundError(
                f"unknown questionnaire {questionnaire!r}; installed: "
                f"{', '.join(sorted(known)) or 'none'}"
            )
        questionnaire = known[questionnaire]
    org_id = organisation or service.organisation_id
    if org_id is None:
        raise DefinitionError(
            "name the organisation whose people take part", pointer="/organisation"
        )
    org = service.organisation(org_id)
    now = service.clock.now()
    day = on or local_day(now, service.timezone)
    people = eligible(org, unit, day, below=below)
    phase = Phase(phase)
    round_id = round_id or f"{series}-{service.new_id()}"
    check_id(round_id, pointer="/round")
    if label is not None:
        label = check_text(label, pointer="/label", max_length=MAX_LABEL_LENGTH)
    stream = stream_of(round_id)
    every = rounds(service)  # every round, read once: its series' and those to compare with
    event = decide_open(
        round_id=round_id,
        series=series,
        organisation=org_id,
        unit=unit,
        below=below,
        phase=phase,
        label=label or ("0-meting" if phase is Phase.BASELINE else "vervolgmeting"),
        questionnaire=questionnaire,
        k=minimum,
        eligible=len(people),
        on=day,
        at=now,
        actor=actor,
        existing=service.store.read(stream),
        series_rounds=[r for r in every if r.series == series],
    )
    check_overlap(
        round_id=round_id, people=people, k=minimum, others=_to_compare(org, every, series)
    )
    tokens = [secrets.token_urlsafe(16) for _ in people]
    _boxes(service).open_ballot(round_id, [token_hash(t) for t in tokens])
    try:
        service.store.append(
            [StreamWrite(stream, 0, (event,))],
            audit=[
                audit_line("measurement.open", stream, actor=actor, at=now, origin=service.origin)
            ],
            origin=service.origin,
        )
    except BaseException:
        # the opening was not written: the box it would have used goes too
        _boxes(service).discard_ballot(round_id)
        raise
    opened = replay((event,))
    assert opened is not None
    return OpenedRound(
        round=opened,
        handouts=tuple(Handout(p, t) for p, t in zip(people, tokens, strict=True)),
    )


def answer(service: Service, round_id: str, token: str, answers: Mapping[str, Any]) -> None:
    """Count one person's *answers* with their one-time *token*, and keep nothing else.

    No event, no audit line, no time: only the counts change (see
    :mod:`magcore.storage.ballots`). An unknown or used token, an unknown statement or an
    answer that is not one of the options raises :class:`~magcore.errors.RecordInvalidError`
    naming the field, and nothing is counted.
    """
    current = load_round(service, round_id)
    if current.state is RoundState.CLOSED:
        raise RoundStateError(round_id=round_id, state="closed", action="answer")
    choices = tally(current.questionnaire, answers)
    if not isinstance(token, str) or not _boxes(service).cast_ballot(
        round_id, token_hash(token), choices
    ):
        raise RecordInvalidError(
            [Problem("/token", "deze code is onbekend of al gebruikt / unknown or used code")],
            what="measurement answers",
        )


def close_round(service: Service, round_id: str, *, actor: str) -> Round:
    """Close *round_id*: unused codes stop working; with fewer than *k* answers nothing of it
    will ever be shown, and its counts are discarded."""
    check_id(actor, pointer="/actor")
    current = load_round(service, round_id)
    stream = stream_of(round_id)
    version = service.store.version(stream)
    if current.state is RoundState.CLOSED:
        raise RoundStateError(round_id=round_id, state="closed", action="close")
    problem = _box_problem(_boxes(service), current)
    if problem is not None:
        raise CountsIntegrityError(round_id, problem)
    respondents = _boxes(service).close_ballot(round_id, minimum=current.k)
    counts = _boxes(service).ballot_counts(round_id)
    now = service.clock.now()
    event = decide_close(
        current,
        respondents=respondents,
        version=version,
        at=now,
        actor=actor,
        counts=None if counts is None else counts.counts,
    )
    service.store.append(
        [StreamWrite(stream, version, (event,))],
        audit=[audit_line("measurement.close", stream, actor=actor, at=now, origin=service.origin)],
        origin=service.origin,
    )
    return load_round(service, round_id)


def comparison(service: Service, series: str, *, asker: str, k: int | None = None) -> Comparison:
    """The closed rounds of *series* side by side, every shown number at least *k*; audited.

    Rounds still open are left out (nothing of an open round is readable).
    """
    check_id(series, pointer="/series")
    check_id(asker, pointer="/asker")
    closed = [r for r in rounds(service, series) if r.state is RoundState.CLOSED]
    if not closed:
        raise NotFoundError(f"series {series!r} has no closed measurement round")
    return read_comparison(
        service.store,
        closed,
        k=k,
        asker=asker,
        at=service.clock.now(),
        origin=service.origin,
    )


def _box_problem(boxes: BallotBoxes, current: Round) -> str | None:
    """What is wrong with the ballot box of *current* (an open round: as many ballots and
    unused codes as codes handed out; a closed one: closed, with the counts it closed on)."""
    state = boxes.ballot_state(current.id)
    if state is None:
        return "its ballot box is missing"
    if current.state is RoundState.OPEN:
        if not state.open:
            return "its ballot box is closed, but the round is not"
        handed = state.respondents + state.unused
        if handed != current.eligible:
            return (
                f"its ballot box holds {state.respondents} ballots and {state.unused} unused "
                f"codes, but {current.eligible} codes were handed out"
            )
        return None
    if state.open:
        return "the round is closed, but its ballot box is open"
    if state.respondents > current.eligible:
        return (
            f"its ballot box holds {state.respondents} ballots, but only {current.eligible} "
            "codes were handed out"
        )
    counts = boxes.ballot_counts(current.id) if state.kept else None
    try:
        check_counts(current, state.respondents, None if counts is None else counts.counts)
    except CountsIntegrityError as exc:
        return exc.problem
    return None


def measurement_problems(service_or_store: Any) -> list[str]:
    """Every round whose ballot box does not match its events, named (``magcore store check``).

    An open round's box must hold as many ballots and unused codes together as codes were
    handed out (a hash added is a ballot box stuffed, one removed a voter turned away); a closed
    round's box must be closed and hold the counts its closing event sealed. A store that keeps
    no ballot boxes has no problems here.
    """
    store: Store = getattr(service_or_store, "store", service_or_store)
    if not isinstance(store, BallotBoxes):
        return []
    boxes = cast(BallotBoxes, store)
    problems: list[str] = []
    for name in store.streams(STREAM_PREFIX):
        try:
            current = replay(store.read(name))
            problem = None if current is None else _box_problem(boxes, current)
        except MagcoreError as exc:
            problems.append(f"measurement {name}: cannot be checked ({exc})")
            continue
        if current is not None and problem is not None:
            problems.append(f"measurement round {current.id}: {problem}")
    return problems
