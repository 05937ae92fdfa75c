"""Calibration: the defaults' simulated outcomes against published figures, with intervals.

The published figures, each with its year and source, are in ``data/calibration.toml`` beside
this module (:func:`published`). :func:`calibration_report` replicates a configuration (the
defaults unless given), averages each outcome over the years the figure is compared for, and
sets the simulated mean and 95% interval against the published range:

* ``inside``: the simulated interval overlaps the published range (a point figure counts as the
  range its rounding allows);
* ``explained``: outside, and the data file explains beforehand why (e.g. a proxy for another
  population);
* ``outside``: outside, unexplained: the model or its defaults need a look.

The ``gap`` is the distance from the simulated mean to the nearest end of the range (0 inside).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from importlib.resources import files
from typing import Any

import attrs

from .config import SimulationConfig
from .replicate import interval, replicate

__all__ = ["CalibrationRow", "calibration_report", "format_report", "published"]


def published() -> list[dict[str, Any]]:
    """The published outcome figures of ``data/calibration.toml``, in file order."""
    text = files("magcore.simulate").joinpath("data/calibration.toml").read_text("utf-8")
    rows: list[dict[str, Any]] = tomllib.loads(text)["outcome"]
    return rows


@attrs.frozen
class CalibrationRow:
    """One outcome: published range, simulated mean and interval, the gap and the verdict."""

    metric: str
    published: str
    published_years: str
    low: float
    high: float
    source: str
    simulated_years: tuple[int, ...]
    mean: float | None
    interval_low: float | None
    interval_high: float | None
    gap: float | None
    status: str
    """``inside``, ``explained`` or ``outside`` (``missing`` when a year was not simulated)."""
    explanation: str = ""
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return attrs.asdict(self) | {"simulated_years": list(self.simulated_years)}


def _row(entry: Mapping[str, Any], runs: Sequence[Mapping[str, Any]]) -> CalibrationRow:
    metric = entry["metric"]
    years = tuple(int(y) for y in entry["simulated_years"])
    per_run: list[float | None] = []
    for run in runs:
        values = [
            row[metric] for row in run["years"] if int(row["year"]) in years and row["full_year"]
        ]
        ok = len(values) == len(years) and all(v is not None for v in values)
        per_run.append(sum(values) / len(values) if ok else None)
    summary = interval(per_run)
    low, high = float(entry["low"]), float(entry["high"])
    mean = summary["mean"]
    if mean is None or summary["n"] < len(runs):
        status, gap = "missing", None
    else:
        overlaps = summary["high"] >= low and summary["low"] <= high
        gap = 0.0 if low <= mean <= high else round(min(abs(mean - low), abs(mean - high)), 6)
        status = "inside" if overlaps else ("explained" if entry.get("exception") else "outside")
    return CalibrationRow(
        metric=metric,
        published=entry["published"],
        published_years=str(entry["published_years"]),
        low=low,
        high=high,
        source=entry["source"],
        simulated_years=years,
        mean=mean,
        interval_low=summary["low"],
        interval_high=summary["high"],
        gap=gap,
        status=status,
        explanation=entry.get("exception", "") if status == "explained" else "",
        note=entry.get("note", ""),
    )


def calibration_report(
    config: SimulationConfig | None = None,
    replications: int = 5,
    *,
    executor: Executor | None = None,
    workers: int | None = None,
) -> list[CalibrationRow]:
    """Replicate *config* (default: the defaults) and hold its outcomes against the figures."""
    config = config if config is not None else SimulationConfig()
    result = replicate(config, replications, executor=executor, workers=workers)
    return [_row(entry, result.runs) for entry in published()]


def format_report(rows: Sequence[CalibrationRow]) -> str:
    """The report as a text table, then the explanations of the explained exceptions."""

    def number(value: float | None, metric: str) -> str:
        if value is None:
            return "-"
        return f"{value:.1f}" if metric == "span_of_control" else f"{100 * value:.1f}%"

    header = (
        f"{'outcome':20} {'published':>15} {'simulated':>9} {'95% interval':>17} {'gap':>6}  status"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        m = row.metric
        pub = (
            number((row.low + row.high) / 2, m)
            if abs(row.high - row.low) < 0.0011 * max(1.0, row.high)
            else f"{number(row.low, m)}-{number(row.high, m)}"
        )
        band = f"{number(row.interval_low, m)}-{number(row.interval_high, m)}"
        lines.append(
            f"{m:20} {pub:>15} {number(row.mean, m):>9} {band:>17} "
            f"{number(row.gap, m):>6}  {row.status}"
        )
    for row in rows:
        if row.explanation:
            lines += ["", f"{row.metric} ({row.status}): {' '.join(row.explanation.split())}"]
    lines += ["", "Sources:"]
    lines += [f"  {row.metric}: {row.source} ({row.published_years})" for row in rows]
    return "\n".join(lines)
