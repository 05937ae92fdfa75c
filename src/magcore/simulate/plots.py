"""Plots of a simulation's summary as PNG files (matplotlib, headless Agg backend).

* ``coverage.png``: the share of people (employed a year or more) with a conversation in the
  past twelve months, month by month, with the roll-out date marked;
* ``manager_load.png``: how many managers spent how many hours a year on conversations, over
  the last full year; bins with fewer managers than the minimum group size are left out.

Plots draw only from :func:`magcore.simulate.metrics.summarise`, so they show nothing the
suppressed summary does not.
"""

from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path
from typing import Any

from ..extras import require

__all__ = ["write_plots"]


def _pyplot() -> Any:
    """matplotlib's pyplot, or :class:`~magcore.errors.ExtraMissingError` naming
    ``magcore[plots]``."""
    require("plots", feature="the simulation's plots", load=True)
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def write_plots(summary: dict[str, Any], out: str | Path) -> dict[str, Path]:
    """Write ``coverage.png`` and ``manager_load.png`` for *summary* into *out*."""
    plt = _pyplot()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"coverage": out / "coverage.png", "manager_load": out / "manager_load.png"}
    metadata = {"Software": "magcore.simulate", "Creation Time": None}

    rows = [r for r in summary["coverage_monthly"] if r["rate"] is not None]
    fig, ax = plt.subplots(figsize=(8, 4), dpi=100)
    ax.plot(
        [date.fromisoformat(r["month_end"]) for r in rows],
        [100 * r["rate"] for r in rows],
        color="#004699",
    )
    rollout = summary["configuration"].get("rollout_date")
    if rollout:
        ax.axvline(
            date.fromisoformat(rollout), color="#ec0000", linestyle="--", label="uitrol / roll-out"
        )
        ax.legend(loc="lower right")
    ax.set_ylim(0, 100)
    ax.set_ylabel("% met gesprek in 12 maanden / with a conversation in 12 months")
    ax.set_title("Bereik / Coverage")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(paths["coverage"], metadata=metadata)
    plt.close(fig)

    load = summary["manager_load"]
    fig, ax = plt.subplots(figsize=(8, 4), dpi=100)
    edges = load["edges"]
    if edges:
        lefts = edges[:-1]
        widths = [b - a for a, b in itertools.pairwise(edges)]
        heights = [n or 0 for n in load["counts"]]
        ax.bar(lefts, heights, width=widths, align="edge", color="#004699", edgecolor="white")
    note = (
        f" ({load['suppressed_bins']} kleine groepen weggelaten / small groups left out)"
        if load.get("suppressed_bins")
        else ""
    )
    ax.set_xlabel(f"uren per leidinggevende in {load.get('year')} / hours per manager{note}")
    ax.set_ylabel("leidinggevenden / managers")
    ax.set_title("Tijd van leidinggevenden / Manager load")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(paths["manager_load"], metadata=metadata)
    plt.close(fig)
    return paths
