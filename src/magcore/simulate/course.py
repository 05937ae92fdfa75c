"""What happens to each due conversation: asked, scheduled, moved, held or not, recorded.

Someone asks for it (either side, as the kind allows), it is scheduled, perhaps moved (absence,
no time) or not held (also when the employee leaves first), and when held a record is drafted
and confirmed by every participant. Split from :mod:`magcore.simulate.engine`, which calls
:func:`course_of` and re-exports the time units and :data:`NOT_HELD_REASONS`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ..model.cycle import CycleDefinition, ParticipantRole
from .config import SimulationConfig
from .kinds import recorder_slots, third_role
from .org import FAR_FUTURE, OrgHistory
from .tables import Conversations

__all__ = ["DAY", "HOUR", "MINUTE", "NOT_HELD_REASONS", "OWNERS", "course_of"]

I64 = npt.NDArray[np.int64]
DAY = 86_400
HOUR = 3_600
MINUTE = 60

#: Participant slots: 0 = the employee, 1 = the partner (manager or peer), 2 = the coach.
NOT_HELD_REASONS = ("absence", "no_time", "circumstances", "no_longer_needed")
OWNERS = ("employee", "both", "partner", "coach")


def _sort3(values: I64) -> tuple[I64, I64]:
    """Each row of an (n, 3) array sorted, stably, and the column each value came from.

    Three compare-and-swap steps of neighbours (a stable bubble sort), column-wise: much
    faster than ``argsort(axis=1)`` on millions of short rows.
    """
    cols = [values[:, j].copy() for j in range(3)]
    slots = [np.full(len(values), j, dtype=np.int64) for j in range(3)]
    for i in (0, 1, 0):
        swap = cols[i] > cols[i + 1]
        cols[i], cols[i + 1] = (
            np.where(swap, cols[i + 1], cols[i]),
            np.where(swap, cols[i], cols[i + 1]),
        )
        slots[i], slots[i + 1] = (
            np.where(swap, slots[i + 1], slots[i]),
            np.where(swap, slots[i], slots[i + 1]),
        )
    return np.stack(cols, axis=1), np.stack(slots, axis=1)


def _minutes(rng: np.random.Generator, low: int, high: int, n: int) -> I64:
    """Random whole minutes in ``[low, high)``, as seconds."""
    out: I64 = rng.integers(low, high, n).astype(np.int64) * MINUTE
    return out


def course_of(
    config: SimulationConfig,
    cycle: CycleDefinition,
    org: OrgHistory,
    cols: dict[str, I64],
    rng: np.random.Generator,
) -> Conversations:
    """The course of every conversation in *cols* (the due moments of a block, in request
    order), as :class:`~magcore.simulate.tables.Conversations`."""
    n = len(cols["person"])
    person, pattern, due = cols["person"], cols["pattern"], cols["due"]
    req_day = cols["window"]
    big_r = config.max_reschedules
    # Who asks: the employee with the configured chance, if the kind lets both sides ask.
    can_employee = np.zeros(len(cycle.kinds), dtype=bool)
    can_other = np.zeros(len(cycle.kinds), dtype=bool)
    for i, definition in enumerate(cycle.kinds):
        can_employee[i] = ParticipantRole.EMPLOYEE in definition.initiators
        can_other[i] = any(r != ParticipantRole.EMPLOYEE for r in definition.initiators)
    wants_employee = rng.random(n) < config.employee_initiated_share
    kind = cols["kind"]
    by_employee = np.where(can_employee[kind] & can_other[kind], wants_employee, can_employee[kind])
    initiator = np.where(by_employee, 0, 1)
    coach_only = np.zeros(len(cycle.kinds), dtype=bool)
    for i, k in enumerate(cycle.kinds):
        coach_only[i] = set(k.initiators) == {third_role(k)}
    initiator = np.where(coach_only[kind], 2, initiator)

    t_req = req_day * DAY + 8 * HOUR + _minutes(rng, 0, 180, n)
    t_sched = t_req + _minutes(rng, 5, 60, n)
    on_day = req_day + (rng.random(n) * (due - req_day + 1)).astype(np.int64)
    on = np.full((n, big_r + 1), -1, dtype=np.int64)
    on[:, 0] = on_day * DAY + 13 * HOUR + _minutes(rng, 0, 180, n)
    t_resched = np.full((n, big_r), -1, dtype=np.int64)
    resched_reason = np.full((n, big_r), -1, dtype=np.int64)
    n_resched = np.zeros(n, dtype=np.int64)
    state = np.zeros(n, dtype=np.int64)  # 0 pending, 1 held, 2 not held
    reason = np.full(n, -1, dtype=np.int64)
    t_out = np.zeros(n, dtype=np.int64)
    t_prev = t_sched.copy()
    for r in range(big_r + 1):
        pend = np.flatnonzero(state == 0)
        cur = on[pend, r]
        absent = rng.random(len(pend)) < config.absence_rate
        u = rng.random(len(pend))
        can = np.bool_(r < big_r)
        other_nh = ~absent & (u < config.not_held_rate)
        move = (absent | (~other_nh & (u < config.not_held_rate + config.reschedule_rate))) & can
        not_held = (absent & np.logical_not(can)) | other_nh
        held = ~move & ~not_held
        state[pend[held]] = 1
        t_out[pend[held]] = cur[held] + config.conversation_minutes * MINUTE
        nh = pend[not_held]
        state[nh] = 2
        t_out[nh] = cur[not_held] + HOUR
        reason[nh] = np.where(absent[not_held], 0, 1 + (rng.random(len(nh)) < 0.4))
        mv = pend[move]
        if len(mv):
            made = np.maximum(t_prev[mv] + MINUTE, cur[move] - _minutes(rng, 60, 48 * 60, len(mv)))
            t_resched[mv, r] = made
            resched_reason[mv, r] = np.where(absent[move], 0, 1)
            n_resched[mv] += 1
            new_day = cur[move] // DAY + rng.integers(7, 29, len(mv))
            on[mv, r + 1] = new_day * DAY + 13 * HOUR + _minutes(rng, 0, 180, len(mv))
            t_prev[mv] = made
    # The employee or the peer leaves before the conversation: not held, no longer needed.
    left_day = org.left[person]
    peer = pattern == 1
    if peer.any():
        left_day = np.where(
            peer, np.minimum(left_day, org.left[np.maximum(cols["partner"], 0)]), left_day
        )
    left_t = left_day * DAY + 8 * HOUR
    gone = (left_day < FAR_FUTURE) & (left_t < t_out)
    if gone.any():
        g = np.flatnonzero(gone)
        kept = (t_resched[g] >= 0) & (t_resched[g] < left_day[g, None] * DAY)
        n_resched[g] = kept.sum(axis=1)
        t_resched[g] = np.where(kept, t_resched[g], -1)
        resched_reason[g] = np.where(kept, resched_reason[g], -1)
        last = np.max(np.concatenate([t_sched[g, None], t_resched[g]], axis=1), axis=1)
        t_out[g] = np.maximum(left_t[g], last + MINUTE)
        state[g] = 2
        reason[g] = 3
    held_mask = state == 1
    held_day = np.where(held_mask, (t_out - config.conversation_minutes * MINUTE) // DAY, -1)

    n_parts = np.where(pattern == 2, 3, 2)
    # Without the optional manager the third party asks where the manager would have.
    initiator = np.where((pattern == 3) & (initiator == 2), 1, initiator)
    t_draft = np.where(held_mask, t_out + _minutes(rng, 10, 72 * 60, n), -1)
    # The record is written by the partner (70%) or the employee, whoever the kind lets record.
    records = np.array([recorder_slots(k) for k in cycle.kinds], dtype=bool).reshape(-1, 3)
    may = records[kind]
    alone = pattern == 3
    may[alone, 1] = may[alone, 2]  # the third party sits in the partner's slot
    wanted = np.where(rng.random(n) < 0.7, 1, 0)
    other = 1 - wanted
    rows = np.arange(n)
    fallback = np.where(alone, 1, 2)
    author = np.where(
        may[rows, wanted], wanted, np.where(may[rows, other], other, fallback)
    ).astype(np.int64)
    paper = held_mask & (rng.random(n) < config.paper_share)
    confirm = t_draft[:, None] + rng.integers(10, 7 * 24 * 60, (n, 3)) * MINUTE
    confirm[:, 2] = np.where(n_parts == 3, confirm[:, 2], np.iinfo(np.int64).max)
    confirm, slot = _sort3(confirm)
    confirm[:, 2] = np.where(n_parts == 3, confirm[:, 2], -1)
    confirm[~held_mask] = -1
    # The record is drafted and confirmed while everyone is still employed: before someone
    # leaves, its times are drawn closer to the conversation (held by the afternoon before the
    # leaving day, so there are at least 7 hours).
    late = held_mask & (left_day < FAR_FUTURE)
    late[late] = np.max(confirm[late], axis=1) >= left_day[late] * DAY - MINUTE
    if late.any():
        g = np.flatnonzero(late)
        span = left_day[g] * DAY - MINUTE - t_out[g]
        longest = np.max(confirm[g], axis=1) - t_out[g]
        squeezed = (t_draft[g] - t_out[g]) * span // longest // MINUTE * MINUTE
        t_draft[g] = t_out[g] + np.maximum(squeezed, MINUTE)
        offsets = (confirm[g] - t_out[g, None]) * span[:, None] // longest[:, None]
        moved = np.maximum(t_out[g, None] + offsets // MINUTE * MINUTE, t_draft[g, None])
        confirm[g] = np.where(confirm[g] >= 0, moved, -1)
    n_agreements = np.where(
        held_mask, np.minimum(rng.poisson(config.agreements_per_conversation, n), 9), 0
    )
    # Versions: requested 1, scheduled 2, moves, outcome, then draft, confirmations, agreed.
    outcome_version = 3 + n_resched
    last_version = np.where(held_mask, outcome_version + 1 + n_parts + 1, outcome_version)
    return Conversations(
        kind=kind,
        pattern=pattern,
        person=person,
        partner=cols["partner"],
        coach=cols["coach"],
        team=cols["team"],
        due_day=due,
        prompt=cols["prompt"].astype(bool),
        initiator=initiator,
        t_req=t_req,
        t_sched=t_sched,
        n_resched=n_resched,
        t_resched=t_resched,
        on=on,
        resched_reason=resched_reason,
        held=held_mask,
        reason=reason,
        t_out=t_out,
        held_day=held_day,
        t_draft=t_draft,
        author=author,
        paper=paper,
        t_confirm=confirm,
        confirm_slot=slot,
        n_parts=n_parts,
        n_agreements=n_agreements,
        last_version=last_version,
    )
