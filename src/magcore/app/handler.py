"""The one command handler: load a stream, replay it, let the domain decide, append, tell.

Every change the service makes goes through :meth:`CommandHandler.handle` (or, for code that
built its events itself, :meth:`CommandHandler.commit`), so each concern that touches every
change has one place to hook into:

- reading a stream (:meth:`CommandHandler.load`): where content would be decrypted;
- the decision (the *decide* callable): pure domain rules, given the loaded state and now;
- appending (:meth:`CommandHandler.commit`): one transaction with the expected version, where
  an audit line of the change or the encryption of content would go;
- telling observers (the *tell* callable): after the commit, once per batch;
- retrying: a command that is safe to repeat passes ``attempts`` > 1 and is loaded and decided
  again when a concurrent writer got there first.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

import attrs

from ..access.policy import DESTROYED_EVENT
from ..clock import Clock
from ..errors import ConflictError, ConsentError, MagcoreError, NotFoundError
from ..events import CommittedBatch, Event
from ..read_models import PersonRows, ReadModel
from ..storage.base import AuditRecord, Store, StreamWrite

__all__ = ["Aggregate", "CommandHandler", "Handled", "Loaded", "Retry"]

S = TypeVar("S")


@attrs.frozen
class Aggregate(Generic[S]):
    """How to find and rebuild one kind of stream: its name, its stream, its fold."""

    name: str
    """What the stream is about, for messages: ``conversation``, ``goal``..."""
    stream: Callable[[str], str]
    """The stream that holds the aggregate with this id."""
    replay: Callable[[str, Sequence[Event]], S]
    """The state after the stream's events (given the id and every event, oldest first)."""
    evolve: Callable[[S, Sequence[Event]], S] | None = None
    """The state after *new* events on top of a state (default: replay everything again)."""
    read_model: Callable[[S], ReadModel] | None = None
    """The read-model rows of a state, written with every change (``None``: no rows)."""
    person_rows: Callable[[S], PersonRows] | None = None
    """The guarded listing's index rows of a state (a person's choices), written with every
    change (``None``: no rows)."""

    def owns(self, stream: str) -> bool:
        """Whether *stream* is one of this aggregate's streams."""
        return stream.startswith(self.stream(""))


@attrs.frozen
class Loaded(Generic[S]):
    """A stream as read: its events, its version and its state (``None`` if it is new)."""

    id: str
    stream: str
    events: tuple[Event, ...]
    state: S | None

    @property
    def version(self) -> int:
        """The last event's version (a stream an erasure replaced has fewer events)."""
        return self.events[-1].version if self.events else 0


def _destroyed(loaded: Loaded[Any]) -> bool:
    """Whether *loaded* ends with its destruction (its keys are gone)."""
    return loaded.events[-1].type == DESTROYED_EVENT


@attrs.frozen
class Handled(Generic[S]):
    """What a handled command did: the state before and after, and the committed batch."""

    before: S | None
    state: S
    batch: CommittedBatch

    @property
    def events(self) -> tuple[Event, ...]:
        return self.batch.events


@attrs.frozen
class Retry:
    """How a command that is safe to repeat is retried after a :class:`ConflictError`.

    Attempt *n* waits a random time between 0 and ``min(cap, base * 2**n)`` seconds ("full
    jitter"), so writers that collided do not collide again in step.
    """

    attempts: int = 4
    base: float = 0.005
    cap: float = 0.1

    def delay(self, attempt: int, rand: Callable[[], float] = random.random) -> float:
        """The wait before attempt *attempt* + 1."""
        return float(rand() * min(self.cap, self.base * 2**attempt))


Decide = Callable[[Loaded[S], datetime], Sequence[Event]]
"""The decision: the loaded stream (state ``None`` if new) and now in, new events out (or raise)."""


class CommandHandler:
    """Load → replay → decide → append with the expected version → tell observers.

    *tell* receives every committed batch (the service passes it to the observing plugins).
    *origin* goes into the audit line of every committed event; a refused command gets its own
    line (result ``refused``), written in a transaction of its own. *retry* says how often and
    how long apart a command marked idempotent is tried again after a conflict.
    """

    def __init__(
        self,
        store: Store,
        *,
        clock: Clock,
        tell: Callable[[CommittedBatch], None],
        origin: str = "",
        retry: Retry | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store
        self.clock = clock
        self.tell = tell
        self.origin = origin
        self.retry = retry or Retry()
        self.sleep = sleep
        self.conflicts = 0
        """Conflicts met so far (for benchmarks and monitoring)."""
        self.retries = 0
        """Commands tried again after a conflict so far."""

    def load(self, aggregate: Aggregate[S], id: str) -> Loaded[S]:
        """Read the stream of *id* and replay it (state ``None`` when it has no events)."""
        stream = aggregate.stream(id)
        events = self.store.read(stream)
        state = aggregate.replay(id, events) if events else None
        return Loaded(id, stream, events, state)

    def live(self, aggregate: Aggregate[S], id: str) -> Loaded[S] | None:
        """The stream of *id* as :meth:`load` reads it; ``None`` when it has no events or was
        destroyed (nothing may follow then: see :meth:`handle`)."""
        loaded = self.load(aggregate, id)
        return None if not loaded.events or _destroyed(loaded) else loaded

    def require(self, aggregate: Aggregate[S], id: str) -> S:
        """The state of *id*; :class:`~magcore.errors.NotFoundError` if its stream is empty."""
        loaded = self.load(aggregate, id)
        if loaded.state is None:
            raise NotFoundError(f"unknown {aggregate.name} {id!r}")
        return loaded.state

    def handle(
        self,
        aggregate: Aggregate[S],
        id: str,
        decide: Decide[S],
        *,
        must_exist: bool = False,
        new: bool = False,
        also: Callable[[], Sequence[StreamWrite]] | None = None,
        attempts: int = 1,
        idempotent: bool = False,
        actor: str = "",
        action: str = "",
    ) -> Handled[S]:
        """Decide on the stream of *id* and append the new events in one transaction.

        *must_exist* refuses an empty stream with :class:`~magcore.errors.NotFoundError`; *new*
        skips reading (the stream must be empty, else the store raises ConflictError). *also*
        gives further writes for the same transaction. A refused command raises and writes
        nothing; a concurrent change raises :class:`~magcore.errors.ConflictError`, unless
        *attempts* allows loading and deciding again. *idempotent* marks a command that is safe
        to repeat: it is retried as :attr:`retry` says, with jittered back-off. A refusal (any
        :class:`~magcore.errors.MagcoreError` from *decide*, or a conflict that stays) leaves an
        audit line naming *actor* and *action* before it is raised.
        """
        if idempotent:
            attempts = max(attempts, self.retry.attempts)
        if attempts < 1:
            raise ValueError(f"attempts must be at least 1, not {attempts}")
        try:
            return self._attempt(aggregate, id, decide, must_exist, new, also, attempts)
        except MagcoreError as exc:
            self._refused(aggregate.stream(id), exc, actor=actor, action=action)
            raise

    def _attempt(
        self,
        aggregate: Aggregate[S],
        id: str,
        decide: Decide[S],
        must_exist: bool,
        new: bool,
        also: Callable[[], Sequence[StreamWrite]] | None,
        attempts: int,
    ) -> Handled[S]:
        for attempt in range(1, attempts + 1):
            if new:
                loaded: Loaded[S] = Loaded(id, aggregate.stream(id), (), None)
            else:
                loaded = self.load(aggregate, id)
            if must_exist and loaded.state is None:
                raise NotFoundError(f"unknown {aggregate.name} {id!r}")
            if loaded.events and _destroyed(loaded):
                # Its keys are gone: nothing may be added (it would get a new, readable key).
                raise NotFoundError(f"{aggregate.name} {id!r} was destroyed")
            new_events = tuple(decide(loaded, self.clock.now()))
            if loaded.state is not None and aggregate.evolve is not None:
                state = aggregate.evolve(loaded.state, new_events)
            else:
                state = aggregate.replay(id, (*loaded.events, *new_events))
            rows = aggregate.read_model(state) if aggregate.read_model is not None else None
            person = aggregate.person_rows(state) if aggregate.person_rows is not None else None
            writes = [
                StreamWrite(
                    loaded.stream, loaded.version, new_events, read_model=rows, person_rows=person
                )
            ]
            if also is not None:
                writes.extend(also())
            try:
                batch = self.commit(writes)
            except ConflictError:
                self.conflicts += 1
                if attempt == attempts:
                    raise
                self.retries += 1
                self.sleep(self.retry.delay(attempt))
                continue
            return Handled(loaded.state, state, batch)
        raise AssertionError("unreachable: attempts must be at least 1")  # pragma: no cover

    def commit(self, writes: Sequence[StreamWrite]) -> CommittedBatch:
        """Append *writes* in one transaction, then tell the observers (once)."""
        batch = self.store.append(writes, origin=self.origin)
        self.tell(batch)
        return batch

    def refused(self, stream: str, exc: MagcoreError, *, actor: str, action: str) -> None:
        """The audit line of a refused command (its own transaction; the refusal stands): for
        code that writes without :meth:`handle` (a streamed import)."""
        self._refused(stream, exc, actor=actor, action=action)

    def _refused(self, stream: str, exc: MagcoreError, *, actor: str, action: str) -> None:
        """The audit line of a refused command (its own transaction; the refusal stands)."""
        record = AuditRecord(
            at=self.clock.now().isoformat(),
            actor=actor or "unknown",
            action=action or "command",
            object=stream,
            result=_result_of(exc),
            origin=self.origin or "api",
            reason=exc.audit_reason()[:500],  # never the message: it may quote content
        )
        # If the store itself refuses, the original error is the news.
        with contextlib.suppress(MagcoreError):
            self.store.append_audit([record])

    def with_read_models(
        self, writes: Sequence[StreamWrite], aggregates: Sequence[Aggregate[Any]]
    ) -> list[StreamWrite]:
        """*writes*, each to a stream of one of *aggregates* given the rows it needs.

        For events built outside the handler (workflows, connectors, imports): such a stream
        is read and replayed with its new events, as the handler does for a command. A stream
        whose events make no valid state gets no rows (the lists do not know it).
        """
        completed = []
        for write in writes:
            aggregate = next((a for a in aggregates if a.owns(write.stream)), None)
            if (
                aggregate is None
                or (
                    (aggregate.read_model is None or write.read_model is not None)
                    and (aggregate.person_rows is None or write.person_rows is not None)
                )
                or not write.events
            ):
                completed.append(write)
                continue
            id = write.stream[len(aggregate.stream("")) :]
            stored = self.store.read(write.stream)
            before = tuple(e for e in stored if e.version <= write.expected_version)
            events = (*before, *write.events)
            try:
                state = aggregate.replay(id, events)
                if aggregate.read_model is not None and write.read_model is None:
                    write = attrs.evolve(write, read_model=aggregate.read_model(state))
                if aggregate.person_rows is not None and write.person_rows is None:
                    write = attrs.evolve(write, person_rows=aggregate.person_rows(state))
            except (ValueError, KeyError, TypeError):
                pass
            completed.append(write)
        return completed


def _result_of(exc: MagcoreError) -> str:
    """A refused command's audit result: ``conflict`` (changed meanwhile), ``denied`` (the
    asker may not: an access decision, as a refused read is) or ``refused`` (anything else)."""
    if isinstance(exc, ConflictError):
        return "conflict"
    return "denied" if isinstance(exc, ConsentError) else "refused"
