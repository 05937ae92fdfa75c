"""The outbox dispatcher: delivers committed batches to observing plugins, apart from the commit.

The store writes each batch's envelopes to its outbox in the commit's own transaction
(:mod:`magcore.storage.outbox`). The dispatcher reads the outbox and calls every observer
(``magcore_events_committed``) with a :class:`~magcore.access.observers.Delivery`:

- **at least once, in commit order** (so in order per stream): each observer has a cursor in
  the store, moved only after its call succeeded (or the batch went to the dead-letter list);
- **with retries**: a failing call is tried again after an exponential, jittered back-off, up
  to :attr:`DeliveryPolicy.attempts` times; then the batch goes to the dead-letter list
  (``magcore plugins`` shows it) and the observer goes on with the next batch;
- **apart from the commit**: in a thread of its own (:meth:`Dispatcher.start`, the service's
  default), in the caller's thread after each commit (``dispatch="sync"``), or in another
  process (``magcore dispatch``). A slow or failing plugin delays nobody's commit;
- **envelopes only**, unless the plugin declared content (``magcore_declare_content``): then
  each declared event's fields pass the access gateway (:meth:`Gateway.deliver
  <magcore.access.gateway.Gateway.deliver>`: decided as a legal basis, opened from the
  encrypted store, one audit line each, refusals too); every delivery leaves an audit line.
  A dispatcher without a gateway (:attr:`Dispatcher.gateway`) delivers no content at all.

Every fault (an exception, a wrong return value) is a :class:`~magcore.errors.PluginError`
naming the distribution and the hook. Deliveries are deep-immutable.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from ..access.gateway import Gateway
from ..access.observers import ContentNeed, Delivery, ObservedEvent
from ..clock import Clock, SystemClock
from ..errors import PluginError
from ..events import Event
from ..plugins import PluginHost
from ..storage.base import AuditRecord, Store
from ..storage.chain import event_object
from ..storage.outbox import DeadLetter, OutboxBatch

__all__ = ["HOOK", "DeliveryPolicy", "Dispatcher"]

log = logging.getLogger("magcore")

HOOK = "magcore_events_committed"


@attrs.frozen
class DeliveryPolicy:
    """How often and how far apart a failing delivery is tried (full jitter, capped)."""

    attempts: int = 5
    base: float = 0.5
    cap: float = 30.0

    def delay(self, attempt: int, rand: Callable[[], float] = random.random) -> float:
        """The wait after failed attempt *attempt* (1, 2, ...)."""
        return float(rand() * min(self.cap, self.base * 2 ** (attempt - 1)))


Observer = tuple[str, Callable[[Any], Any]]


class Dispatcher:
    """Delivers the outbox of *store* to the observers of *host* (see the module)."""

    def __init__(
        self,
        store: Store,
        host: PluginHost,
        *,
        clock: Clock | None = None,
        policy: DeliveryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        on_failure: Callable[[PluginError], None] | None = None,
        page: int = 100,
    ) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        self.policy = policy or DeliveryPolicy()
        self.sleep = sleep
        self.monotonic = monotonic
        self._retry: dict[str, tuple[int, float]] = {}
        """Observers in back-off: failed attempts of their next batch, and when to try again."""
        self.on_failure = on_failure
        self.page = page
        self.host = host
        self.failures: list[PluginError] = []
        self._observers: list[Observer] = []
        self.needs: Mapping[str, tuple[ContentNeed, ...]] = {}
        self._registered: tuple[int, ...] | None = None
        self._refreshing = threading.Lock()
        self._refresh()
        self.gateway: Callable[[], Gateway] | None = None
        """Gives the gateway declared content passes (the service sets it); ``None``: declared
        content is refused (audited), never read from the store as it is (encrypted)."""
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()

    # -- who observes ------------------------------------------------------------------------

    @property
    def observers(self) -> list[Observer]:
        """Every observer of the host now, as ``(plugin name, call)``: a plugin registered on
        the host after the dispatcher was made (``magcore.testing.registered``) is one from
        then on, with its content declarations, and one unregistered is no longer."""
        self._refresh()
        return self._observers

    def _refresh(self) -> None:
        """Read the observers and content declarations again when the plugins implementing
        them changed (cheap to ask: the hooks' implementations)."""
        hook = self.host.pm.hook
        registered = tuple(
            id(impl.plugin)
            for caller in (hook.magcore_events_committed, hook.magcore_declare_content)
            for impl in caller.get_hookimpls()
        )
        if registered == self._registered:
            return
        with self._refreshing:
            if registered == self._registered:
                return
            needs = self.host.hooks.content_needs()
            known = {(f.distribution, f.reason) for f in self.failures}
            self.failures.extend(
                p for p in needs.problems if (p.distribution, p.reason) not in known
            )
            self.needs = needs.by_plugin()
            self._observers = self.host.hooks.observers()
            self._registered = registered

    # -- draining --------------------------------------------------------------------------

    def drain(self, *, wait: bool = False) -> int:
        """Deliver every pending batch to every observer that is not waiting out a back-off.

        With *wait*, keep going (sleeping through back-offs) until every observer has taken or
        dead-lettered every batch: a synchronous drain for tests and ``magcore dispatch
        --once``. Returns the number of successful deliveries. Safe to call from several
        threads (one drains at a time) and while the thread runs.
        """
        delivered = 0
        while True:
            with self._lock:
                for name, call in self.observers:
                    delivered += self._drain_one(name, call)
                pause = self._next_retry()
            if not wait or pause is None or self._stop.is_set():
                return delivered
            self.sleep(pause)

    def _next_retry(self) -> float | None:
        """Seconds until the earliest observer in back-off may try again (None: nobody waits)."""
        waits = [not_before for _attempts, not_before in self._retry.values()]
        if not waits:
            return None
        return max(0.0, min(waits) - self.monotonic())

    def _drain_one(self, name: str, call: Callable[[Any], Any]) -> int:
        delivered = 0
        while not self._stop.is_set():
            state = self._retry.get(name)
            if state is not None and state[1] > self.monotonic():
                return delivered  # backing off: the other observers go on meanwhile
            cursor = self.store.outbox_cursor(name)
            batches = self.store.read_outbox(after=cursor, limit=self.page)
            if not batches:
                return delivered
            for batch in batches:
                if self._stop.is_set():
                    return delivered
                done = self._deliver(name, call, batch)
                if done is None:
                    return delivered  # failed: try again after the back-off
                delivered += done
        return delivered

    def _deliver(self, name: str, call: Callable[[Any], Any], batch: OutboxBatch) -> int | None:
        """1 if delivered, 0 if dead-lettered, None if it failed and will be tried again."""
        needs = self.needs.get(name, ())
        delivery, content_lines = self._delivery(name, batch, needs)
        held_content = any(e.content is not None for e in delivery.events)
        error = self._call(name, call, delivery, withhold=held_content)
        if error is None:
            self._retry.pop(name, None)
            self._settle(name, batch, content_lines, "done", "")
            return 1
        self._report(error)
        attempts = self._retry.get(name, (0, 0.0))[0] + 1
        if attempts < self.policy.attempts:
            self._retry[name] = (attempts, self.monotonic() + self.policy.delay(attempts))
            # the plugin was handed the declared content even though it failed: audited
            if content_lines:
                self.store.append_audit([*content_lines, self._line(name, batch, str(error))])
            return None
        self._retry.pop(name, None)
        dead = DeadLetter(name, batch.seq, attempts, str(error), self._now())
        self._settle(name, batch, content_lines, "failed", str(error), dead=dead)
        return 0

    def _call(
        self, name: str, call: Callable[[Any], Any], delivery: Delivery, *, withhold: bool = False
    ) -> PluginError | None:
        """Call the observer; its fault as a named error that keeps the exception's class, not
        its message. The error goes to the dead-letter table and the audit chain, which are
        neither encrypted nor erasable, and a message may quote anything: content the delivery
        held, or personal data of the observer's own (an address an HR system refused). The
        exception itself stays the error's cause, in memory; for a delivery of envelopes only
        its message goes to the process log (:func:`logging.warning`), where the installation
        keeps it as long as it keeps its logs."""
        try:
            result = call(delivery)
        except Exception as exc:  # a plugin's own fault, whatever it is: isolate and name it
            reason = (
                f"{type(exc).__name__} (its message is not kept: the delivery held content)"
                if withhold
                else f"{type(exc).__name__} (its message is in the process log, not kept here)"
            )
            error = PluginError(distribution=name, hook=HOOK, reason=reason)
            error.__cause__ = exc
            if not withhold:
                log.warning("observer %r raised %s: %s", name, type(exc).__name__, exc)
            return error
        if result is not None:
            return PluginError(
                distribution=name,
                hook=HOOK,
                reason=f"returned {type(result).__name__}; an observer returns None",
            )
        return None

    def _report(self, error: PluginError) -> None:
        log.warning("%s", error)
        self.failures.append(error)
        if self.on_failure is not None:
            self.on_failure(error)

    def _now(self) -> str:
        return self.clock.now().isoformat()

    def _settle(
        self,
        name: str,
        batch: OutboxBatch,
        content_lines: Sequence[AuditRecord],
        result: str,
        reason: str,
        *,
        dead: DeadLetter | None = None,
    ) -> None:
        line = self._line(name, batch, reason, result=result)
        self.store.settle_outbox(name, batch.seq, dead=dead, audit=[*content_lines, line])

    def _line(
        self, name: str, batch: OutboxBatch, reason: str, *, result: str = "failed"
    ) -> AuditRecord:
        """The audit line of one attempt to deliver *batch* to observer *name*."""
        return AuditRecord(
            at=self._now(),
            actor=f"plugin:{name}",
            action="deliver",
            object=f"outbox/{batch.seq}",
            result=result,
            origin="dispatcher",
            reason=reason[:500] or f"{len(batch.events)} events, envelopes",
        )

    def redeliver_dead(
        self, consumer: str | None = None
    ) -> tuple[list[DeadLetter], list[tuple[DeadLetter, PluginError]], list[DeadLetter]]:
        """Offer each dead letter (of *consumer*, or of every observer) to its observer once
        more, oldest first (:func:`magcore.app.redelivery.redeliver_dead_letters`): delivered,
        failed again, and left (no such observer now, or the batch is gone)."""
        delivered: list[DeadLetter] = []
        failed: list[tuple[DeadLetter, PluginError]] = []
        left: list[DeadLetter] = []
        with self._lock:  # one delivers at a time, the dispatcher's own thread included
            calls = dict(self.observers)
            for dead in self.store.dead_letters(consumer):
                name, call = dead.consumer, calls.get(dead.consumer)
                found = self.store.read_outbox(after=dead.seq - 1, limit=1)
                if call is None or not found or found[0].seq != dead.seq:
                    left.append(dead)
                    continue
                batch = found[0]
                delivery, content_lines = self._delivery(name, batch, self.needs.get(name, ()))
                held_content = any(e.content is not None for e in delivery.events)
                error = self._call(name, call, delivery, withhold=held_content)
                if error is None:
                    again = f"{len(batch.events)} events, again from the dead-letter list"
                    line = self._line(name, batch, again, result="done")
                    self.store.forget_dead_letter(name, batch.seq, audit=[*content_lines, line])
                    delivered.append(dead)
                    continue
                self._report(error)
                counted = DeadLetter(name, batch.seq, dead.attempts + 1, str(error), self._now())
                # the cursor is past this batch already: settling it again moves nothing back
                self._settle(name, batch, content_lines, "failed", str(error), dead=counted)
                failed.append((counted, error))
        return delivered, failed, left

    # -- content ---------------------------------------------------------------------------

    def _delivery(
        self, name: str, batch: OutboxBatch, needs: Sequence[ContentNeed]
    ) -> tuple[Delivery, tuple[AuditRecord, ...]]:
        events: list[ObservedEvent] = []
        lines: list[AuditRecord] = []
        cache: dict[str, tuple[Event, ...]] = {}
        roles: dict[str, Mapping[str, str]] = {}
        gateway = self.gateway() if self.gateway is not None and needs else None
        for envelope in batch.events:
            if envelope.stream not in roles:
                roles[envelope.stream] = self._roles(envelope.stream)
            wanted = [n for n in needs if envelope.type in n.event_types]
            content = None
            if wanted:
                fields = sorted({f for n in wanted for f in n.fields})
                need = wanted[0]
                if gateway is None:
                    lines.append(self._refused(name, envelope.stream, envelope.version, need))
                else:
                    if envelope.stream not in cache:
                        cache[envelope.stream] = gateway.store.read(envelope.stream)
                    content = gateway.deliver(
                        envelope.stream,
                        envelope.version,
                        plugin=name,
                        fields=fields,
                        purpose=need.purpose,
                        basis=need.basis,
                        events=cache[envelope.stream],
                    )
            events.append(
                ObservedEvent(
                    envelope.stream,
                    envelope.version,
                    envelope.type,
                    envelope.at,
                    envelope.actor,
                    roles[envelope.stream].get(envelope.actor, ""),
                    content,
                )
            )
        return Delivery(batch.seq, batch.position, tuple(events)), tuple(lines)

    def _refused(self, name: str, stream: str, version: int, need: ContentNeed) -> AuditRecord:
        return AuditRecord(
            at=self._now(),
            actor=f"plugin:{name}",
            action="deliver-content",
            object=event_object(stream, version),
            result="denied",
            origin="dispatcher",
            reason=f"basis: {need.basis}; denied because no access gateway is set"[:500],
            purpose=need.purpose[:200],
        )

    def _roles(self, stream: str) -> Mapping[str, str]:
        """Who has which role on *stream*: the participants of a conversation (from its request,
        metadata kept in clear), the employee on their own sharing stream; else nobody."""
        kind, _, rest = stream.partition(":")
        if kind == "person":
            return {rest: "employee"}
        if kind != "conversation":
            return {}
        for event in self.store.read(stream):
            if event.type == "conversation.requested":
                people = event.data.get("participants", ())
                return {
                    str(p["person"]): str(p["role"])
                    for p in people
                    if isinstance(p, Mapping) and "person" in p and "role" in p
                }
        return {}

    # -- the thread ------------------------------------------------------------------------

    def notify(self) -> None:
        """Wake the thread: something was committed."""
        self._wake.set()

    def start(self, *, poll: float = 1.0) -> None:
        """Deliver in a daemon thread, woken by :meth:`notify` and every *poll* seconds (for
        commits by other processes). Does nothing without observers, or when the thread
        runs already (requests in several threads may each ask after their commit: one
        thread is started)."""
        with self._starting:
            if self._thread is not None or not self.observers:
                return
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._run, args=(poll,), name="magcore-dispatcher", daemon=True
            )
            self._thread.start()

    def _run(self, poll: float) -> None:
        """The thread's loop: drain when woken, or after *poll* seconds."""
        pause = poll
        while not self._stop.is_set():
            self._wake.wait(pause)
            self._wake.clear()
            try:
                self.drain()
                retry = self._next_retry()
                pause = poll if retry is None else min(poll, retry)
            except Exception:  # the store failing: log it and try again later
                log.exception("magcore dispatcher: delivering the outbox failed")
                pause = poll

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread after the call it is in (pending batches stay in the outbox)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():  # stuck in a plugin's call: it stops after it
                return
            self._thread = None
        self._stop.clear()
