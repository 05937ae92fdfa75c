"""The organisation's history: who is employed when, in which team, under which manager.

Simulated month by month with arrays over people (never one Python object per person):
people leave, move to another team and join; teams get a new manager; new teams appear as the
organisation grows. The result is a compact, columnar history that answers "which team and which
manager did person *p* have on day *d*" for millions of (person, day) pairs at once.

Days are whole days since 1970-01-01 (``numpy.int64``); times are seconds since then, in UTC.
Managers are a separate set of actors (``m…`` ids) that are not counted among the employees.
"""

from __future__ import annotations

import functools
import math
from datetime import date

import attrs
import numpy as np
import numpy.typing as npt

from ..domain.planning import add_months
from .config import SimulationConfig

__all__ = [
    "EVENT_COLUMNS",
    "FAR_FUTURE",
    "ORG_JOINED",
    "ORG_LEFT",
    "ORG_MANAGER_CHANGED",
    "ORG_MOVED",
    "OrgHistory",
    "day_number",
    "simulate_org",
]

I64 = npt.NDArray[np.int64]
BOOL = npt.NDArray[np.bool_]

#: A day after every simulated day (an employee who has not left).
FAR_FUTURE = 2**31 - 1
_EPOCH = date(1970, 1, 1)

#: Organisation event codes: ``person.joined``, ``person.left``, ``person.moved`` (with the
#: person) and ``manager.changed`` (a team's manager; person -1), as the service writes them.
ORG_JOINED, ORG_LEFT, ORG_MOVED, ORG_MANAGER_CHANGED = 0, 1, 2, 3
#: The columns of :attr:`OrgHistory.events`.
EVENT_COLUMNS = ("type", "day", "person", "team", "manager", "previous")


def day_number(day: date) -> int:
    """Days since 1970-01-01."""
    return (day - _EPOCH).days


def _key(a: I64, b: I64) -> I64:
    return (a.astype(np.int64) << 32) | b.astype(np.int64)


@attrs.frozen(eq=False)
class OrgHistory:
    """Who was employed when, in which team, under which manager; plus the org events."""

    start_day: int
    end_day: int
    hired: I64
    left: I64
    asg_key: I64
    asg_team: I64
    tm_key: I64
    tm_manager: I64
    self_steering: BOOL
    pilot: BOOL
    n_managers: int
    events: dict[str, I64]
    """Columnar org events (:data:`EVENT_COLUMNS`; -1 where a column does not apply).

    ``previous`` is the manager before (``manager.changed``) or the team before (a move)."""
    change_person: I64
    change_day: I64
    """Every change of someone's manager (a move or a new team manager): who and when."""

    @property
    def n_people(self) -> int:
        return len(self.hired)

    @property
    def n_teams(self) -> int:
        return len(self.self_steering)

    def employed(self, person: I64, day: I64) -> BOOL:
        """Whether each *person* is employed on the matching *day*."""
        result: BOOL = (self.hired[person] <= day) & (day < self.left[person])
        return result

    @functools.cached_property
    def memberships(self) -> tuple[I64, I64, I64, I64]:
        """(team, person, start, end) of every membership, sorted by (team, person): from an
        assignment's day to the person's next assignment (or leaving). Built once."""
        person = self.asg_key >> 32
        start = self.asg_key & 0xFFFFFFFF
        same = np.r_[person[1:] == person[:-1], False]
        end = np.where(same, np.r_[start[1:], 0], self.left[person])
        keep = np.flatnonzero(start < end)
        team, person, start, end = self.asg_team[keep], person[keep], start[keep], end[keep]
        order = np.argsort(_key(team, person), kind="stable")
        return team[order], person[order], start[order], end[order]

    def team_of(self, person: I64, day: I64) -> I64:
        """Each person's team on the matching day (the person must have been hired by then)."""
        index = np.searchsorted(self.asg_key, _key(person, day), side="right") - 1
        result: I64 = self.asg_team[index]
        return result

    def manager_of_team(self, team: I64, day: I64) -> I64:
        """Each team's manager on the matching day, or -1 (self-steering: no manager)."""
        index = np.searchsorted(self.tm_key, _key(team, day), side="right") - 1
        result: I64 = self.tm_manager[index]
        return result


def monthly(rate: float) -> float:
    """The chance in one month of something that happens to a share *rate* in a year."""
    return float(1.0 - (1.0 - min(rate, 0.999999)) ** (1 / 12))


def _manager_at(team: I64, day: I64, replaced_on: I64, new: I64, current: I64) -> I64:
    """The manager of each team on each day of this month (after a replacement, the new one)."""
    result: I64 = np.where(day >= replaced_on[team], new[team], current[team])
    return result


def simulate_org(config: SimulationConfig, rng: np.random.Generator) -> OrgHistory:
    """Simulate joins, leaves, moves and manager changes over the configured period."""
    start = day_number(config.start)
    months = 12 * config.years
    bounds = [day_number(add_months(config.start, k)) for k in range(months + 1)]
    # Leavers and moves per person-year, as the Personeelsmonitor relates them to the staff:
    # a chance of rate / 12 per month (not an annual chance, which gives about rate + rate²/2).
    p_out = min(1.0, config.outflow_rate / 12)
    p_move = min(1.0, config.internal_move_rate / 12)
    # An employee's manager changes when they move or when their team gets a new manager.

    def p_replace_in(year: int) -> float:
        rate = config.manager_change_rate
        if config.manager_change_shock_year and year == config.manager_change_shock_year:
            rate = config.manager_change_shock_rate
        replace_year = 1.0 - (1.0 - rate) / (1.0 - min(config.internal_move_rate, 0.999999))
        return monthly(max(0.0, replace_year))

    n0 = config.employees
    n_teams = max(1, round(n0 / config.span_of_control))
    self_steering = list(rng.random(n_teams) < config.self_steering_share)
    pilot = list(rng.random(n_teams) < config.pilot_fraction)
    manager_now = np.full(n_teams, -1, dtype=np.int64)
    managed = ~np.asarray(self_steering)
    manager_now[managed] = np.arange(int(managed.sum()))
    n_managers = int(managed.sum())

    mean_tenure = 365.25 / config.outflow_rate if config.outflow_rate > 0 else 3650.0
    tenure = np.minimum(rng.exponential(mean_tenure, n0), 40 * 365).astype(np.int64)
    hired_parts = [np.maximum(start - tenure, 0)]
    team_now = rng.integers(0, n_teams, n0).astype(np.int64)

    asg_p = [np.arange(n0, dtype=np.int64)]
    asg_d = [hired_parts[0].copy()]
    asg_t = [team_now.copy()]
    tm_t = [np.arange(n_teams, dtype=np.int64)]
    tm_d = [np.zeros(n_teams, dtype=np.int64)]
    tm_m = [manager_now.copy()]
    ev: dict[str, list[I64]] = {k: [] for k in EVENT_COLUMNS}
    changes: dict[str, list[I64]] = {"person": [], "day": []}

    def emit(kind: int, day: I64, person: I64, team: I64, manager: I64, previous: I64) -> None:
        ev["type"].append(np.full(len(day), kind, dtype=np.int64))
        ev["day"].append(day)
        ev["person"].append(person)
        ev["team"].append(team)
        ev["manager"].append(manager)
        ev["previous"].append(previous)

    active = np.ones(n0, dtype=bool)
    left_now = np.full(n0, FAR_FUTURE, dtype=np.int64)
    for k in range(months):
        a, b = bounds[k], bounds[k + 1]
        length = b - a
        people = np.flatnonzero(active)
        # -- leavers
        leaving = rng.random(len(people)) < p_out
        leavers = people[leaving]
        leave_day = a + rng.integers(0, length, len(leavers))
        # -- moves (among those who stay this month)
        stayers = people[~leaving]
        moving = rng.random(len(stayers)) < p_move
        movers = stayers[moving]
        move_day = a + rng.integers(0, length, len(movers))
        old_team = team_now[movers]
        new_team = rng.integers(0, n_teams, len(movers)).astype(np.int64)
        if n_teams > 1:
            same = new_team == old_team
            new_team[same] = (new_team[same] + 1) % n_teams
        # -- managers replaced
        steering = np.asarray(self_steering)
        managed_teams = np.flatnonzero(~steering)
        p_replace = p_replace_in(add_months(config.start, k).year)
        replaced = managed_teams[rng.random(len(managed_teams)) < p_replace]
        rep_day_of = np.full(n_teams, FAR_FUTURE, dtype=np.int64)
        rep_day_of[replaced] = a + rng.integers(0, length, len(replaced))
        new_manager_of = manager_now.copy()
        new_manager_of[replaced] = n_managers + np.arange(len(replaced))
        n_managers += len(replaced)

        # -- joiners (new teams first, so the organisation keeps its span of control)
        n_join = int(rng.poisson(config.inflow_rate / 12 * len(people)))
        target = math.ceil((len(people) - len(leavers) + n_join) / config.span_of_control)
        if target > n_teams:
            extra = target - n_teams
            steer_new = rng.random(extra) < config.self_steering_share
            pilot_new = rng.random(extra) < config.pilot_fraction
            self_steering.extend(steer_new.tolist())
            pilot.extend(pilot_new.tolist())
            mgr_new = np.full(extra, -1, dtype=np.int64)
            mgr_new[~steer_new] = n_managers + np.arange(int((~steer_new).sum()))
            n_managers += int((~steer_new).sum())
            ids = np.arange(n_teams, target, dtype=np.int64)
            tm_t.append(ids)
            tm_d.append(np.full(extra, a, dtype=np.int64))
            tm_m.append(mgr_new)
            manager_now = np.concatenate([manager_now, mgr_new])
            new_manager_of = np.concatenate([new_manager_of, mgr_new])
            rep_day_of = np.concatenate([rep_day_of, np.full(extra, FAR_FUTURE, np.int64)])
            n_teams = target
        first = len(active)
        joiners = np.arange(first, first + n_join, dtype=np.int64)
        hire_day = a + rng.integers(0, length, n_join)
        join_team = rng.integers(0, n_teams, n_join).astype(np.int64)

        # -- who gets another manager this month: everyone in a team on its replacement day,
        # and movers whose new team's manager differs from the old one's (for the metrics)
        stay_still = stayers[~moving]
        t_still = team_now[stay_still]
        hit = rep_day_of[t_still] < FAR_FUTURE
        aff_p, aff_d = [stay_still[hit]], [rep_day_of[t_still[hit]]]
        t_leave = team_now[leavers]
        hit = rep_day_of[t_leave] < leave_day
        aff_p.append(leavers[hit])
        aff_d.append(rep_day_of[t_leave[hit]])
        hit = rep_day_of[old_team] < move_day
        aff_p.append(movers[hit])
        aff_d.append(rep_day_of[old_team[hit]])
        hit = (rep_day_of[new_team] >= move_day) & (rep_day_of[new_team] < FAR_FUTURE)
        aff_p.append(movers[hit])
        aff_d.append(rep_day_of[new_team[hit]])
        hit = (rep_day_of[join_team] > hire_day) & (rep_day_of[join_team] < FAR_FUTURE)
        aff_p.append(joiners[hit])
        aff_d.append(rep_day_of[join_team[hit]])
        before = _manager_at(old_team, move_day, rep_day_of, new_manager_of, manager_now)
        after = _manager_at(new_team, move_day, rep_day_of, new_manager_of, manager_now)
        differs = before != after
        aff_p.append(movers[differs])
        aff_d.append(move_day[differs])
        changes["person"].extend(aff_p)
        changes["day"].extend(aff_d)

        # -- the events, in the shapes the application service writes
        none = np.full(len(replaced), -1, dtype=np.int64)
        emit(
            ORG_MANAGER_CHANGED,
            rep_day_of[replaced],
            none,
            replaced.astype(np.int64),
            new_manager_of[replaced],
            manager_now[replaced],
        )
        none = np.full(len(movers), -1, dtype=np.int64)
        emit(ORG_MOVED, move_day, movers, new_team, none, old_team)  # previous: the old team
        none = np.full(len(leavers), -1, dtype=np.int64)
        emit(ORG_LEFT, leave_day, leavers, t_leave, none, none)
        none = np.full(n_join, -1, dtype=np.int64)
        emit(ORG_JOINED, hire_day, joiners, join_team, none, none)

        # -- apply the month
        left_now[leavers] = leave_day
        active[leavers] = False
        team_now[movers] = new_team
        asg_p.append(movers)
        asg_d.append(move_day)
        asg_t.append(new_team)
        tm_t.append(replaced.astype(np.int64))
        tm_d.append(rep_day_of[replaced])
        tm_m.append(new_manager_of[replaced])
        manager_now = new_manager_of
        hired_parts.append(hire_day)
        left_now = np.concatenate([left_now, np.full(n_join, FAR_FUTURE, dtype=np.int64)])
        team_now = np.concatenate([team_now, join_team])
        active = np.concatenate([active, np.ones(n_join, dtype=bool)])
        asg_p.append(joiners)
        asg_d.append(hire_day)
        asg_t.append(join_team)

    ap_all = np.concatenate(asg_p)
    ad_all = np.concatenate(asg_d)
    akey = _key(ap_all, ad_all)
    aorder = np.argsort(akey, kind="stable")
    tt_all = np.concatenate(tm_t)
    td_all = np.concatenate(tm_d)
    tkey = _key(tt_all, td_all)
    torder = np.argsort(tkey, kind="stable")
    events = {k: (np.concatenate(v) if v else np.zeros(0, np.int64)) for k, v in ev.items()}
    change_day = np.concatenate(changes["day"]) if changes["day"] else np.zeros(0, np.int64)
    change_person = (
        np.concatenate(changes["person"]) if changes["person"] else np.zeros(0, np.int64)
    )
    return OrgHistory(
        start_day=start,
        end_day=bounds[-1],
        hired=np.concatenate(hired_parts),
        left=left_now,
        asg_key=akey[aorder],
        asg_team=np.concatenate(asg_t)[aorder],
        tm_key=tkey[torder],
        tm_manager=np.concatenate(tm_m)[torder],
        self_steering=np.asarray(self_steering, dtype=bool),
        pilot=np.asarray(pilot, dtype=bool),
        n_managers=n_managers,
        events=events,
        change_person=change_person,
        change_day=change_day,
    )
