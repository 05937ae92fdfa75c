"""Dates, days and periods at the boundary: within what magcore supports, of the right type.

Part of the input policy (:mod:`magcore.model.input_policy`, which gives these names too):

* a date given by a person lies from :data:`MIN_DATE` to :data:`MAX_DATE`
  (:func:`date_problem`);
* a period spans at most :data:`MAX_PERIOD_DAYS` (:func:`period_problem`,
  :func:`check_period`); one not given is this calendar year, one given by its start only a
  year long (:func:`default_period`);
* a day is a :class:`~datetime.date`, not a text or a date with a time (:func:`day_problem`,
  and the attrs validator :func:`valid_optional_day`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import attrs

from ..errors import InputRefused, Problem

__all__ = [
    "MAX_DATE",
    "MAX_PERIOD_DAYS",
    "MIN_DATE",
    "check_period",
    "date_problem",
    "day_problem",
    "default_period",
    "period_problem",
    "valid_optional_day",
]

MIN_DATE = date(1900, 1, 1)
"""The first day a person may give (a command's date option, ``MAGCORE_NOW``)."""

MAX_DATE = date(9000, 12, 31)
"""The last day a person may give: a period from it, with its windows, stays inside ``date``."""

MAX_PERIOD_DAYS = 18_263
"""The longest period a plan, a coverage check or a participation report may span: 50 years
(a working life). A plan over the supported dates' 7,000 years would hold millions of due
conversations and take hours."""

# -- dates -----------------------------------------------------------------------------------


def date_problem(value: date, *, pointer: str) -> Problem | None:
    """Why the date (or date-time) *value* (at *pointer*) is outside :data:`MIN_DATE` to
    :data:`MAX_DATE`, or ``None`` if it is inside."""
    day = value.date() if isinstance(value, datetime) else value
    if MIN_DATE <= day <= MAX_DATE:
        return None
    return Problem(
        pointer,
        f"{value.isoformat()} is outside the supported dates {MIN_DATE.isoformat()} to "
        f"{MAX_DATE.isoformat()}",
        "dateRange",
    )


def period_problem(start: date, end: date, *, pointer: str = "/end") -> Problem | None:
    """Why the period ``[start, end)`` is longer than :data:`MAX_PERIOD_DAYS`, or ``None``."""
    if (end - start).days <= MAX_PERIOD_DAYS:
        return None
    return Problem(
        pointer,
        f"the period {start.isoformat()} to {end.isoformat()} is longer than 50 years "
        f"({MAX_PERIOD_DAYS:,} days)",
        "maxPeriod",
    )


def check_period(start: date, end: date, *, pointer: str = "/end") -> None:
    """Raise :class:`InputRefused` when the period is longer than :data:`MAX_PERIOD_DAYS`."""
    problem = period_problem(start, end, pointer=pointer)
    if problem is not None:
        raise InputRefused([problem], what="period")


# -- days ------------------------------------------------------------------------------------


def default_period(start: date | None, end: date | None, *, today: date) -> tuple[date, date]:
    """The period a command or a request means when it leaves out a bound: from 1 January of
    *today*'s year, and a year long (the same day a year on, at most the 28th); a bound given
    is kept (check the result with :func:`period_problem`).

    >>> default_period(None, None, today=date(2026, 5, 4))
    (datetime.date(2026, 1, 1), datetime.date(2027, 1, 1))
    >>> default_period(date(2024, 2, 29), None, today=date(2026, 5, 4))
    (datetime.date(2024, 2, 29), datetime.date(2025, 2, 28))
    """
    if start is None:
        start = date(today.year, 1, 1)
    if end is None:
        end = date(start.year + 1, start.month, min(start.day, 28))
    return start, end


def day_problem(value: Any, *, pointer: str) -> Problem | None:
    """Why *value* is not a calendar day (a ``date``, not a ``datetime``), or ``None``."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return None
    return Problem(pointer, f"must be a date (YYYY-MM-DD), not {type(value).__name__}", "type")


def valid_optional_day(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    """attrs validator: *value* is ``None`` or a calendar day (:func:`day_problem`)."""
    if value is not None:
        problem = day_problem(value, pointer=f"/{attribute.name}")
        if problem is not None:
            raise InputRefused([problem])
