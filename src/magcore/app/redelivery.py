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
    delivered, failed, left = dispatcher.redeliver_dead(consumer)
    return Redelivery(tuple(delivered), tuple(failed), tuple(left))
