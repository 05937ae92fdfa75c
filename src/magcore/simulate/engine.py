"""The conversation model: who is due when, what happens to each conversation and agreement.

Driven by the cycle definition: each person-level kind (employee–manager, peer, three-party)
is planned with the library's cadence rules (:func:`magcore.planning.due_dates`, and
``add_months`` semantics for after-hire cadences), so simulated due dates agree with planning.
Before the roll-out date only pilot teams take part; from it, everyone.

For every due conversation: someone asks for it (either side, as the kind allows), it is
scheduled, perhaps moved (absence, no time) or not held, and when held a record is drafted and
confirmed by every participant. Agreements made there are carried forward into the person's next
conversations until they are done or dropped (more often dropped when the manager changed).

Everything is columnar NumPy: one array element per conversation or agreement, no per-event
Python objects. Team-pattern kinds are not simulated (listed in ``skipped_kinds``).

Kinds given by their parties are simulated by their shape (:func:`pattern_code`): with a peer,
with the manager, with the manager and a third party (a coach from the pool, or any registered
role). Where the manager is an optional party and the employee has none, the conversation is
held with the third party alone (code 3: the partner slot holds the coach). A kind started by a
change in the organisation is due once per ``joined`` or ``left`` of the simulated history,
``delay_days`` after it and within ``window_days``; kinds started by other changes are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from ..domain.planning import due_dates
from ..model.cycle import (
    Applicability,
    CadenceKind,
    ConversationKind,
    CycleDefinition,
    Membership,
    MonthEnd,
    OrgTrigger,
    ParticipantRole,
    Pattern,
)
from ._order import lex_order as _lex
from ._order import stable_order
from .config import SimulationConfig, resolve_cycle
from .org import FAR_FUTURE, OrgHistory, day_number, simulate_org
from .tables import Agreements, Conversations, Simulation

__all__ = [
    "PATTERN_CODES",
    "SIMULATED_TRIGGERS",
    "Agreements",
    "Conversations",
    "Simulation",
    "add_months_days",
    "blocks",
    "coach_count",
    "pattern_code",
    "recorder_slots",
    "run",
    "simulate_blocks",
    "simulate_people",
    "third_role",
]

I64 = npt.NDArray[np.int64]
BOOL = npt.NDArray[np.bool_]
DAY = 86_400
HOUR = 3_600
MINUTE = 60

#: Patterns the simulator models, by code (3: the third party without the optional manager).
PATTERN_CODES = {Pattern.EMPLOYEE_MANAGER: 0, Pattern.PEER: 1, Pattern.THREE_PARTY: 2}
#: The change-started kinds the simulator models (its history has hire and leaving days).
SIMULATED_TRIGGERS = frozenset({OrgTrigger.JOINED, OrgTrigger.LEFT})
_THIRD = (Membership.COACH_POOL, Membership.ORGANISATION)


def pattern_code(kind: ConversationKind) -> int | None:
    """The simulator's code for *kind*'s shape, or ``None`` when it is not simulated."""
    if kind.is_team:
        return None
    if kind.cadence.kind is CadenceKind.ON_EVENT and kind.cadence.event not in SIMULATED_TRIGGERS:
        return None
    memberships = {p.membership for p in kind.parties}
    if Membership.SAME_TEAM in memberships:
        return 1
    if any(m in memberships for m in _THIRD):
        return 2
    return 0 if Membership.MANAGER_OF_EMPLOYEE in memberships else None


def third_role(kind: ConversationKind) -> str:
    """The role in the simulator's third slot: the coach, or the party from a pool."""
    return next((p.role for p in kind.parties if p.membership in _THIRD), ParticipantRole.COACH)


#: Participant slots: 0 = the employee, 1 = the partner (manager or peer), 2 = the coach.
NOT_HELD_REASONS = ("absence", "no_time", "circumstances", "no_longer_needed")
OWNERS = ("employee", "both", "partner", "coach")


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


def _dues(
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


def _memberships(org: OrgHistory, teams: I64) -> tuple[I64, I64, I64, I64]:
    """(team, person, start, end) of every membership of *teams* (sorted, unique), sorted by
    (team, person): slices of the organisation's memberships, so a block's cost does not grow
    with the organisation."""
    m_team, m_person, m_start, m_end = org.memberships
    lo = np.searchsorted(m_team, teams, side="left")
    hi = np.searchsorted(m_team, teams, side="right")
    counts = hi - lo
    rows = np.repeat(lo - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))
    return m_team[rows], m_person[rows], m_start[rows], m_end[rows]


def _pick_peers(org: OrgHistory, person: I64, team: I64, day: I64, rng: np.random.Generator) -> I64:
    """A random other member of each person's team around that day, or -1 if there is none.

    Members are taken mid-month (every 30 days), from the memberships of the teams asked about
    only, so each month costs in proportion to those teams, not to the organisation.
    """
    peer = np.full(len(person), -1, dtype=np.int64)
    if len(person) == 0:
        return peer
    m_team, m_person, m_start, m_end = _memberships(org, np.unique(team))
    month = day // 30
    order = stable_order(month)
    bounds = np.flatnonzero(np.r_[True, month[order][1:] != month[order][:-1], True])
    for lo_b, hi_b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        rows = order[lo_b:hi_b]
        probe = int(month[rows[0]]) * 30 + 15
        ok = (m_start <= probe) & (probe < m_end)
        members, teams = m_person[ok], m_team[ok]
        lo = np.searchsorted(teams, team[rows], side="left")
        hi = np.searchsorted(teams, team[rows], side="right")
        count = hi - lo
        has = count >= 2
        pick = lo + (rng.random(len(rows)) * np.maximum(count, 1)).astype(np.int64)
        pick = np.minimum(pick, np.maximum(hi - 1, 0))
        chosen = members[np.minimum(pick, len(members) - 1)] if len(members) else pick * 0 - 1
        clash = chosen == person[rows]
        alt = lo + (pick - lo + 1) % np.maximum(count, 1)
        chosen = np.where(clash & has, members[np.minimum(alt, len(members) - 1)], chosen)
        peer[rows] = np.where(has & (chosen != person[rows]), chosen, -1)
    return peer


def run(config: SimulationConfig, *, cycle: CycleDefinition | None = None) -> Simulation:
    """Simulate *config* (with *cycle*, or the one the configuration names). Deterministic.

    Everything is held in memory; :func:`magcore.simulate.stream.simulate_to` runs the same
    model and streams the log to disk, in bounded memory. Both simulate the people in the same
    blocks (:func:`blocks`, each small enough for the processor's caches, so time grows in
    proportion to the people) with the same seeds: the same configuration gives the same
    conversations either way.
    """
    definition = cycle or resolve_cycle(config.cycle, base_dir=config.base_dir)
    rng = np.random.Generator(np.random.PCG64(config.seed))
    org = simulate_org(config, rng)
    n_coaches = coach_count(config)
    conversations: list[Conversations] = []
    agreements: list[Agreements] = []
    skipped: tuple[str, ...] = ()
    for _, c, a, block_skipped in simulate_blocks(config, definition, org, n_coaches):
        conversations.append(c)
        agreements.append(a)
        skipped = block_skipped
    joined_c, joined_a = _join(conversations, agreements)
    return Simulation(
        config=config,
        cycle=definition,
        org=org,
        conversations=joined_c,
        agreements=joined_a,
        skipped_kinds=skipped,
        coaches=n_coaches,
    )


def blocks(config: SimulationConfig, n_people: int) -> list[tuple[int, int]]:
    """The ``(first, after last)`` person ranges simulated together."""
    size = max(1, config.block_person_years // config.years)
    return [(lo, min(lo + size, n_people)) for lo in range(0, n_people, size)]


def simulate_blocks(
    config: SimulationConfig, definition: CycleDefinition, org: OrgHistory, n_coaches: int
) -> Iterator[tuple[tuple[int, int], Conversations, Agreements, tuple[str, ...]]]:
    """Each block's people, conversations, agreements and skipped kinds, in order.

    A block's random draws come from its own seed, spawned from the configuration's seed.
    """
    ranges = blocks(config, org.n_people)
    seeds = np.random.SeedSequence(config.seed).spawn(len(ranges))
    for (lo, hi), seed in zip(ranges, seeds, strict=True):
        rng = np.random.Generator(np.random.PCG64(seed))
        people = np.arange(lo, hi, dtype=np.int64)
        conversations, agreements, skipped = simulate_people(
            config, definition, org, people, rng, n_coaches
        )
        yield (lo, hi), conversations, agreements, skipped


def _join(
    conversations: list[Conversations], agreements: list[Agreements]
) -> tuple[Conversations, Agreements]:
    """The blocks' tables as one: conversation and agreement rows renumbered after the first.

    Column by column, each block's column let go once copied, so the join needs the memory of
    one column more than the blocks, not twice the run.
    """
    if len(conversations) == 1:
        return conversations[0], agreements[0]
    c_first = np.cumsum([0] + [len(c) for c in conversations[:-1]])
    a_first = np.cumsum([0] + [len(a) for a in agreements[:-1]])
    c_parts = [attrs.asdict(c, recurse=False) for c in conversations]
    a_parts = [attrs.asdict(a, recurse=False) for a in agreements]
    conversations.clear()
    agreements.clear()
    shift = {"conv": c_first, "carried_conv": c_first, "resolved_in": c_first}
    columns: dict[str, Any] = {}
    for f in attrs.fields(Conversations):
        columns[f.name] = np.concatenate([part.pop(f.name) for part in c_parts])
    joined: dict[str, Any] = {}
    for f in attrs.fields(Agreements):
        values = [part.pop(f.name) for part in a_parts]
        if f.name in shift:
            for i, value in enumerate(values):
                values[i] = np.where(value >= 0, value + shift[f.name][i], value)
        elif f.name == "carried_row":
            values = [value + a_first[i] for i, value in enumerate(values)]
        joined[f.name] = np.concatenate(values)
        del values
    return Conversations(**columns), Agreements(**joined)


def coach_count(config: SimulationConfig) -> int:
    """How many coaches (three-party kinds) the organisation has."""
    return max(1, round(config.employees * config.coaches_per_1000 / 1000))


def simulate_people(
    config: SimulationConfig,
    definition: CycleDefinition,
    org: OrgHistory,
    block: I64,
    rng: np.random.Generator,
    n_coaches: int,
) -> tuple[Conversations, Agreements, tuple[str, ...]]:
    """The conversations and agreements of the people in *block* over the whole period.

    People are independent of each other here (a peer is only named as a partner), so the
    organisation can be simulated in blocks of people that each fit in the processor's caches.
    """
    rollout = day_number(config.rollout_date)
    # The block's own assignments (a slice: people are sorted), so looking up a team searches
    # an array the size of the block, not of the organisation.
    if len(block):
        lo, hi = np.searchsorted(
            org.asg_key, [int(block[0]) << 32, (int(block[-1]) + 1) << 32], side="left"
        )
        local = attrs.evolve(org, asg_key=org.asg_key[lo:hi], asg_team=org.asg_team[lo:hi])
    else:
        local = org
    parts: dict[str, list[I64]] = {
        k: []
        for k in (
            "kind",
            "pattern",
            "person",
            "partner",
            "coach",
            "team",
            "due",
            "window",
            "prompt",
        )
    }
    skipped: list[str] = []
    for index, kind in enumerate(definition.kinds):
        code = pattern_code(kind)
        if code is None:
            skipped.append(kind.id)
            continue
        person, due, window, prompt = _dues(kind, config, org, rng, block)
        pattern = code
        lead = rng.integers(14, 76, len(person))
        req_day = np.maximum.reduce(
            [due - lead, window, org.hired[person], np.full(len(person), org.start_day)]
        )
        req_day = np.minimum(req_day, due)
        # Team and manager on the due date, as magcore.planning.plan assigns them (for a
        # leave: the last day employed).
        on = np.minimum(due, org.left[person] - 1)
        team = local.team_of(person, on)
        manager = org.manager_of_team(team, on)
        steering = org.self_steering[team] | (manager < 0)
        ok = (due >= rollout) | org.pilot[team]
        if kind.applies_to is Applicability.SELF_STEERING:
            ok &= steering
        elif kind.needs_manager or kind.applies_to is Applicability.WITH_MANAGER:
            ok &= manager >= 0
        sel = np.flatnonzero(ok)
        person, due, window, prompt = person[sel], due[sel], req_day[sel], prompt[sel]
        team, manager = team[sel], manager[sel]
        if pattern == 1:
            partner = _pick_peers(org, person, team, due, rng)
            keep = np.flatnonzero(partner >= 0)
            person, due, window, team, partner = (
                x[keep] for x in (person, due, window, team, partner)
            )
            prompt = prompt[keep]
        else:
            partner = manager
        coach = (
            rng.integers(0, n_coaches, len(person))
            if pattern == 2
            else np.full(len(person), -1, dtype=np.int64)
        )
        codes = np.full(len(person), pattern, dtype=np.int64)
        if pattern == 2 and not kind.needs_manager:
            # An optional manager: without one, the third party is the only partner.
            alone = partner < 0
            partner = np.where(alone, coach, partner)
            coach = np.where(alone, -1, coach)
            codes[alone] = 3
        parts["kind"].append(np.full(len(person), index, dtype=np.int64))
        parts["pattern"].append(codes)
        for name, value in (
            ("person", person),
            ("partner", partner),
            ("coach", coach),
            ("team", team),
            ("due", due),
            ("window", window),
            ("prompt", prompt.astype(np.int64)),
        ):
            parts[name].append(value)

    cols = {k: (np.concatenate(v) if v else np.zeros(0, np.int64)) for k, v in parts.items()}
    # Deterministic order: by request day, kind, person.
    order = _lex(cols["window"], cols["kind"], cols["person"])
    cols = {k: v[order] for k, v in cols.items()}
    from ._agreements import agreements_of

    conversations = _outcomes(config, definition, org, cols, rng)
    agreements = agreements_of(config, definition, conversations, rng)
    return conversations, agreements, tuple(skipped)


def recorder_slots(kind: ConversationKind) -> tuple[bool, bool, bool]:
    """Whether the employee, the partner (manager or peer) and the coach may write the record.

    As :mod:`magcore.conversation` decides it: the kind's ``recorders``, else every role of
    its pattern.
    """
    roles = kind.recorder_roles
    code = pattern_code(kind)
    partner = ParticipantRole.PEER if code == 1 else ParticipantRole.MANAGER
    return (
        ParticipantRole.EMPLOYEE in roles,
        partner in roles,
        third_role(kind) in roles and code == 2,
    )


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


def _outcomes(
    config: SimulationConfig,
    cycle: CycleDefinition,
    org: OrgHistory,
    cols: dict[str, I64],
    rng: np.random.Generator,
) -> Conversations:
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
    # Someone who leaves before the conversation: not held, no longer needed.
    left_t = org.left[person] * DAY + 8 * HOUR
    gone = (org.left[person] < FAR_FUTURE) & (left_t < t_out)
    if gone.any():
        g = np.flatnonzero(gone)
        kept = (t_resched[g] >= 0) & (t_resched[g] < left_t[g, None])
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
