"""Replications: one configuration run N times, seeds spawned from one master seed, with intervals.

The seeds come from :class:`numpy.random.SeedSequence` (``SeedSequence(seed).spawn(N)``), so
replication *i* of a configuration is the same wherever and in whichever order it runs (a
process pool, a Dask cluster): same master seed, same figures, same bytes. Each replication is a
streamed run (:func:`magcore.simulate.stream.simulate_to`): with *out* its log goes to
``out/events/replication=<i>/year=<YYYY>/part-0.parquet``, one Hive-partitioned dataset for all.

Every outcome figure gets its mean over the replications and a 95% confidence interval from
Student's t distribution (``mean ± t(0.975, n-1) · sd / √n``).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from .config import SimulationConfig
from .outcomes import flatten

__all__ = [
    "Replicated",
    "interval",
    "replicate",
    "replication_seeds",
    "run_replication",
    "t_quantile",
]

# Student's t, two-sided 95% (the 0.975 quantile), by degrees of freedom.
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def t_quantile(df: int) -> float:
    """The 0.975 quantile of Student's t with *df* degrees of freedom (a table, then 1.96 + …)."""
    if df < 1:
        raise ValueError("a confidence interval needs at least two replications")
    if df <= len(_T975):
        return _T975[df - 1]
    return 1.959964 + 2.37 / df  # within 0.005 of the exact value above 30


def interval(values: Sequence[float | None]) -> dict[str, Any]:
    """Mean, standard deviation and 95% interval of *values* (``None`` values are left out).

    With one value the interval is that value (``low == high``) and ``sd`` is ``None``: a single
    run says nothing about its own uncertainty.
    """
    data = np.asarray([v for v in values if v is not None], dtype=float)
    n = len(data)
    if n == 0:
        return {"n": 0, "mean": None, "sd": None, "low": None, "high": None}
    mean = float(data.mean())
    if n == 1:
        return {"n": 1, "mean": round(mean, 6), "sd": None, "low": mean, "high": mean}
    sd = float(data.std(ddof=1))
    half = t_quantile(n - 1) * sd / math.sqrt(n)
    return {
        "n": n,
        "mean": round(mean, 6),
        "sd": round(sd, 6),
        "low": round(mean - half, 6),
        "high": round(mean + half, 6),
    }


def replication_seeds(seed: int, n: int) -> list[int]:
    """The seeds of *n* replications, spawned from the master *seed* (63-bit integers)."""
    children = np.random.SeedSequence(seed).spawn(n)
    return [int(child.generate_state(1, np.uint64)[0]) >> 1 for child in children]


@attrs.frozen
class Replicated:
    """The replications of one configuration: each one's figures, and their intervals."""

    config: SimulationConfig = attrs.field(repr=False)
    seeds: tuple[int, ...]
    runs: tuple[Mapping[str, Any], ...] = attrs.field(repr=False)
    """Each replication's outcome figures (:func:`magcore.simulate.outcomes.outcomes`)."""

    def values(self, key: str) -> list[float | None]:
        """One flat figure (``"coverage@2024"``) over the replications, in order."""
        return [flatten(dict(run)).get(key) for run in self.runs]

    def intervals(self) -> dict[str, dict[str, Any]]:
        """Every flat figure's mean and 95% interval over the replications."""
        flats = [flatten(dict(run)) for run in self.runs]
        return {key: interval([f.get(key) for f in flats]) for key in flats[0]} if flats else {}

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data: the configuration, the seeds, the intervals."""
        return {
            "configuration": self.config.to_json() | {"cycle": _cycle_name(self.config)},
            "seeds": list(self.seeds),
            "intervals": self.intervals(),
        }


def _cycle_name(config: SimulationConfig) -> Any:
    cycle = config.cycle
    if cycle is None or isinstance(cycle, str):
        return cycle
    if isinstance(cycle, Path):
        return str(cycle)
    if isinstance(cycle, Mapping):
        return cycle.get("id")
    return cycle.key


def run_replication(
    config: SimulationConfig, out: str | None, partition: Mapping[str, Any] | None
) -> dict[str, Any]:
    """One replication (a module-level function, so process pools and Dask can send it)."""
    from .stream import simulate_to

    result = simulate_to(config, out, partition=partition, threads=1)
    return dict(result.outcomes)


def replicate(
    config: SimulationConfig,
    replications: int | None = None,
    *,
    out: str | Path | None = None,
    partition: Mapping[str, Any] | None = None,
    executor: Executor | None = None,
    workers: int | None = None,
) -> Replicated:
    """Run *config* ``replications`` times (default: its ``replications``), seeds spawned.

    Without *executor*, one replication runs here and more go to a process pool of *workers*
    (default: the CPU count); any ``concurrent.futures`` executor works (a Dask cluster's
    ``client.get_executor()``). With *out*, every log goes into one dataset:
    ``out/events/[partition/]replication=<i>/year=<YYYY>/``. A *replications* outside 1 to
    10,000 raises :class:`~magcore.errors.RecordInvalidError` naming ``/replications``.
    """
    if replications is not None:
        config.with_(replications=replications)  # checked as the field is: 1 to 10,000
    n = replications if replications is not None else config.replications
    seeds = replication_seeds(config.seed, n)
    configs = [config.with_(seed=s, replications=1) for s in seeds]
    target = str(out) if out is not None else None
    parts = [dict(partition or {}) | {"replication": i} for i in range(n)]
    if executor is None and (n == 1 or workers == 1):
        runs = [run_replication(c, target, p) for c, p in zip(configs, parts, strict=True)]
    elif executor is None:
        with ProcessPoolExecutor(max_workers=min(n, workers or os.cpu_count() or 1)) as pool:
            runs = list(pool.map(run_replication, configs, [target] * n, parts))
    else:
        runs = list(executor.map(run_replication, configs, [target] * n, parts))
    return Replicated(config=config, seeds=tuple(seeds), runs=tuple(runs))
