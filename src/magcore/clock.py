"""Injected time: nothing in magcore reads the wall clock except :class:`SystemClock`.

Instants are UTC; the days people give are days in the installation's time zone
(:mod:`magcore.model.days`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

import attrs

__all__ = ["Clock", "FixedClock", "SystemClock", "as_utc"]


class Clock(Protocol):
    """Anything with ``now()`` returning an aware UTC datetime."""

    def now(self) -> datetime: ...


def as_utc(moment: datetime) -> datetime:
    """Return *moment* as an aware UTC datetime; naive datetimes are refused."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment.isoformat()} has no time zone")
    return moment.astimezone(UTC)


class SystemClock:
    """The real clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@attrs.define
class FixedClock:
    """A clock for tests and simulations: it moves only when told to."""

    current: datetime = attrs.field(converter=as_utc)

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by *delta* (never backwards) and return the new time."""
        if delta < timedelta(0):
            raise ValueError("a clock does not go backwards")
        self.current = self.current + delta
        return self.current

    def set(self, moment: datetime) -> None:
        """Jump to *moment*, which may not be earlier than now."""
        moment = as_utc(moment)
        if moment < self.current:
            raise ValueError("a clock does not go backwards")
        self.current = moment
