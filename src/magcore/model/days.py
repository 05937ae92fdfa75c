"""Days are the municipality's days.

Instants are UTC. A *day* a person gives ("until 31 March", a restriction, a retention period)
means a day in the municipality's time zone (:data:`DEFAULT_TIMEZONE`, ``Europe/Amsterdam``, set
per installation with ``timezone``), and :func:`local_day` is how an instant becomes one. So a
sharing choice until 31 March ends at midnight in Amsterdam, not at midnight UTC (01:00 or 02:00
Amsterdam time).
"""

from __future__ import annotations

import functools
from datetime import date, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import TimezoneError

__all__ = ["DEFAULT_TIMEZONE", "TimezoneError", "local_day", "timezone"]

DEFAULT_TIMEZONE = "Europe/Amsterdam"
"""The time zone of an installation that sets none: Dutch municipalities' own."""


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
