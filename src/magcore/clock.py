"""Injected time: nothing in magcore reads the wall clock except :class:`SystemClock`.

Instants are UTC. *Days* are local: a date a person gives ("until 31 March", a restriction, a
retention period) means a day in the municipality's time zone (:data:`DEFAULT_TIMEZONE`,
``Europe/Amsterdam``, set per installation with ``timezone``), and :func:`local_day` is how an
instant becomes one. So a sharing choice until 31 March ends at midnight in Amsterdam, not at
midnight UTC (01:00 or 02:00 Amsterdam time).
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from .errors import MagcoreError

__all__ = [
    "DEFAULT_TIMEZONE",
    "Clock",
    "FixedClock",
    "SystemClock",
    "TimezoneError",
    "as_utc",
    "local_day",
    "timezone",
]

DEFAULT_TIMEZONE = "Europe/Amsterdam"
"""The time zone of an installation that sets none: Dutch municipalities' own."""


class TimezoneError(MagcoreError, ValueError):
    """A ``timezone`` setting names no IANA time zone."""


@functools.cache
def timezone(name: str | None = None) -> tzinfo:
    """The IANA time zone *name* (``Europe/Amsterdam`` when ``None``); unknown names raise
    :class:`TimezoneError` naming the setting."""
    name = DEFAULT_TIMEZONE if name is None else name
    if not isinstance(name, str) or not name or name.startswith(("/", ".")) or ".." in name:
        raise TimezoneError(f"timezone {name!r} is not an IANA time zone such as Europe/Amsterdam")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise TimezoneError(
            f"timezone {name!r} is not an IANA time zone such as Europe/Amsterdam"
        ) from exc


def local_day(moment: datetime, zone: tzinfo | str | None = None) -> date:
    """The calendar day *moment* falls on in *zone* (the installation's time zone)."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment.isoformat()} has no time zone")
    resolved = zone if isinstance(zone, tzinfo) else timezone(zone)
    return moment.astimezone(resolved).date()


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
