"""Erasure: destroying content when its retention ends or a person asks (crypto-shredding).

Content is encrypted with the data key of the stream it belongs to
(:mod:`magcore.access.content`), so erasing is destroying keys, and the event log stays
append-only:

* :func:`destroy_conversation` destroys the conversation's key(s). Its content is gone
  everywhere: in its own events, in the agreements later conversations carried forward from it
  and in the words of the goals made from its record (both encrypted with the same key), and
  in backups once the KEKs that wrapped the key are retired. A goal made from its record in an
  older store (its words sealed with the goal's own key) has that key destroyed too: its
  progress notes written until then go with it.
  A tombstone event is appended, so readers show the conversation as destroyed and the read
  models stop listing and carrying forward its agreements. A retention run destroys many
  (:func:`destroy_conversations`, one :func:`destroy_conversation` each); the older store's
  goal copies of each are found by their id prefix, without reading every goal stream.
* :func:`erase_person` destroys the keys of every conversation *about* the person (they are
  its subject), of every goal they own, and of their own stream (``person:<id>``: their
  sharing choices' details and the reasons of restrictions). Conversations of other employees
  the person took part in (as a manager, a peer, a coach) belong to those employees and stay;
  so do goals someone else owns and wrote in their own words, also one agreed in a
  conversation about the person (its link to that conversation is ids only), while words
  copied from the person's records go with those records' keys, whoever owns the goal.
  The person's sharing choices end with it: a ``person.erased`` event closes them (and the
  restrictions) in the same transaction as the tombstones, and the guarded listing's index
  rows go with them (:func:`magcore.domain.sharing.apply`). Choices *others* made that name
  the erased person as grantee are those others' decisions about their own records: they
  stay, until their maker revokes them or is erased.

An erasure writes its audit lines in the same transaction as the keys' destruction; a
conversation's destruction writes its line in the transaction of its tombstone, just after its
keys go, so that of two destructions at once only the one whose tombstone is written has a
line (:func:`destroy_conversation` says why that order is safe). Each line's
reason is an :class:`~magcore.access.erasure_grounds.ErasureReason` (a ground and at most a
reference, never free text: the audit log outlives the content). Metadata (who, when, which
kind, which state) stays: statistics keep counting it. A store without a key table (content in
clear) falls back to replacing the stream's events by the tombstone (``Store.destroy_stream``),
and so does a ``person:<id>`` stream that holds sharing choices written in clear (before 0.4):
its events are replaced by the ``person.erased`` event.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import attrs

from ..clock import Clock, SystemClock
from ..crypto import is_token
from ..domain.conversation import (
    ConversationEvent,
    destroyed_read_model,
    replay,
    stream_of,
    subject_of,
)
from ..domain.goals import GoalEvent, copy_origin, goal_stream
from ..domain.sharing import PersonEvent, SharingState, listing_rows, person_stream
from ..domain.sharing import apply as apply_sharing
from ..errors import ConflictError, MagcoreError, NotFoundError, StorageError
from ..events import Event
from ..model.input_policy import is_valid_id
from ..read_models import ReadModel
from ..storage.base import AuditRecord, Store, StreamWrite
from ..storage.streaming import read_stream
from .content import ContentStore
from .erasure_grounds import ErasureGround, ErasureReason, erasure_reason
from .reading import DESTROYED_EVENT
from .retention import RetentionProfile, SupportsDestroy

__all__ = [
    "Erasure",
    "ErasureGround",
    "ErasureReason",
    "destroy_conversation",
    "destroy_conversations",
    "erase_person",
    "legacy_copies",
]

#: How often the tombstone is tried when writers keep adding to the stream meanwhile.
_ATTEMPTS = 5


def _tombstone(events: Sequence[Event], *, now: datetime, actor: str, **data: object) -> Event:
    last = events[-1]
    return Event(
        stream=last.stream,
        version=last.version + 1,
        type=DESTROYED_EVENT,
        at=now,
        actor=actor,
        data=data,
    )


def destroy_conversation(
    store: Store,
    conversation_id: str,
    *,
    profile: RetentionProfile,
    due: date,
    clock: Clock | None = None,
    actor: str = "system",
    origin: str = "retention",
    once: bool = False,
) -> Event:
    """Destroy a conversation's content: its key is destroyed, a tombstone is appended.

    The tombstone holds the profile, the due date and the ids of the conversation's destroyed
    keys; no content. The goals made from the conversation's record lose their words with it
    (sealed with its key; in an older store with the goal's own key, which is destroyed here
    too, with a line of its own, :func:`legacy_copies`): they stay, open or closed as they
    were, and read with the erased marker as their title. The conversation's read-model row
    stays as a content-free trace (who, when, which kind: participation statistics keep
    counting it); its agreements leave the read models, so they are neither listed nor carried
    forward. The tombstone and the audit line carry *clock*'s time (the service's; the system
    clock when ``None``).

    Destroying a destroyed conversation returns its tombstone and changes nothing, except that
    it destroys the keys of the older store's goal copies of it still alive (a conversation
    destroyed before the upgrade). With *once* it is refused instead, with
    :class:`~magcore.errors.NotFoundError` ("destroyed already"), and nothing is written: for a
    caller that decided this conversation was not destroyed yet (the privacy officer's
    command, a retention run) and must not report another's destruction as its own.

    Two destructions of one conversation at once (two retention runs, the officer's command
    and a run, an erasure of its employee) end with one tombstone and one ``destroy`` line: the
    tombstone is written only on the version of the stream that was read, and the lines are in
    its transaction, so the second writer gets a conflict, reads the tombstone and returns it
    (or, with *once*, is refused) without a line of its own.

    The order is keys first, then the tombstone with the lines. Keys and events are two
    transactions, so one of them can be done without the other (a crash, a full disk, a key
    provider that fails); this order leaves the safe half: content that cannot be read any
    more, on a conversation that is still due, so the next run (or the officer's command)
    writes the tombstone and the line and is done; ``magcore store check`` names the keys as
    destroyed without a line meanwhile. The other order would leave a tombstone and a line
    that say destroyed over content whose key is alive, and no run would look at it again.
    A key the loser of a race destroys is one the winner destroys anyway, and the winner's
    line explains it.
    """
    now = (clock or SystemClock()).now()
    stream = stream_of(conversation_id)
    # The ground and the profile; the due date is the tombstone's (a profile id that is no id,
    # from an old plugin, is left out rather than let into the line as text).
    reference = profile.id if is_valid_id(profile.id) else None
    reason = ErasureReason(ErasureGround.RETENTION, reference=reference).text
    line = AuditRecord(
        at=now.isoformat(),
        actor=actor,
        action="destroy",
        object=stream,
        result="done",
        origin=origin,
        reason=reason,
        purpose="retention",
    )
    if not isinstance(store, ContentStore):
        return _replace_stream(
            store, stream, profile=profile, due=due, now=now, line=line, once=once
        )
    # goals an older version made from the record (none are made so any more): found once
    copied = legacy_copies(store, [conversation_id])
    for attempt in range(1, _ATTEMPTS + 1):
        events = store.inner.read(stream)
        if not events:
            raise StorageError(f"there is no conversation {conversation_id!r} to destroy")
        if events[-1].type == DESTROYED_EVENT:
            if once:
                raise _destroyed_already(conversation_id)
            # destroyed before: an older store's goal copies of it may still have their keys
            copies = _with_live_keys(store, copied)
            if copies:
                store.keys.destroy(copies, audit=[attrs.evolve(line, object=c) for c in copies])
            return events[-1]
        remains = _remains(store.read(stream), events[-1].version + 1)
        # Again after a conflict: a writer that decided before the keys went got a new key for
        # its event; that key goes too, and the tombstone follows its event. The goals made
        # from the record in an older store hold its words under their own key: it goes too,
        # and each has its line (also one whose key a destruction that lost the race to this
        # one destroyed a moment ago: it wrote no line).
        owners = [stream, *copied]
        store.keys.destroy(owners)  # their lines go with the tombstone, below
        tombstone = _tombstone(
            events,
            now=now,
            actor=actor,
            profile=profile.id,
            due=due.isoformat(),
            events_removed=0,
            erasure="keys",
            keys=_destroyed_keys(store, owners),
        )
        write = StreamWrite(stream, events[-1].version, (tombstone,), read_model=remains)
        try:
            store.append([write], audit=[attrs.evolve(line, object=o) for o in owners])
        except ConflictError:
            if attempt == _ATTEMPTS:
                raise
            continue
        return tombstone
    raise AssertionError("unreachable")  # pragma: no cover


def _destroyed_already(conversation_id: str) -> NotFoundError:
    """The refusal of a destruction (*once*) that finds the conversation destroyed."""
    return NotFoundError(
        f"conversation {conversation_id!r} is destroyed already: another destruction wrote "
        "its tombstone first, and this one wrote neither a tombstone nor an audit line"
    )


def _destroyed_keys(store: ContentStore, owners: Sequence[str]) -> list[str]:
    """The ids of every destroyed data key of *owners*: those this destruction destroyed,
    and those another destruction of the same records destroyed a moment before."""
    keys = store.keys.store
    return sorted(r.id for owner in owners for r in keys.list_keys(owner) if not r.alive)


def _replace_stream(
    store: Store,
    stream: str,
    *,
    profile: RetentionProfile,
    due: date,
    now: datetime,
    line: AuditRecord,
    once: bool,
) -> Event:
    """Erasure in a store without keys: the stream's events are replaced by the tombstone, and
    the line is written in that transaction. Two at once: the second gets a conflict, reads the
    tombstone and returns it (with *once*: is refused), as :func:`destroy_conversation` does."""
    if not isinstance(store, SupportsDestroy):
        raise StorageError(f"store {store.url} cannot destroy streams (no destroy_stream)")
    conversation = stream.partition(":")[2]
    for attempt in range(1, _ATTEMPTS + 1):
        events = store.read(stream)
        if not events:
            raise StorageError(f"there is no conversation {conversation!r} to destroy")
        if events[-1].type == DESTROYED_EVENT:
            if once:
                raise _destroyed_already(conversation)
            return events[-1]
        tombstone = _tombstone(
            events,
            now=now,
            actor=line.actor,
            profile=profile.id,
            due=due.isoformat(),
            events_removed=len(events),
        )
        remains = _remains(events, tombstone.version)
        try:
            store.destroy_stream(stream, tombstone, audit=[line], read_model=remains)
        except ConflictError:
            if attempt == _ATTEMPTS:
                raise
            continue
        return tombstone
    raise AssertionError("unreachable")  # pragma: no cover


def destroy_conversations(
    store: Store,
    due: Iterable[tuple[str, RetentionProfile, date]],
    *,
    clock: Clock | None = None,
    actor: str = "system",
    origin: str = "retention",
) -> list[Event]:
    """A retention run: :func:`destroy_conversation` for each ``(conversation, profile, due)``
    of *due* (as :func:`~magcore.access.retention.due_for_destruction` gives them), in order,
    and their tombstones. A failure stops the run where it is (the conversations destroyed
    before it stay destroyed); running it again finishes it.
    """
    return [
        destroy_conversation(
            store,
            conversation,
            profile=profile,
            due=day,
            clock=clock,
            actor=actor,
            origin=origin,
        )
        for conversation, profile, day in due
    ]


def _goals(store: Store) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every goal stream with the data of its first event, a ``goal.set``, as stored (nothing
    decrypted): one read of one event per goal stream."""
    stored = store.inner if isinstance(store, ContentStore) else store
    for stream in stored.streams("goal:"):
        first = next(iter(read_stream(stored, stream, upto=1)), None)
        if first is not None and first.type == GoalEvent.SET:
            yield stream, first.data


def _older_copy_of(stream: str, data: Mapping[str, Any]) -> str | None:
    """The conversation whose record words the goal of *stream* holds under its own key (an
    older magcore's copy), by its ``goal.set`` event's *data*; ``None`` for any other goal."""
    origin = copy_origin(stream.partition(":")[2], data)
    return origin[0] if origin is not None and not origin[1] else None


def legacy_copies(store: Store, conversations: Collection[str]) -> list[str]:
    """The streams of the goals made from the records of *conversations* (ids) whose words are
    sealed with the goal's own key: made by a magcore before the words went with the record
    (their ``goal.set`` event has no ``copied_from``;
    :func:`~magcore.domain.goals.copy_origin`). Destroying the conversation destroys their keys
    too. Such a goal's id is ``<conversation>.<agreement>``
    (:func:`~magcore.domain.goals.record_goal_id`), so only the goal streams under that prefix
    are read, each its first event, as stored: nothing decrypted."""
    stored = store.inner if isinstance(store, ContentStore) else store
    found: set[str] = set()
    for conversation in set(conversations):
        for stream in stored.streams(f"{goal_stream(conversation)}."):
            first = next(iter(read_stream(stored, stream, upto=1)), None)
            if (
                first is not None
                and first.type == GoalEvent.SET
                and _older_copy_of(stream, first.data) == conversation
            ):
                found.add(stream)
    return sorted(found)


def _remains(events: Sequence[Event], version: int) -> ReadModel | None:
    """The content-free read-model row a destroyed conversation leaves (none for a stream the
    lists do not know)."""
    try:
        return destroyed_read_model(replay(events), version)
    except (ValueError, KeyError, TypeError, MagcoreError):
        return None


@attrs.frozen
class Erasure:
    """What :func:`erase_person` did: the streams tombstoned, the key ids destroyed and how
    many of the person's sharing choices it ended."""

    streams: tuple[str, ...]
    keys: tuple[str, ...]
    choices: int = 0
    """The sharing choices the person had made (revoked ones included) that ended with it."""


def erase_person(
    store: Store,
    person: str,
    *,
    clock: Clock | None = None,
    actor: str,
    reason: ErasureReason,
    origin: str = "api",
) -> Erasure:
    """Erase everything that belongs to *person* (AVG art. 17): by destroying its keys.

    Destroys the keys of every conversation about *person*, of every goal they own and of
    their ``person:<id>`` stream, with one audit line per record in the same transaction (the
    words of goals made from those conversations' records go with the conversations' keys,
    whoever owns the goal; in an older store the key of such a goal, :func:`legacy_copies`),
    then
    appends a tombstone to each conversation and goal and a ``person.erased`` event to the
    person's stream, which ends their sharing choices and restrictions and removes them from
    the guarded listing's index, in one transaction. Needs a store with a key table
    (:class:`~magcore.access.content.ContentStore`, as every service's store is). The audit
    lines and tombstones carry *clock*'s time (the service's; the system clock when ``None``).

    *reason* is an :class:`~magcore.access.erasure_grounds.ErasureReason` (a ground and at
    most a reference); anything else, a free text above all, is refused with
    :class:`~magcore.errors.InputRefused` naming ``/reason`` before anything is destroyed.
    """
    why = erasure_reason(reason).text
    now = (clock or SystemClock()).now()
    if not isinstance(store, ContentStore):
        raise StorageError(
            f"store {store.url} keeps content in clear (no key table): erase per conversation "
            "with destroy_conversation"
        )
    streams = _conversations_about(store, person)
    older: dict[str, list[str]] = {}
    for stream, data in _goals(store):  # one pass: the goals they own and the older copies
        if data.get("owner") == person:
            streams.append(stream)
        conversation = _older_copy_of(stream, data)
        if conversation is not None:
            older.setdefault(conversation, []).append(stream)
    # A goal made from the record of a conversation about them, in an older store, holds its
    # words under the goal's own key: whoever owns it, that key goes (the goal stays theirs).
    about = [stream.partition(":")[2] for stream in streams if stream.startswith("conversation:")]
    kept = set(streams)
    copies = sorted({c for conversation in about for c in older.get(conversation, ())} - kept)
    own = person_stream(person)
    owners = [*streams, *copies, own]
    lines = [
        AuditRecord(
            at=now.isoformat(),
            actor=actor,
            action="erase",
            object=owner,
            result="done",
            origin=origin,
            reason=why,
            purpose="erasure",
        )
        for owner in owners
    ]
    destroyed: list[str] = []
    for attempt in range(1, _ATTEMPTS + 1):
        # Read before the keys go: a writer that commits after it (with a new key) moves the
        # version, the tombstones conflict, and the keys it got go on the next attempt.
        current = {stream: store.inner.read(stream) for stream in streams}
        mine = store.inner.read(own)
        remains = {
            stream: _remains(store.read(stream), len(current[stream]) + 1)
            for stream in streams
            if stream.startswith("conversation:")
        }
        # Again after a conflict: only the keys a writer made in between are left, and only
        # their owners get a line (the first run's lines say what was erased, once).
        again = owners if attempt == 1 else _with_live_keys(store, owners)
        named = set(again)
        destroyed += store.keys.destroy(
            again, audit=[line for line in lines if line.object in named]
        )
        writes = [
            StreamWrite(
                stream,
                events[-1].version,
                (_tombstone(events, now=now, actor=actor, erasure="person", keys=[]),),
                read_model=remains.get(stream),
                erasure=True,
            )
            for stream, events in current.items()
            if events and events[-1].type != DESTROYED_EVENT
        ]
        closing = _open_choices(mine)
        if closing:  # the choices end here, in clear or not: their bytes are a second step
            writes.append(_close_choices(person, mine, now=now, actor=actor))
        try:
            if writes:
                store.append(writes)
        except ConflictError:
            if attempt == _ATTEMPTS:
                raise
            continue
        if _in_clear(mine):  # also when a run before ended the choices but stopped here
            _replace_person_stream(store, person, now=now, actor=actor)
        tombstoned = tuple(w.stream for w in writes if w.stream != own)
        return Erasure(tombstoned, tuple(destroyed), _choices(mine) if closing else 0)
    raise AssertionError("unreachable")  # pragma: no cover


def _conversations_about(store: ContentStore, person: str) -> list[str]:
    """The streams of every conversation about *person*, as the events say.

    The read model's ``subject`` column is not authenticated: a database writer without keys
    could set it to another name and keep a conversation from the erasure. Who a conversation
    is about is fixed by its ``conversation.requested`` event (participants in clear, covered
    by the keyed audit chain), so every such event is read, as stored (nothing decrypted).
    """
    found: list[str] = []
    for _position, event in store.inner.read_all(types=(ConversationEvent.REQUESTED,)):
        if event.version != 1 or not event.stream.startswith("conversation:"):
            continue
        if subject_of(event.data) == person:
            found.append(event.stream)
    return sorted(set(found))


def _open_choices(events: Sequence[Event]) -> bool:
    """Whether a person stream has no erasure as its last event (a person never erased, or
    one who shared or restricted since: the erasure must close them). An empty stream gets
    its ``person.erased`` event too: written on the version read before the keys went, it
    makes a choice granted in between conflict, so the next attempt ends it (else its
    listing-index row, grantee and purpose in clear, would outlive the erasure)."""
    return not events or events[-1].type != PersonEvent.ERASED


def _choices(events: Sequence[Event]) -> int:
    """The sharing choices made since the person's last erasure (revoked ones included)."""
    made = 0
    for event in events:
        if event.type == PersonEvent.ERASED:
            made = 0
        elif event.type == PersonEvent.SHARING_GRANTED:
            made += 1
    return made


def _with_live_keys(store: ContentStore, owners: Sequence[str]) -> list[str]:
    """The *owners* that still have a live data key (on an erasure's next attempt: those a
    writer got a key for in between)."""
    keys = store.keys.store
    return [owner for owner in owners if any(r.alive for r in keys.list_keys(owner))]


def _in_clear(events: Sequence[Event]) -> bool:
    """Whether a person stream, as stored, holds a sharing choice written in clear (by a
    magcore before 0.4, or by a tool that wrote events without the content codec): destroying
    the key does not reach its details."""
    return any(
        e.type == PersonEvent.SHARING_GRANTED and not is_token(e.data.get("to")) for e in events
    )


def _through(events: Sequence[Event]) -> int:
    """The highest choice number a person stream gave (numbers are metadata, in clear),
    including those an earlier erasure's event says it ended (its choices may be gone from
    the stream), so a number is never given twice."""
    numbers = [
        e.data.get("choice") if e.type == PersonEvent.SHARING_GRANTED else e.data.get("through")
        for e in events
        if e.type in (PersonEvent.SHARING_GRANTED, PersonEvent.ERASED)
    ]
    return max((n for n in numbers if type(n) is int), default=0)


def _erased_event(
    person: str, events: Sequence[Event], *, now: datetime, actor: str, version: int, removed: int
) -> Event:
    return Event(
        stream=person_stream(person),
        version=version,
        type=PersonEvent.ERASED,
        at=now,
        actor=actor,
        data={"through": _through(events), "events_removed": removed},
    )


def _close_choices(
    person: str, events: Sequence[Event], *, now: datetime, actor: str
) -> StreamWrite:
    """The write that ends a person's sharing choices and restrictions: the ``person.erased``
    event, with the listing-index rows that remain (none: the domain's fold says so). The event
    ends whatever came before it, so the fold needs only the version it follows."""
    version = events[-1].version if events else 0
    event = _erased_event(person, events, now=now, actor=actor, version=version + 1, removed=0)
    state = apply_sharing(event, SharingState(person=person, version=version))
    return StreamWrite(
        person_stream(person),
        version,
        (event,),
        person_rows=listing_rows(state),
        erasure=True,
    )


def _replace_person_stream(store: Store, person: str, *, now: datetime, actor: str) -> None:
    """A person stream that holds choices in clear (ended already by the ``person.erased``
    event the erasure appended): its events are replaced by one ``person.erased`` event
    (``Store.destroy_stream``, which zeroes what it frees on SQLite), since destroying the key
    does not reach them."""
    if not isinstance(store, SupportsDestroy):
        raise StorageError(
            f"store {store.url} holds sharing choices of {person!r} in clear and cannot "
            "destroy streams (no destroy_stream): they ended, but their details stay stored"
        )
    stream = person_stream(person)
    stored = store.inner if isinstance(store, ContentStore) else store
    for attempt in range(1, _ATTEMPTS + 1):
        events = stored.read(stream)
        if not _in_clear(events):
            return
        last = events[-1].version
        # Every version before it is gone, also those an earlier replacement removed: the
        # fold reads the event as following version 0 plus all of them.
        tombstone = _erased_event(
            person, events, now=now, actor=actor, version=last + 1, removed=last
        )
        try:
            store.destroy_stream(stream, tombstone)
        except ConflictError:
            if attempt == _ATTEMPTS:
                raise
            continue
        return
