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

This module simulates blocks of people and joins them; the parts live in
:mod:`magcore.simulate.kinds` (a kind's shape), :mod:`magcore.simulate.dues` (who is due when)
and :mod:`magcore.simulate.course` (what happens to each conversation), whose names it
re-exports.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from ..model.cycle import Applicability, CycleDefinition
from ._order import lex_order as _lex
from ._order import stable_order
from .config import SimulationConfig, resolve_cycle
from .course import DAY as DAY
from .course import HOUR as HOUR
from .course import MINUTE as MINUTE
from .course import NOT_HELD_REASONS as NOT_HELD_REASONS
from .course import OWNERS as OWNERS
from .course import _sort3 as _sort3
from .course import course_of
from .dues import add_months_days, due_moments
from .kinds import PATTERN_CODES, SIMULATED_TRIGGERS, pattern_code, recorder_slots, third_role
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
    # Before the roll-out only pilot teams take part; without one, every team from the start.
    rollout = day_number(config.rollout_date) if config.rollout_date else org.start_day
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
        person, due, window, prompt = due_moments(kind, config, org, rng, block)
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
            # The peer takes part from the request on: asked for once the peer is hired (by
            # the due date), and only if the peer is still employed then and does not leave
            # the same day as the employee (someone must close it when both have left).
            peer = np.maximum(partner, 0)
            window = np.maximum(window, np.where(partner >= 0, org.hired[peer], window))
            keep = np.flatnonzero(
                (partner >= 0)
                & (window <= due)
                & (window < org.left[peer])
                & ((org.left[peer] != org.left[person]) | (org.left[peer] == FAR_FUTURE))
            )
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

    conversations = course_of(config, definition, org, cols, rng)
    agreements = agreements_of(config, definition, conversations, rng)
    return conversations, agreements, tuple(skipped)
