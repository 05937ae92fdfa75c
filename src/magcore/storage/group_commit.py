"""Group commit: audit lines of concurrent requests committed together, each caller waiting
until its own lines are durable.

Every read through the gateway writes its audit line before the content is handed out; with
SQLite's ``synchronous = FULL`` each such commit waits for the disk (an ``fsync``), and under
load the commits queue behind each other. :class:`GroupCommit` lets the first caller lead: it
takes every line waiting at that moment and writes them in **one** transaction; callers that
arrive meanwhile wait, and the next leader takes all of theirs. No caller returns before the
transaction holding its lines has committed, and a failed transaction fails every caller whose
lines were in it (after each has been tried alone, so one bad line fails only its own caller):
content is never sent for a read whose audit line is not written.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

__all__ = ["GroupCommit"]

T = TypeVar("T")


class _Ticket(Generic[T]):
    __slots__ = ("done", "error", "items")

    def __init__(self, items: Sequence[T]) -> None:
        self.items = items
        self.done = False
        self.error: BaseException | None = None


class GroupCommit(Generic[T]):
    """Batches calls of ``write(items)`` from many threads into one call per round.

    *write* must write all the items it gets in one transaction, or none of them.
    :attr:`rounds` counts the transactions, :attr:`items` the items written (for benchmarks).
    """

    def __init__(self, write: Callable[[Sequence[T]], None], *, max_items: int = 1000) -> None:
        self._write = write
        self._max = max_items
        self._cond = threading.Condition()
        self._pending: list[_Ticket[T]] = []
        self._leading = False
        self.rounds = 0
        self.items = 0

    def __call__(self, items: Sequence[T]) -> None:
        """Write *items*, together with whatever other threads are writing now; return once
        they are committed (raise what the transaction raised if it failed)."""
        if not items:
            return
        ticket: _Ticket[T] = _Ticket(items)
        with self._cond:
            self._pending.append(ticket)
        while True:
            with self._cond:
                while self._leading and not ticket.done:
                    self._cond.wait()
                if ticket.done:
                    break
                self._leading = True
                batch = self._take()
            self._lead(batch)
        if ticket.error is not None:
            raise ticket.error

    def _take(self) -> list[_Ticket[T]]:
        """The waiting tickets, oldest first, up to *max_items* items (at least one ticket)."""
        batch: list[_Ticket[T]] = []
        count = 0
        while self._pending and (not batch or count + len(self._pending[0].items) <= self._max):
            ticket = self._pending.pop(0)
            batch.append(ticket)
            count += len(ticket.items)
        return batch

    def _lead(self, batch: list[_Ticket[T]]) -> None:
        try:
            self._commit(batch)
        finally:
            with self._cond:
                for ticket in batch:
                    ticket.done = True
                self._leading = False
                self._cond.notify_all()

    def _commit(self, batch: list[_Ticket[T]]) -> None:
        try:
            self._write([item for ticket in batch for item in ticket.items])
        except BaseException as exc:
            if len(batch) == 1:
                batch[0].error = exc
                return
            for ticket in batch:  # alone, so that one bad line fails only its own caller
                try:
                    self._write(ticket.items)
                except BaseException as alone:
                    ticket.error = alone
            return
        self.rounds += 1
        self.items += sum(len(ticket.items) for ticket in batch)
