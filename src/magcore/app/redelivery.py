"""Dead letters delivered again: once the plugin is fixed, the batches it could not take.

A batch that an observer could not take after every retry goes to the dead-letter list and the
observer goes on (:mod:`magcore.app.dispatcher`). :func:`redeliver_dead_letters` offers each of
those batches to its observer once more, as the dispatcher delivers any batch (declared content
through the gateway, the fault named), and settles it as a delivery is settled: one ``deliver``
audit line per attempt, in the same transaction that takes a delivered batch off the list
(:meth:`~magcore.storage.base.Store.forget_dead_letter`) or counts one more failed attempt.
``magcore dispatch --retry-dead`` runs it. Added in 0.2.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from ..errors import PluginError
from ..storage.base import AuditRecord
from ..storage.outbox import DeadLetter

if TYPE_CHECKING:
    from .dispatcher import Dispatcher

__all__ = ["Redelivery", "redeliver_dead_letters"]


@attrs.frozen
class Redelivery:
    """What a retry of the dead letters did: delivered, failed again (with the fault), and
    left alone (no observer of that name is installed now, or the batch is gone)."""

    delivered: tuple[DeadLetter, ...] = ()
    failed: tuple[tuple[DeadLetter, PluginError], ...] = ()
    left: tuple[DeadLetter, ...] = ()


def redeliver_dead_letters(dispatcher: Dispatcher, *, consumer: str | None = None) -> Redelivery:
    """Offer each dead letter (of *consumer*, or of every observer) to its observer once more,
    oldest first; one that fails again stays on the list with its attempts counted."""
    with dispatcher._lock:  # one delivers at a time, the dispatcher's own thread included
        return _redeliver(dispatcher, consumer)


def _redeliver(dispatcher: Dispatcher, consumer: str | None) -> Redelivery:
    store = dispatcher.store
    calls = dict(dispatcher.observers)
    delivered: list[DeadLetter] = []
    failed: list[tuple[DeadLetter, PluginError]] = []
    left: list[DeadLetter] = []
    for dead in store.dead_letters(consumer):
        call = calls.get(dead.consumer)
        found = store.read_outbox(after=dead.seq - 1, limit=1)
        if call is None or not found or found[0].seq != dead.seq:
            left.append(dead)
            continue
        batch = found[0]
        name = dead.consumer
        delivery, content_lines = dispatcher._delivery(name, batch, dispatcher.needs.get(name, ()))
        held_content = any(e.content is not None for e in delivery.events)
        error = dispatcher._call(name, call, delivery, withhold=held_content)
        now = dispatcher.clock.now().isoformat()

        if error is None:
            reason = f"{len(batch.events)} events, envelopes, again from the dead-letter list"
            store.forget_dead_letter(
                name, batch.seq, audit=[*content_lines, _line(name, batch.seq, now, "done", reason)]
            )
            delivered.append(dead)
            continue
        dispatcher._report(error)
        again = DeadLetter(name, batch.seq, dead.attempts + 1, str(error), now)
        # The cursor is past this batch already: settling it again moves nothing back.
        store.settle_outbox(
            name, batch.seq, dead=again, audit=[_line(name, batch.seq, now, "failed", str(error))]
        )
        failed.append((again, error))
    return Redelivery(tuple(delivered), tuple(failed), tuple(left))


def _line(name: str, seq: int, at: str, result: str, reason: str) -> AuditRecord:
    """The audit line of one delivery attempt, as the dispatcher writes it."""
    return AuditRecord(
        at=at,
        actor=f"plugin:{name}",
        action="deliver",
        object=f"outbox/{seq}",
        result=result,
        origin="dispatcher",
        reason=reason[:500],
    )
