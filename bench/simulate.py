"""Benchmark: magcore.simulate (vectorised) against an equivalent SimPy model, same parameters.

Run: ``.venv/bin/python bench/simulate.py [--simpy-employees N] [--skip-large] [--repeat N]
[--million] [--in-memory-large]``

1. 18,000 employees x 5 years: the model alone, the model plus the full event log built in the
   library's format (Arrow tables), the log written to Parquet in memory (``write_events``) and
   streamed block by block to a year-partitioned dataset (``simulate_to``). Then the same SimPy
   model: one process per employee, team and conversation, one Python event record per event;
   SimPy runs on fewer employees (default 4,500), its time scaled linearly to 18,000. The table
   gives each time's ratio to SimPy, and the yearly coverage of both models side by side with
   the sampling noise (two combined standard errors): the two should agree within it.
2. 200,000 x 10 years (all Dutch municipal staff) streamed to Parquet, in a fresh subprocess so
   its peak resident memory (``ru_maxrss``) is its own. Aims: under 30 s and under 2 GB. With
   ``--in-memory-large`` also the in-memory path (``run`` + ``write_events``) as the baseline.
3. With ``--million``: 1,000,000 x 10 years streamed (bounded memory; several minutes).

The 18,000 x 5 times are the best of ``--repeat`` runs (default 3) after a small warm-up; the
load average is printed at the start and the end, since times mean little on a busy machine.
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
from datetime import UTC, date, datetime, timedelta

import simpy

from magcore.simulate import (
    SimulationConfig,
    count_events,
    event_tables,
    run,
    summarise,
    write_events,
)
from magcore.simulate.replicate import replicate
from magcore.simulate.stream import simulate_to

DAY = 1.0  # SimPy time unit: days
#: The roll-out the measured figures (docs/benchmarks.md) were taken with: Amsterdam's 20% pilot
#: until 1 October 2023 (docs/examples/simulate/amsterdam.toml; the defaults have no pilot).
AMSTERDAM = {"pilot_fraction": 0.2, "rollout_date": date(2023, 10, 1)}


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
        (
            datetime(
                cfg.rollout_date.year, cfg.rollout_date.month, cfg.rollout_date.day, tzinfo=UTC
            )
            - t0
        ).days
        if cfg.rollout_date
        else 0
    )
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


#: CPU seconds (all threads) of the best run of each measurement, by label.
CPU: dict[str, float] = {}


def measure(label, function, *, memory=True, repeat=1):
    """Best time of *repeat* runs without tracing, then (if *memory*) a traced run for the peak."""
    elapsed = cpu = float("inf")
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = function()
        elapsed = min(elapsed, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    CPU[label] = cpu
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


def simpy_coverage(log: list[tuple], cfg: SimulationConfig) -> dict[str, tuple[int, int]]:
    """Per calendar year: (employed on 31 December, of whom had a conversation held that year)."""
    joined = {f"p{k}": "" for k in range(1, cfg.employees + 1)}
    left: dict[str, str] = {}
    person_of: dict[str, str] = {}
    held: list[tuple[str, str]] = []
    for stream, _, kind, at, _, data in log:
        if kind == "person.joined":
            joined[data["person"]] = at
        elif kind == "person.left":
            left[data["person"]] = at
        elif kind == "conversation.requested":
            person_of[stream] = data["participants"][0]["person"]
        elif kind == "conversation.held":
            held.append((person_of[stream], at[:4]))
    result = {}
    for year in range(cfg.start.year, cfg.start.year + cfg.years):
        end = f"{year}-12-31T23:59"
        employed = {p for p, at in joined.items() if at < end and left.get(p, "9999") > end}
        covered = {p for p, y in held if y == str(year) and p in employed}
        result[str(year)] = (len(employed), len(covered))
    return result


LARGE = """
import json, resource, sys, tempfile, time
from magcore.simulate import SimulationConfig
from magcore.simulate.replicate import replicate
from magcore.simulate.stream import simulate_to
employees, years, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
config = SimulationConfig(
    employees=employees, years=years, seed=1, pilot_fraction=0.2, rollout_date="2023-10-01"
)
with tempfile.TemporaryDirectory() as folder:
    start = time.perf_counter()
    if mode == "stream":
        events = simulate_to(config, folder).events
    else:
        from magcore.simulate import count_events, run, write_events
        sim = run(config)
        write_events(sim, folder, formats=("parquet",))
        events = count_events(sim)
    seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_SELF)
peak, cpu = usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime
try:  # ru_maxrss is carried over from the parent on Linux; VmHWM is this process's own
    with open("/proc/self/status") as status:
        peak = next(int(x.split()[1]) for x in status if x.startswith("VmHWM")) / 1024
except (OSError, StopIteration):
    pass
print(json.dumps({"seconds": seconds, "cpu": cpu, "events": events, "peak_mib": peak}))
"""


def large_run(employees: int, years: int, mode: str) -> dict:
    """One large run in a fresh interpreter: time, events and its own peak resident memory."""
    import json
    import subprocess

    done = subprocess.run(
        [sys.executable, "-c", LARGE, str(employees), str(years), mode],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--simpy-employees", type=int, default=4_500)
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="best of N for 18,000 x 5")
    parser.add_argument("--million", action="store_true", help="also 1,000,000 x 10, streamed")
    parser.add_argument(
        "--in-memory-large", action="store_true", help="also 200,000 x 10 in memory (baseline)"
    )
    args = parser.parse_args()
    # No self-steering teams: the SimPy model has only the yearly employee-manager kind, not
    # the default cycle's peer conversations in self-steering teams.
    base = SimulationConfig(employees=18_000, years=5, seed=1, self_steering_share=0.0, **AMSTERDAM)
    print(f"date: {datetime.now(UTC):%Y-%m-%d}, load average at start: {os.getloadavg()}")
    vectorised(base.with_(employees=500, years=2), write=True)  # warm up: imports, caches
    with tempfile.TemporaryDirectory() as folder:
        simulate_to(base.with_(employees=500, years=2), folder)
    repeat = args.repeat
    rows = []

    _, t_model, mem_model, _ = measure("model only", lambda: run(base), repeat=repeat)
    rows.append(("model (columnar)", 18_000, 5, t_model, CPU["model only"], None, mem_model))
    _, t_log, mem_log, (sim, n_events) = measure(
        "model + event log", lambda: vectorised(base, write=False), repeat=repeat
    )
    rows.append(
        ("model + event log (Arrow)", 18_000, 5, t_log, CPU["model + event log"], n_events, mem_log)
    )
    _, t_pq, mem_pq, (_, n_pq) = measure(
        "model + log + Parquet", lambda: vectorised(base, write=True), repeat=repeat
    )
    rows.append(
        (
            "model + log written (Parquet, in memory)",
            18_000,
            5,
            t_pq,
            CPU["model + log + Parquet"],
            n_pq,
            mem_pq,
        )
    )

    def streamed():
        with tempfile.TemporaryDirectory() as folder:
            return simulate_to(base, folder).events

    _, t_st, mem_st, n_st = measure("streamed", streamed, repeat=repeat)
    rows.append(
        ("model + log streamed (Parquet by year)", 18_000, 5, t_st, CPU["streamed"], n_st, mem_st)
    )

    small = base.with_(employees=args.simpy_employees)
    _, t_simpy, _, log = measure("simpy", lambda: simpy_model(small), memory=False)
    scale = 18_000 / args.simpy_employees
    t_simpy_scaled = t_simpy * scale
    cpu_simpy_scaled = CPU["simpy"] * scale
    rows.append(
        (
            "SimPy model (per-event Python records)",
            18_000,
            5,
            t_simpy_scaled,
            cpu_simpy_scaled,
            int(len(log) * scale),
            0.0,
        )
    )

    header = (
        f"{'what':42} {'people':>8} {'yrs':>3} {'seconds':>8} {'CPU s':>7} {'events':>11} "
        f"{'events/s':>11} {'peak MiB':>9} {'SimPy/this':>10} {'(CPU)':>7}"
    )
    print(header)
    print("-" * len(header))
    for what, people, years, seconds, cpu, events, mem in rows:
        rate = f"{events / seconds:,.0f}" if events else "-"
        count = f"{events:,}" if events else "-"
        print(
            f"{what:42} {people:>8,} {years:>3} {seconds:>8.2f} {cpu:>7.2f} {count:>11} "
            f"{rate:>11} {mem:>9.0f} {t_simpy_scaled / seconds:>9.1f}x "
            f"{cpu_simpy_scaled / cpu:>6.1f}x"
        )
    print(f"(SimPy ran {args.simpy_employees:,} people; its time and events scaled x{scale:g})")
    print()
    # Sampling noise, measured: the spread of magcore's coverage over 10 replications at SimPy's
    # size (it includes the clustering of the pilot by team), combined for the two sizes.
    spread = replicate(small, 10, workers=2)
    print("yearly coverage (employed on 31 December with a conversation held that year):")
    print(f"{'year':6} {'magcore':>8} {'SimPy':>8} {'diff':>7} {'2 x sd':>7}  within noise")
    ours = {r["period"]: r for r in summarise(sim)["coverage"] if r["group"] == "all"}
    agree = True
    for year, (n2, c2) in simpy_coverage(log, small).items():
        n1, c1 = ours[year]["population"], ours[year]["covered"]
        p1, p2 = c1 / n1, c2 / n2
        sd_small = spread.intervals()[f"coverage@{year}"]["sd"]
        noise = 2 * sd_small * (1 + args.simpy_employees / 18_000) ** 0.5
        within = abs(p1 - p2) <= noise
        agree &= within
        verdict = "yes" if within else "NO"
        print(f"{year:6} {p1:>8.1%} {p2:>8.1%} {p1 - p2:>+7.1%} {noise:>7.1%}  {verdict}")
    print()
    cpu_log, cpu_st = CPU["model + event log"], CPU["streamed"]
    print(
        f"ratio SimPy / magcore, model + event log (aim >= 30x): {t_simpy_scaled / t_log:.1f}x "
        f"wall, {cpu_simpy_scaled / cpu_log:.1f}x CPU"
    )
    print(
        f"ratio SimPy / magcore, streamed to Parquet:           {t_simpy_scaled / t_st:.1f}x "
        f"wall, {cpu_simpy_scaled / cpu_st:.1f}x CPU"
    )
    print("(CPU: process time of all threads; on a busy machine it is the steadier measure)")
    print(f"coverage of both models within sampling noise every year: {agree}")

    if not args.skip_large:
        print()
        print("growth with people, 10 years, model and outcome figures only (no log), CPU s:")
        per = "x/doubling"
        print(f"{'people':>9} {'in blocks':>10} {per:>10} {'whole run':>10} {per:>10}")
        previous: tuple[float, float] | None = None
        for people in (25_000, 50_000, 100_000, 200_000):
            config = SimulationConfig(employees=people, years=10, seed=1, **AMSTERDAM)
            start = time.process_time()
            simulate_to(config)
            blocked = time.process_time() - start
            start = time.process_time()
            run(config)
            whole = time.process_time() - start
            growth = (
                f"{blocked / previous[0]:>9.2f}x {whole:>10.2f} {whole / previous[1]:>9.2f}x"
                if previous
                else f"{'':>10} {whole:>10.2f} {'':>10}"
            )
            print(f"{people:>9,} {blocked:>10.2f} {growth}")
            previous = (blocked, whole)
        print("(linear growth is 2.00x per doubling)")
        print()
        print("large runs, each in a fresh process (peak = that process's VmHWM, else ru_maxrss):")
        runs = [("streamed to Parquet by year", 200_000, 10, "stream")]
        if args.in_memory_large:
            runs.append(("in memory, then written (baseline)", 200_000, 10, "memory"))
        if args.million:
            runs.append(("streamed to Parquet by year", 1_000_000, 10, "stream"))
        for what, people, years, mode in runs:
            r = large_run(people, years, mode)
            print(
                f"  {what:36} {people:>9,} x {years}: {r['seconds']:7.1f} s "
                f"(CPU {r['cpu']:6.1f} s), {r['events']:>12,} events, "
                f"peak {r['peak_mib']:7,.0f} MiB"
            )
            if people == 200_000 and mode == "stream":
                print(
                    f"  aims 200,000 x 10: under 30 s ({r['seconds']:.1f} s), "
                    f"under 2 GB peak ({r['peak_mib'] / 1024:.2f} GiB)"
                )
    print(f"load average at end (1, 5, 15 min): {os.getloadavg()}")
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"this process's peak resident memory (ru_maxrss): {usage:,.0f} MiB")
    print(
        "peak MiB in the table: tracemalloc over a second, untimed run (NumPy arrays; Arrow "
        "buffers are not traced)."
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
