"""magcore.simulate: conversation cycles across whole organisations, fast and reproducible.

::

    from magcore.simulate import SimulationConfig, run, summarise, write_events

    sim = run(SimulationConfig(employees=18_000, years=5, seed=1))
    summary = summarise(sim)              # coverage, days between, manager hours, agreements
    write_events(sim, "out/")             # the library's event format, Parquet and CSV

Needs NumPy (the ``magcore[simulate]`` extra); the event log needs pyarrow
(``magcore[parquet]``), plots matplotlib (``magcore[plots]``), Dask sweeps ``magcore[dask]``.
"""

from __future__ import annotations

from .config import DEFAULT_CYCLE, PARAMETERS, SimulationConfig, load_config, resolve_cycle
from .engine import Simulation, run
from .metrics import summarise, write_metrics
from .parquet import count_events, event_tables, read_events, write_events
from .sweep import SweepResult, sweep

__all__ = [
    "DEFAULT_CYCLE",
    "PARAMETERS",
    "Simulation",
    "SimulationConfig",
    "SweepResult",
    "count_events",
    "event_tables",
    "load_config",
    "read_events",
    "resolve_cycle",
    "run",
    "summarise",
    "sweep",
    "write_events",
    "write_metrics",
]
