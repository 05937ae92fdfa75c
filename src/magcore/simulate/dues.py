"""Who is due when: every due moment of a conversation kind for a block of people.

Each person-level kind is planned with the library's cadence rules
(:func:`magcore.planning.due_dates`, and ``add_months`` semantics for after-hire cadences), so
simulated due dates agree with planning. A kind started by a change in the organisation is due
once per ``joined`` or ``left`` of the simulated history, ``delay_days`` after it and within
``window_days``; the free cadence has conversations at a rate. Split from
:mod:`magcore.simulate.engine`, which calls :func:`due_moments`.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import numpy.typing as npt

from ..domain.planning import due_dates
from ..model.cycle import CadenceKind, ConversationKind, MonthEnd, OrgTrigger
from .config import SimulationConfig
from .org import FAR_FUTURE, OrgHistory, day_number

__all__ = ["add_months_days", "due_moments"]

I64 = npt.NDArray[np.int64]
BOOL = npt.NDArray[np.bool_]


def add_months_days(days: I64, months: I64 | int, rule: MonthEnd = MonthEnd.CLAMP) -> I64:
    """Vectorised :func:`magcore.planning.add_months` over day numbers (days since 1970)."""
    d = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    day_of_month = (d - month.astype("datetime64[D]")).astype(np.int64)
    target = month + np.asarray(months, dtype=np.int64)
    first = target.astype("datetime64[D]")
    length = ((target + 1).astype("datetime64[D]") - first).astype(np.int64)
    fits = day_of_month < length
    overflow = first + (length - 1) if rule is MonthEnd.CLAMP else first + length
    result = np.where(fits, first + day_of_month, overflow)
    out: I64 = result.astype(np.int64)
    return out


def due_moments(
    kind: ConversationKind,
    config: SimulationConfig,
    org: OrgHistory,
    rng: np.random.Generator,
    block: I64,
) -> tuple[I64, I64, I64, BOOL]:
    """(person, due day, window start day, prompt only) for every due moment of *kind*.

    Only the people in *block* (person indices, ascending) are considered.
    """
    cadence = kind.cadence
    start, end = config.start, config.end
    people: list[I64] = []
    dues: list[I64] = []
    windows: list[I64] = []
    prompts: list[BOOL] = []
    hired, left = org.hired[block], org.left[block]
    if cadence.kind in (CadenceKind.PER_YEAR, CadenceKind.INTERVAL):
        for window_start, due_on, _ in due_dates(cadence, start, end):
            d = day_number(due_on)
            ok = (hired <= d) & (d < left)
            if cadence.kind is CadenceKind.INTERVAL:
                ok &= hired < d
            who = np.flatnonzero(ok)
            people.append(block[who])
            dues.append(np.full(len(who), d, dtype=np.int64))
            windows.append(np.maximum(hired[who], day_number(window_start)))
            prompts.append(np.zeros(len(who), dtype=bool))
    elif cadence.kind is CadenceKind.AFTER_HIRE:
        assert cadence.first_after_months is not None
        assert cadence.every_months is not None
        s, e = org.start_day, org.end_day
        who_all = block
        offset = cadence.first_after_months
        previous = hired.copy()
        occurrence = 0
        while True:
            occurrence += 1
            if cadence.times is not None and occurrence > cadence.times:
                break  # a finite series (e.g. two onboarding conversations), as planning
            due_at = add_months_days(hired, offset, cadence.month_end)
            alive = (due_at < e) & (due_at < left)
            if not alive.any() and (due_at >= e).all():
                break
            take = alive & (due_at >= s) & (due_at > hired)
            people.append(who_all[take])
            dues.append(due_at[take])
            windows.append(previous[take])
            prompts.append(np.zeros(int(take.sum()), dtype=bool))
            previous = due_at
            offset += cadence.every_months
            if offset > 12 * (config.years + 60):
                break
    elif cadence.kind is CadenceKind.ON_EVENT:
        # Once per hire or leaving day in the period, as magcore.planning plans it.
        assert cadence.window_days is not None
        changed = hired if cadence.event is OrgTrigger.JOINED else left
        opens = changed + (cadence.delay_days or 0)
        due_at = opens + cadence.window_days
        take = (changed < FAR_FUTURE) & (due_at >= day_number(start)) & (due_at < day_number(end))
        take &= hired < changed if cadence.event is OrgTrigger.LEFT else hired >= org.start_day
        people.append(block[take])
        dues.append(due_at[take])
        windows.append(opens[take])
        prompts.append(np.zeros(int(take.sum()), dtype=bool))
    else:  # free: no obligation; conversations happen at a rate, quiet periods prompt
        month_rate = min(1.0, config.free_conversations_per_year / 12)
        for k in range(12 * config.years):
            a = day_number(_month(config.start, k))
            b = day_number(_month(config.start, k + 1))
            moment = a + rng.integers(0, b - a, len(block))
            ok = (hired <= moment) & (moment < left) & (rng.random(len(block)) < month_rate)
            who = np.flatnonzero(ok)
            people.append(block[who])
            dues.append(moment[who])
            windows.append(np.maximum(moment[who] - 60, hired[who]))
            prompts.append(np.ones(len(who), dtype=bool))
    if not people:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, np.zeros(0, dtype=bool)
    return (
        np.concatenate(people),
        np.concatenate(dues),
        np.concatenate(windows),
        np.concatenate(prompts),
    )


def _month(start: date, k: int) -> date:
    from ..domain.planning import add_months

    return add_months(start, k)
