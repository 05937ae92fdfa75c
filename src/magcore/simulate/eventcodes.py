"""The event log's columns and event types, and the pieces a window of the log is built from.

The codes (``T_REQ`` ... ``T_CLOSED``) index :data:`EVENT_TYPES`. Split from
:mod:`magcore.simulate.events`, which re-exports :data:`COLUMNS` and :data:`EVENT_TYPES`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from ..extras import importing
from ._order import stable_order

__all__ = ["COLUMNS", "EVENT_TYPES"]

I64 = npt.NDArray[np.int64]

#: The columns of the event log, in order.
COLUMNS = ("stream", "version", "type", "at", "actor", "data")
#: The event types the simulator writes, by code.
EVENT_TYPES = (
    "conversation.requested",
    "conversation.scheduled",
    "conversation.rescheduled",
    "conversation.held",
    "conversation.not_held",
    "record.drafted",
    "record.confirmed",
    "conversation.agreed",
    "agreement.updated",
    "person.joined",
    "person.left",
    "person.moved",
    "manager.changed",
    "measurement.opened",
    "measurement.closed",
)
(
    T_REQ,
    T_SCHED,
    T_RESCHED,
    T_HELD,
    T_NOT_HELD,
    T_DRAFT,
    T_CONFIRM,
    T_AGREED,
    T_UPDATE,
    T_JOINED,
    T_LEFT,
    T_MOVED,
    T_MANAGER,
    T_OPENED,
    T_CLOSED,
) = range(len(EVENT_TYPES))


def _pa() -> Any:
    """pyarrow, or :class:`~magcore.errors.ExtraMissingError` naming ``magcore[parquet]``."""
    with importing("parquet", feature="the simulation's event log"):
        import pyarrow
        import pyarrow.compute
    return pyarrow


class _Slot:
    """Events of one type: times sorted, with the row (and sub-index) each comes from."""

    def __init__(self, kind: int, t: I64, row: I64, sub: I64 | None = None) -> None:
        order = stable_order(t)
        self.kind = kind
        self.t = t[order]
        self.row = row[order]
        self.sub = sub[order] if sub is not None else None

    def window(self, a: int, b: int) -> tuple[I64, I64, I64]:
        lo, hi = np.searchsorted(self.t, [a, b], side="left")
        sub = self.sub[lo:hi] if self.sub is not None else np.zeros(hi - lo, dtype=np.int64)
        return self.t[lo:hi], self.row[lo:hi], sub


class _Part:
    """The events of one type in one window: numbers for sorting, and the ``data`` strings."""

    __slots__ = ("actor", "at", "code", "data", "stream", "version")

    def __init__(
        self, at: I64, stream: I64, version: I64, code: I64 | int, actor: I64, data: Any
    ) -> None:
        self.at = at
        self.stream = stream
        """0 for the organisation's stream, 1 + the conversation's row otherwise."""
        self.version = version
        self.code = np.broadcast_to(np.asarray(code, dtype=np.int64), at.shape)
        self.actor = actor
        """Index into the builder's actor table."""
        self.data = data
