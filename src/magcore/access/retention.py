"""Retention: how long records are kept and which conversations are due for destruction."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, tzinfo
from typing import Any, Protocol, runtime_checkable

import attrs

from ..domain.conversation import CONVERSATION_STREAM, ConversationEvent
from ..domain.sharing import person_stream, restrictions
from ..errors import ConsentError
from ..events import Event
from ..model.cycle import CycleDefinition
from ..model.days import local_day
from ..model.organisation import Organisation
from ..model.text import Text, as_text
from ..storage.base import AuditRecord, ReadModel, Store
from ..storage.streaming import read_stream
from .policy import DESTROYED_EVENT

__all__ = [
    "AP_ADVICE",
    "BUILTIN_PROFILES",
    "COMPLETED",
    "EMPLOYMENT_ENDED",
    "SELECTIELIJST_2020",
    "RetentionProfile",
    "RetentionSurvey",
    "SupportsDestroy",
    "destruction_due",
    "due_for_destruction",
    "held_by_restriction",
    "retention_due",
    "retention_survey",
]

#: Anchor: the day the employee's employment ends (``Person.left_on``).
EMPLOYMENT_ENDED = "employment_ended"


#: Anchor: the day the conversation was completed (agreed, not held or cancelled).
COMPLETED = "completed"


_COMPLETION_EVENTS = (
    ConversationEvent.AGREED,
    ConversationEvent.NOT_HELD,
    ConversationEvent.CANCELLED,
)


@attrs.frozen(kw_only=True)
class RetentionProfile:
    """ "Destroy *years* years after *after*": ``employment_ended``, ``completed``, or the type
    of any event in the conversation's stream (its last occurrence counts)."""

    id: str
    title: Text = attrs.field(converter=as_text)
    years: int
    after: str
    source: str = ""

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.years, int) or not 1 <= self.years <= 100:
            raise ValueError(f"retention profile {self.id!r}: years must be from 1 to 100")
        if not self.after.strip():
            raise ValueError(f"retention profile {self.id!r}: after names no event")

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title.to_json(),
            "years": self.years,
            "after": self.after,
            "source": self.source,
        }


AP_ADVICE = RetentionProfile(
    id="ap-advice",
    title={
        "nl": "2 jaar nadat het dienstverband eindigt",
        "en": "2 years after employment ends",
    },
    years=2,
    after=EMPLOYMENT_ENDED,
    source="Autoriteit Persoonsgegevens, advice on personnel files",
)


SELECTIELIJST_2020 = RetentionProfile(
    id="selectielijst-2020",
    title={
        "nl": "5 jaar nadat het gesprek is afgerond",
        "en": "5 years after the conversation is completed",
    },
    years=5,
    after=COMPLETED,
    source="Selectielijst gemeenten en intergemeentelijke organen 2020",
)


BUILTIN_PROFILES: Mapping[str, RetentionProfile] = {
    p.id: p for p in (AP_ADVICE, SELECTIELIJST_2020)
}


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def retention_due(
    profile: RetentionProfile,
    events: Sequence[Event],
    *,
    left_on: date | None = None,
    zone: tzinfo | str | None = None,
) -> date | None:
    """The day the conversation with *events* is due for destruction, or ``None`` while the
    anchor event has not happened (the employee still works here, the conversation is open).

    The anchor is the local day (in *zone*, the installation's time zone) of the anchor event:
    a conversation completed at 00:30 on 1 January in Amsterdam counts from 1 January."""
    anchor: date | None
    if profile.after == EMPLOYMENT_ENDED:
        anchor = left_on
    else:
        types = _COMPLETION_EVENTS if profile.after == COMPLETED else (profile.after,)
        anchor = None
        for event in events:
            if event.type in types:
                anchor = local_day(event.at, zone)
    return None if anchor is None else _add_years(anchor, profile.years)


@runtime_checkable
class SupportsDestroy(Protocol):
    """A store that can replace a stream's events by one tombstone event (in one transaction).

    Every :class:`~magcore.storage.base.Store` has this now (see ``Store.destroy_stream``); the
    protocol stays so that callers can check an object that is not a full store.
    """

    def destroy_stream(
        self,
        stream: str,
        tombstone: Event,
        *,
        audit: Sequence[AuditRecord] = (),
        read_model: ReadModel | None = None,
    ) -> None: ...


@attrs.frozen(kw_only=True)
class RetentionSurvey:
    """Every conversation past its retention term on one day, from one read of each stream
    (:func:`retention_survey`): ids, profiles and days only."""

    due: tuple[tuple[str, RetentionProfile, date], ...] = ()
    """``(id, profile, due day)`` of each one to destroy, in the order of their streams."""
    held: tuple[str, ...] = ()
    """Past their term, but kept while a restriction of processing (AVG art. 18) of the person
    they are about covers them (:func:`held_by_restriction`)."""
    destroyed_before: frozenset[str] = frozenset()
    """Those of :attr:`due` destroyed already (listed again for an older store's goal copies)."""
    unchecked: tuple[tuple[str, str], ...] = ()
    """``(id, problem)`` of each whose cycle or retention profile is unknown."""


def retention_survey(
    store: Store,
    *,
    today: date,
    cycles: Mapping[str, CycleDefinition],
    profiles: Mapping[str, RetentionProfile] = BUILTIN_PROFILES,
    organisation: Organisation | None = None,
    zone: tzinfo | str | None = None,
    destroyed: bool = True,
) -> RetentionSurvey:
    """Every conversation whose retention term has passed on *today*, sorted into those to
    destroy, those a restriction keeps, and those that cannot be checked: each conversation
    stream read once, each affected person's stream once, as stored (nothing decrypted).

    *today* and the due days are days in *zone*, the installation's time zone. The profile
    comes from the cycle version the conversation started under (``cycles`` maps
    ``id@version`` to definitions). A conversation destroyed already (in a store with keys
    its first event stays, and its last is the tombstone) is listed again unless *destroyed*
    is ``False``: a retention run that destroys it again destroys the keys of an older
    store's goal copies of it still alive (:func:`~magcore.access.erasure.destroy_conversation`).
    """
    stored = _as_stored(store)
    found: list[tuple[str, RetentionProfile, date, str | None]] = []
    before: set[str] = set()
    unchecked: list[tuple[str, str]] = []
    for stream in stored.streams(f"{CONVERSATION_STREAM}:"):
        events = stored.read(stream)
        ended = bool(events) and events[-1].type == DESTROYED_EVENT
        if ended and not destroyed:
            continue
        conversation = stream.partition(":")[2]
        try:
            term = _term(events, stream, cycles, profiles, organisation, zone)
        except ConsentError as exc:
            unchecked.append((conversation, str(exc)))
            continue
        if term is not None and term[1] <= today:
            found.append((conversation, *term, _subject(events[0])))
            if ended:
                before.add(conversation)
    # a restricted record is kept while the restriction holds (one read per person)
    subjects = {s for c, _, _, s in found if s is not None and c not in before}
    current = {s: restrictions(stored.read(person_stream(s))) for s in sorted(subjects)}
    held = [c for c, _, _, s in found if c not in before and s in current and current[s].covers(c)]
    return RetentionSurvey(
        due=tuple((c, p, d) for c, p, d, _ in found if c not in held),
        held=tuple(held),
        destroyed_before=frozenset(before),
        unchecked=tuple(unchecked),
    )


def due_for_destruction(
    store: Store,
    *,
    today: date,
    cycles: Mapping[str, CycleDefinition],
    profiles: Mapping[str, RetentionProfile] = BUILTIN_PROFILES,
    organisation: Organisation | None = None,
    zone: tzinfo | str | None = None,
    destroyed: bool = True,
) -> list[tuple[str, RetentionProfile, date]]:
    """Every conversation whose retention term has passed on *today* and that no restriction
    of processing (AVG art. 18) keeps: (id, profile, due), as :func:`retention_survey` finds
    them (a list shown to someone passes *destroyed* ``False``, leaving out what is destroyed
    already). An unknown cycle or retention profile is an error
    (:class:`~magcore.errors.ConsentError`), never a silent keep."""
    survey = retention_survey(
        store,
        today=today,
        cycles=cycles,
        profiles=profiles,
        organisation=organisation,
        zone=zone,
        destroyed=destroyed,
    )
    if survey.unchecked:
        raise ConsentError(survey.unchecked[0][1])
    return list(survey.due)


def destruction_due(
    store: Store,
    conversation_id: str,
    *,
    today: date,
    cycles: Mapping[str, CycleDefinition],
    profiles: Mapping[str, RetentionProfile] = BUILTIN_PROFILES,
    organisation: Organisation | None = None,
    zone: tzinfo | str | None = None,
) -> tuple[RetentionProfile, date] | None:
    """The profile and the due day of conversation *conversation_id* when its retention term
    has passed on *today* and it is not destroyed yet; ``None`` otherwise (also for an unknown
    id). As :func:`due_for_destruction` decides it for each, reading this one stream only, as
    stored."""
    stream = f"{CONVERSATION_STREAM}:{conversation_id}"
    events = _as_stored(store).read(stream)
    if not events or events[-1].type == DESTROYED_EVENT:
        return None
    term = _term(events, stream, cycles, profiles, organisation, zone)
    return term if term is not None and term[1] <= today else None


def held_by_restriction(store: Store, conversations: Collection[str]) -> frozenset[str]:
    """Which of *conversations* (ids) a restriction of processing (AVG art. 18) of the person
    they are about covers now: such a record is kept while the restriction holds (its person
    may need it for a legal claim, art. 18(1)(c)), not destroyed when its retention term
    passes; the retention job and the privacy officer's list leave it for later.

    Reads each conversation's first event and each person's stream as stored (the
    restriction's conversation is metadata; nothing is decrypted). A conversation about no
    employee (a team conversation) is never held."""
    stored = _as_stored(store)
    about: dict[str, list[str]] = {}
    for conversation in conversations:
        stream = f"{CONVERSATION_STREAM}:{conversation}"
        first = next(iter(read_stream(stored, stream, upto=1)), None)
        subject = None if first is None else _subject(first)
        if subject is not None:
            about.setdefault(subject, []).append(conversation)
    held: set[str] = set()
    for subject, theirs in about.items():
        current = restrictions(stored.read(person_stream(subject)))
        held.update(c for c in theirs if current.covers(c))
    return frozenset(held)


def _as_stored(store: Store) -> Store:
    """*store* as stored: under the content codec, nothing decrypted."""
    from .content import ContentStore

    return store.inner if isinstance(store, ContentStore) else store


def _term(
    events: Sequence[Event],
    stream: str,
    cycles: Mapping[str, CycleDefinition],
    profiles: Mapping[str, RetentionProfile],
    organisation: Organisation | None,
    zone: tzinfo | str | None,
) -> tuple[RetentionProfile, date] | None:
    """The profile and the due day of the conversation of *stream* with *events*; ``None``
    when it is no conversation (its first event is not a request) or its anchor has not
    happened."""
    if not events or events[0].type != ConversationEvent.REQUESTED:
        return None
    cycle_key = events[0].data["cycle"]
    cycle = cycles.get(cycle_key)
    if cycle is None:
        raise ConsentError(f"conversation {stream} started under unknown cycle {cycle_key}")
    profile = profiles.get(cycle.retention_profile)
    if profile is None:
        raise ConsentError(
            f"cycle {cycle_key} names unknown retention profile {cycle.retention_profile!r}"
        )
    subject = _subject(events[0])
    left_on = None
    if organisation is not None and subject is not None and subject in organisation.people:
        left_on = organisation.people[subject].left_on
    due = retention_due(profile, events, left_on=left_on, zone=zone)
    return None if due is None else (profile, due)


def _subject(first: Event) -> str | None:
    """The employee a conversation is about, from its first event (``None``: not a request,
    or a conversation about no employee, a team's)."""
    if first.type != ConversationEvent.REQUESTED:
        return None
    return next((p["person"] for p in first.data["participants"] if p["role"] == "employee"), None)
