"""magcore.simulate: conversation cycles across whole organisations, fast and reproducible.

::

    from magcore.simulate import SimulationConfig, run, summarise, write_events

    sim = run(SimulationConfig(employees=18_000, years=5, seed=1))
    summary = summarise(sim)              # coverage, days between, manager hours, agreements
    write_events(sim, "out/")             # the library's event format, Parquet and CSV

    result = simulate_to(SimulationConfig(employees=200_000, years=10), "big/")
    # bounded memory: big/events/year=YYYY/part-0.parquet, result.outcomes per year

    replicate(config, 10)                 # seeds spawned from config.seed; 95% intervals
    run_scenarios(load_scenarios("scenarios.toml"))   # baseline vs variants, paired effects
    calibration_report()                  # the defaults against published figures

Needs NumPy (the ``magcore[simulate]`` extra); the event log needs pyarrow
(``magcore[parquet]``, with DuckDB to query it), plots matplotlib (``magcore[plots]``), Dask
sweeps ``magcore[dask]``.
"""

from __future__ import annotations

from .calibration import calibration_report
from .config import DEFAULT_CYCLE, PARAMETERS, SimulationConfig, load_config, resolve_cycle
from .engine import Simulation, run
from .metrics import summarise, write_metrics
from .outcomes import outcomes
from .parquet import count_events, event_tables, read_events, write_events
from .replicate import Replicated, replicate
from .scenarios import Comparison, load_scenarios, run_scenarios
from .stream import StreamResult, simulate_to
from .sweep import SweepResult, sweep

__all__ = [
    "DEFAULT_CYCLE",
    "PARAMETERS",
    "Comparison",
    "Replicated",
    "Simulation",
    "SimulationConfig",
    "StreamResult",
    "SweepResult",
    "calibration_report",
    "count_events",
    "event_tables",
    "load_config",
    "load_scenarios",
    "outcomes",
    "read_events",
    "replicate",
    "resolve_cycle",
    "run",
    "run_scenarios",
    "simulate_to",
    "summarise",
    "sweep",
    "write_events",
    "write_metrics",
]
