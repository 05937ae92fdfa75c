"""Benchmark: magcore.simulate (vectorised) against an equivalent SimPy model, same parameters.

Run: ``.venv/bin/python bench/simulate.py [--simpy-employees N] [--skip-large] [--repeat N]
[--codecs]``

Measures, for 18,000 employees x 5 years: the model alone, the model plus the full event log
built in the library's format (Arrow tables), and the log written to Parquet; events per second
and peak memory (tracemalloc for Python + NumPy allocations, ru_maxrss for the process). Then
the same SimPy model: one process per employee, team and conversation, emitting one Python
event record (stream, version, type, at, actor, data dict) per event. SimPy is run on fewer
employees (default 4,500) and its time scaled linearly to 18,000, which the table says. Finally
200,000 employees x 10 years (all Dutch municipalities together); with ``--codecs``, the time
and size of that log written with each Parquet codec. The 18,000 x 5 times are the best of
``--repeat`` runs (default 3) after a small warm-up run; the load average is printed at the
start and the end, since the times mean little on a busy machine.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta

import simpy

from magcore.simulate import SimulationConfig, count_events, event_tables, run, write_events

DAY = 1.0  # SimPy time unit: days


def simpy_model(cfg: SimulationConfig) -> list[tuple]:
    """The same model as magcore.simulate, written the usual discrete-event way in SimPy."""
    rng = random.Random(cfg.seed)
    env = simpy.Environment()
    t0 = datetime(cfg.start.year, cfg.start.month, cfg.start.day, tzinfo=UTC)
    horizon = 365.25 * cfg.years
    log: list[tuple] = []
    n_teams = max(1, round(cfg.employees / cfg.span_of_control))
    team_manager = {t: f"m{t}" for t in range(n_teams)}
    self_steering = {t: rng.random() < cfg.self_steering_share for t in range(n_teams)}
    pilot = {t: rng.random() < cfg.pilot_fraction for t in range(n_teams)}
    rollout = (
        datetime(cfg.rollout_date.year, cfg.rollout_date.month, cfg.rollout_date.day, tzinfo=UTC)
        - t0
    ).days
    counters = {"person": 0, "manager": n_teams, "conv": 0, "org": 0}
    replace = max(0.0, 1 - (1 - cfg.manager_change_rate) / (1 - cfg.internal_move_rate))

    def at(t: float) -> str:
        return (t0 + timedelta(days=t)).isoformat()

    def org_event(kind: str, data: dict) -> None:
        counters["org"] += 1
        data["on"] = at(env.now)[:10]
        log.append((f"org:{cfg.organisation}", counters["org"], kind, at(env.now), "system", data))

    def team_process(team: int):
        while True:
            yield env.timeout(rng.expovariate(replace) * 365.25 if replace > 0 else horizon)
            if not self_steering[team]:
                counters["manager"] += 1
                previous = team_manager[team]
                team_manager[team] = f"m{counters['manager']}"
                org_event(
                    "manager.changed",
                    {"team": f"t{team}", "previous": previous, "manager": team_manager[team]},
                )

    def conversation(person: str, state: dict, due: float):
        counters["conv"] += 1
        stream = f"conversation:c{counters['conv']}"
        version = 0
        manager = team_manager[state["team"]]

        def emit(kind: str, actor: str, data: dict) -> None:
            nonlocal version
            version += 1
            log.append((stream, version, kind, at(env.now), actor, data))

        initiator = person if rng.random() < cfg.employee_initiated_share else manager
        emit(
            "conversation.requested",
            initiator,
            {
                "cycle": "simulate-default@1",
                "kind": "yearly",
                "pattern": "employee_manager",
                "participants": [
                    {"person": person, "role": "employee"},
                    {"person": manager, "role": "manager"},
                ],
                "preparers": [person, manager],
                "team": f"t{state['team']}",
                "themes": [],
                "carried_forward": list(state["open"]),
            },
        )
        yield env.timeout(0.05)
        on = env.now + rng.uniform(0, max(0.0, due - env.now))
        emit("conversation.scheduled", initiator, {"on": at(on), "place": ""})
        moves = 0
        while True:
            yield env.timeout(max(0.0, on - env.now))
            if not state["employed"]:
                emit("conversation.not_held", manager, {"reason": "no_longer_needed"})
                return
            absent = rng.random() < cfg.absence_rate
            u = rng.random()
            if (
                absent or cfg.not_held_rate <= u < cfg.not_held_rate + cfg.reschedule_rate
            ) and moves < cfg.max_reschedules:
                moves += 1
                on = env.now + rng.randint(7, 28)
                emit("conversation.rescheduled", person, {"on": at(on), "reason": "no_time"})
                continue
            if absent or u < cfg.not_held_rate:
                emit("conversation.not_held", initiator, {"reason": "no_time"})
                return
            break
        emit("conversation.held", manager, {"on": at(env.now)[:10]})
        for agreement in list(state["open"]):
            x = rng.random()
            if x < cfg.agreement_done_rate + cfg.agreement_drop_rate:
                state["open"].remove(agreement)
                status = "done" if x < cfg.agreement_done_rate else "dropped"
                log.append(
                    (
                        agreement["stream"],
                        0,
                        "agreement.updated",
                        at(env.now),
                        person,
                        {"agreement": agreement["id"], "note": "", "status": status},
                    )
                )
        yield env.timeout(rng.uniform(0, 3))
        agreements = []
        for k in range(min(9, _poisson(rng, cfg.agreements_per_conversation))):
            item = {
                "id": f"a{k + 1}",
                "text": "gesimuleerd",
                "owner": "employee",
                "status": "open",
                "stream": stream,
            }
            agreements.append(item)
        emit("record.drafted", manager, {"revision": 1, "agreements": agreements})
        for who in sorted((person, manager), key=lambda _: rng.random()):
            yield env.timeout(rng.uniform(0, 7))
            emit("record.confirmed", who, {"revision": 1})
        emit("conversation.agreed", person, {"revision": 1})
        state["open"].extend(agreements)

    def employee(person: str, team: int, hired: float):
        state = {"team": team, "employed": True, "open": []}
        leave_at = env.now + rng.expovariate(cfg.outflow_rate) * 365.25
        next_move = env.now + rng.expovariate(cfg.internal_move_rate) * 365.25
        year_end = 365.25 * (int(env.now / 365.25) + 1) - 1
        while env.now < horizon:
            wake = min(leave_at, next_move, year_end - rng.randint(14, 75))
            yield env.timeout(max(0.0, wake - env.now))
            if env.now >= leave_at:
                state["employed"] = False
                org_event("person.left", {"person": person})
                return
            if env.now >= next_move:
                state["team"] = rng.randrange(n_teams)
                org_event("person.moved", {"person": person, "team": f"t{state['team']}"})
                next_move = env.now + rng.expovariate(cfg.internal_move_rate) * 365.25
                continue
            in_scope = year_end >= rollout or pilot[state["team"]]
            if in_scope and not self_steering[state["team"]]:
                env.process(conversation(person, state, year_end))
            year_end += 365.25

    def hiring():
        while True:
            employed = counters["person"]
            yield env.timeout(365.25 / max(1e-9, cfg.inflow_rate * max(employed, 1)))
            counters["person"] += 1
            team = rng.randrange(n_teams)
            org_event("person.joined", {"person": f"p{counters['person']}", "team": f"t{team}"})
            env.process(employee(f"p{counters['person']}", team, env.now))

    for _ in range(cfg.employees):
        counters["person"] += 1
        env.process(employee(f"p{counters['person']}", rng.randrange(n_teams), 0.0))
    for team in range(n_teams):
        env.process(team_process(team))
    env.process(hiring())
    env.run(until=horizon)
    return log


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = pow(2.718281828459045, -mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def measure(label, function, *, memory=True, repeat=1):
    """Best time of *repeat* runs without tracing, then (if *memory*) a traced run for the peak."""
    elapsed = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        elapsed = min(elapsed, time.perf_counter() - start)
    peak = 0
    if memory:
        del result
        tracemalloc.start()
        result = function()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return label, elapsed, peak / 2**20, result


def vectorised(cfg: SimulationConfig, *, write: bool):
    sim = run(cfg)
    events = 0
    if write:
        with tempfile.TemporaryDirectory() as folder:
            write_events(sim, folder, formats=("parquet",))
        events = count_events(sim)
    else:
        for table in event_tables(sim):
            events += table.num_rows
    return sim, events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--simpy-employees", type=int, default=4_500)
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="best of N for 18,000 x 5")
    parser.add_argument(
        "--codecs", action="store_true", help="also compare Parquet codecs at 200,000 x 10"
    )
    args = parser.parse_args()
    base = SimulationConfig(employees=18_000, years=5, seed=1)
    rows = []
    print(f"load average at start (1, 5, 15 min): {os.getloadavg()}")
    vectorised(base.with_(employees=500, years=1), write=True)  # warm up: imports, caches
    repeat = args.repeat

    _, t_model, mem_model, _ = measure("model only", lambda: run(base), repeat=repeat)
    rows.append(("magcore.simulate: model (columnar)", 18_000, 5, t_model, None, mem_model, ""))
    _, t_log, mem_log, (_, n_events) = measure(
        "model + event log", lambda: vectorised(base, write=False), repeat=repeat
    )
    rows.append(
        ("magcore.simulate: model + event log (Arrow)", 18_000, 5, t_log, n_events, mem_log, "")
    )
    _, t_pq, mem_pq, (_, n_pq) = measure(
        "model + log + Parquet", lambda: vectorised(base, write=True), repeat=repeat
    )
    rows.append(
        ("magcore.simulate: model + log written (Parquet)", 18_000, 5, t_pq, n_pq, mem_pq, "")
    )

    small = base.with_(employees=args.simpy_employees)
    _, t_simpy, mem_simpy, log = measure("simpy", lambda: simpy_model(small), memory=False)
    scale = 18_000 / args.simpy_employees
    note = "" if scale == 1 else f"ran {args.simpy_employees:,}, time/events x{scale:g}"
    rows.append(
        (
            "SimPy model (per-event Python records)",
            18_000,
            5,
            t_simpy * scale,
            int(len(log) * scale),
            mem_simpy * scale,
            note,
        )
    )

    if not args.skip_large:
        large = SimulationConfig(employees=200_000, years=10, seed=1)
        _, t_big_model, mem_big_model, _ = measure("large model", lambda: run(large))
        rows.append(
            (
                "magcore.simulate: model (columnar)",
                200_000,
                10,
                t_big_model,
                None,
                mem_big_model,
                "",
            )
        )
        _, t_big, mem_big, (_, n_big) = measure("large log", lambda: vectorised(large, write=False))
        rows.append(
            ("magcore.simulate: model + event log (Arrow)", 200_000, 10, t_big, n_big, mem_big, "")
        )
        _, t_bigw, mem_bigw, (_, n_bigw) = measure(
            "large write", lambda: vectorised(large, write=True), memory=False
        )
        rows.append(
            (
                "magcore.simulate: model + log written (Parquet)",
                200_000,
                10,
                t_bigw,
                n_bigw,
                mem_bigw,
                "",
            )
        )

    header = (
        f"{'what':50} {'people':>8} {'yrs':>3} {'seconds':>8} {'events':>11} "
        f"{'events/s':>11} {'peak MiB':>9}  note"
    )
    print(header)
    print("-" * len(header))
    for what, people, years, seconds, events, mem, note in rows:
        rate = f"{events / seconds:,.0f}" if events else "-"
        count = f"{events:,}" if events else "-"
        print(
            f"{what:50} {people:>8,} {years:>3} {seconds:>8.2f} {count:>11} {rate:>11} "
            f"{mem:>9.0f}  {note}"
        )
    simpy_seconds = rows[3][3]
    print()
    print(f"ratio SimPy / magcore (model + event log, 18,000 x 5): {simpy_seconds / t_log:.1f}x")
    print(f"ratio SimPy / magcore (model only, 18,000 x 5):        {simpy_seconds / t_model:.1f}x")
    print(f"goal 18,000 x 5 years under 1 s (model + event log): {t_log:.2f} s")
    if not args.skip_large:
        print(f"goal 200,000 x 10 years under 60 s (model + log written): {t_bigw:.1f} s")
    if args.codecs and not args.skip_large:
        print()
        print("Parquet codec (dictionaries for stream/type/actor), 200,000 x 10, log written:")
        sim = run(large)
        for codec in ("zstd", "snappy", "lz4", "none"):
            with tempfile.TemporaryDirectory() as folder:
                start = time.perf_counter()
                paths = write_events(sim, folder, formats=("parquet",), compression=codec)
                seconds = time.perf_counter() - start
                size = paths["parquet"].stat().st_size / 2**20
            print(f"  {codec:8} {seconds:6.2f} s {size:9,.0f} MiB")
        del sim
    print(f"load average at end (1, 5, 15 min): {os.getloadavg()}")
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak resident memory (ru_maxrss): {usage:,.0f} MiB")
    print(
        "peak MiB: tracemalloc over a second, untimed run (NumPy arrays; Arrow buffers are "
        "not traced); 0 = not measured (SimPy: time only, its peak is large per event)."
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
