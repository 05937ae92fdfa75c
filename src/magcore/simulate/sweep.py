"""Parameter sweeps: run a grid of configurations in parallel and collect their summaries.

Locally the runs go to a :class:`concurrent.futures.ProcessPoolExecutor` on all cores. Any
executor with the ``concurrent.futures`` interface works too; for a Dask cluster (the
``magcore[dask]`` extra) pass ``client.get_executor()``::

    from distributed import Client
    client = Client("tcp://scheduler:8786")
    results = sweep(base, {"pilot_fraction": [0.1, 0.2, 0.5]}, executor=client.get_executor())

Each run is independent and deterministic (its own seed), so results do not depend on where or
in which order the runs happen; they come back in grid order.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence, Sized
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path
from typing import Any

import attrs

from ..errors import Problem, RecordInvalidError
from .config import SimulationConfig

_WHAT = "sweep grid"

__all__ = ["SweepResult", "grid_configs", "run_summary", "sweep"]


@attrs.frozen
class SweepResult:
    """One point of a sweep: the parameters changed, and that run's summary metrics."""

    parameters: Mapping[str, Any]
    summary: Mapping[str, Any] = attrs.field(eq=False, repr=False)


def grid_configs(
    base: SimulationConfig, grid: Mapping[str, Sequence[Any]]
) -> list[tuple[dict[str, Any], SimulationConfig]]:
    """Every combination of *grid* applied to *base* (validated), in a fixed order.

    Each value of *grid* is a non-empty list of the values to try: a single value, a string
    (whose letters would be tried one by one) or an empty list raises
    :class:`~magcore.errors.RecordInvalidError` naming the parameter.
    """
    if not isinstance(grid, Mapping):
        raise RecordInvalidError([Problem("", "must be an object")], what=_WHAT)
    problems = [
        Problem(f"/{name}", f"must be a non-empty list of values to try, not {values!r:.60}")
        for name, values in grid.items()
        if _bad_values(values)
    ]
    if problems:
        raise RecordInvalidError(problems, what=_WHAT)
    names = list(grid)
    result = []
    for values in itertools.product(*(_plain(grid[n]) for n in names)):
        changes = dict(zip(names, values, strict=True))
        result.append((changes, base.with_(**changes)))
    return result


def _bad_values(values: Any) -> bool:
    """Whether a grid entry is not a list of values to try (one value, text, nothing)."""
    if isinstance(values, str | bytes | Mapping) or not isinstance(values, Iterable):
        return True
    return isinstance(values, Sized) and len(values) == 0


def _plain(values: Iterable[Any]) -> list[Any]:
    """The values as plain Python (a NumPy array's int64 is no whole number to the config)."""
    tolist = getattr(values, "tolist", None)
    return list(tolist()) if callable(tolist) else list(values)


def run_summary(config: SimulationConfig) -> dict[str, Any]:
    """Simulate *config* and return only its summary (what a sweep sends back)."""
    from .engine import run
    from .metrics import summarise

    return summarise(run(config))


def sweep(
    base: SimulationConfig,
    grid: Mapping[str, Sequence[Any]],
    *,
    executor: Executor | None = None,
    workers: int | None = None,
    function: Callable[[SimulationConfig], dict[str, Any]] = run_summary,
    out: str | Path | None = None,
) -> list[SweepResult]:
    """Run every combination of *grid* over *base* in parallel; results in grid order.

    Without *executor*, a process pool with *workers* processes (default: the CPU count).

    With *out*, each run is streamed (:func:`magcore.simulate.stream.simulate_to`): its log
    goes to ``out/events/run=<k>/year=<YYYY>/part-0.parquet``, one Hive-partitioned dataset
    for the whole sweep, nothing of it held in memory; ``out/runs.json`` names each run's
    parameters, and each result's ``summary`` is that run's outcome figures
    (:mod:`magcore.simulate.outcomes`). On a cluster, *out* must be a folder every worker
    can write to (a shared file system).
    """
    points = grid_configs(base, grid)
    configs: list[SimulationConfig] = [config for _, config in points]
    if out is not None:
        from .replicate import run_replication

        target = Path(out)
        target.mkdir(parents=True, exist_ok=True)
        runs = [{"run": k, "parameters": changes} for k, (changes, _) in enumerate(points)]
        (target / "runs.json").write_text(
            json.dumps(runs, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8"
        )
        args: tuple[Iterable[Any], ...] = (
            configs,
            [str(target)] * len(configs),
            [{"run": k} for k in range(len(configs))],
        )
        if executor is None:
            with ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
                summaries = list(pool.map(run_replication, *args))
        else:
            summaries = list(executor.map(run_replication, *args))
    elif executor is None:
        with ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
            summaries = list(pool.map(function, configs))
    else:
        summaries = list(executor.map(function, configs))
    return [
        SweepResult(parameters=changes, summary=summary)
        for (changes, _), summary in zip(points, summaries, strict=True)
    ]
