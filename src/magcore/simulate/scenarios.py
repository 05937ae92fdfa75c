"""Scenarios: a baseline and variants, each replicated, compared with effect sizes and intervals.

A scenario file (TOML or JSON) names the master seed, the number of replications, a baseline
configuration and the variants, each a set of changes to the baseline::

    seed = 7
    replications = 5
    [baseline]
    employees = 3000
    years = 4
    [variants.big-bang]
    pilot_fraction = 1.0
    [variants.manager-shock]
    manager_change_shock_year = 2024

Every scenario runs with the same replication seeds (common random numbers), so replication *i*
of a variant is compared with replication *i* of the baseline: the effect of a variant on a
figure is the mean of those paired differences, with its 95% interval (Student's t), and the
change relative to the baseline's mean. :func:`plot_scenarios` draws monthly coverage with
interval bands, and the effects with their intervals.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import attrs

from ..errors import Problem, RecordInvalidError
from .config import SimulationConfig
from .outcomes import YEAR_METRICS, flatten
from .replicate import Replicated, interval, replicate

__all__ = [
    "Comparison",
    "ScenarioSet",
    "compare",
    "load_scenarios",
    "plot_scenarios",
    "run_scenarios",
    "scenarios_from_mapping",
]

_WHAT = "scenario file"


@attrs.frozen
class ScenarioSet:
    """A baseline and its variants (name → changes and the configuration they give)."""

    baseline: SimulationConfig
    variants: Mapping[str, SimulationConfig]
    changes: Mapping[str, Mapping[str, Any]]
    replications: int
    seed: int

    def with_(self, **changes: Any) -> ScenarioSet:
        """The same scenarios with *changes* made to the baseline and every variant."""
        return attrs.evolve(
            self,
            baseline=self.baseline.with_(**changes),
            variants={name: c.with_(**changes) for name, c in self.variants.items()},
        )


def scenarios_from_mapping(data: Any, *, base_dir: Path | None = None) -> ScenarioSet:
    """Read a scenario set from plain data; every bad field is named (``/variants/x/field``)."""
    if not isinstance(data, Mapping):
        raise RecordInvalidError([Problem("", "must be an object")], what=_WHAT)
    problems: list[Problem] = []
    known = {"seed", "replications", "baseline", "variants"}
    problems += [Problem(f"/{key}", "unknown field") for key in data if key not in known]
    replications = data.get("replications", 5)
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 2:
        problems.append(Problem("/replications", "must be a whole number of at least 2"))
    seed = data.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
        problems.append(Problem("/seed", "must be a whole number from 0 to 2**63 - 1"))
    baseline_data = data.get("baseline", {})
    variants_data = data.get("variants")
    if not isinstance(variants_data, Mapping) or not variants_data:
        problems.append(Problem("/variants", "must name at least one variant"))
        variants_data = {}
    baseline: SimulationConfig | None = None
    try:
        if not isinstance(baseline_data, Mapping):
            raise RecordInvalidError([Problem("", "must be an object")], what=_WHAT)
        baseline = SimulationConfig.from_mapping(baseline_data, base_dir=base_dir)
    except RecordInvalidError as exc:
        problems += [Problem(f"/baseline{p.pointer}", p.message) for p in exc.problems]
    variants: dict[str, SimulationConfig] = {}
    changes: dict[str, Mapping[str, Any]] = {}
    for name, change in variants_data.items():
        if name == "baseline":
            problems.append(Problem("/variants/baseline", "the name 'baseline' is taken"))
            continue
        if not isinstance(change, Mapping):
            problems.append(Problem(f"/variants/{name}", "must be an object of changes"))
            continue
        if baseline is None:
            continue
        try:
            variants[name] = baseline.with_(**change)
            changes[name] = dict(change)
        except RecordInvalidError as exc:
            problems += [Problem(f"/variants/{name}{p.pointer}", p.message) for p in exc.problems]
    if problems or baseline is None:
        raise RecordInvalidError(problems, what=_WHAT)
    return ScenarioSet(
        baseline=baseline, variants=variants, changes=changes, replications=replications, seed=seed
    )


def load_scenarios(path: str | Path) -> ScenarioSet:
    """Read a scenario file (``.toml`` or ``.json``); cycle paths are relative to it."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode()) if path.suffix.lower() == ".toml" else json.loads(raw)
    except OSError as exc:
        raise RecordInvalidError(
            [Problem("", f"cannot read {path}: {exc.strerror}")], what=_WHAT
        ) from exc
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise RecordInvalidError(
            [Problem("", f"{path} is not valid {path.suffix[1:]}: {exc}")], what=_WHAT
        ) from exc
    return scenarios_from_mapping(data, base_dir=path.parent)


@attrs.frozen
class Comparison:
    """Each scenario's replications (``"baseline"`` first) and the variants' effects."""

    results: Mapping[str, Replicated] = attrs.field(repr=False)

    @property
    def names(self) -> list[str]:
        return list(self.results)

    def effects(self, keys: list[str] | None = None) -> dict[str, dict[str, Any]]:
        """Per variant and figure: the paired difference with the baseline, interval, relative."""
        base = self.results["baseline"]
        base_flat = [flatten(dict(r)) for r in base.runs]
        keys = keys if keys is not None else list(base_flat[0])
        result: dict[str, dict[str, Any]] = {}
        for name, replicated in self.results.items():
            if name == "baseline":
                continue
            flat = [flatten(dict(r)) for r in replicated.runs]
            per_key: dict[str, Any] = {}
            for key in keys:
                pairs = [(v.get(key), b.get(key)) for v, b in zip(flat, base_flat, strict=True)]
                diffs = [v - b for v, b in pairs if v is not None and b is not None]
                effect = interval(diffs)
                base_mean = interval([b for _, b in pairs])["mean"]
                relative = (
                    round(effect["mean"] / base_mean, 6)
                    if effect["mean"] is not None and base_mean
                    else None
                )
                excludes_zero = effect["low"] is not None and (
                    effect["low"] > 0 or effect["high"] < 0
                )
                per_key[key] = effect | {"relative": relative, "excludes_zero": excludes_zero}
            result[name] = per_key
        return result

    def to_json(self, metrics: tuple[str, ...] = YEAR_METRICS) -> dict[str, Any]:
        """Plain JSON data: each scenario's intervals and each variant's effects (yearly)."""
        yearly = [
            k for k in self.results["baseline"].intervals() if k.split("@")[0] in set(metrics)
        ]
        return {
            "scenarios": {
                name: {
                    "seeds": list(r.seeds),
                    "intervals": {k: v for k, v in r.intervals().items() if k in yearly},
                }
                for name, r in self.results.items()
            },
            "effects": self.effects(yearly),
        }

    def table(
        self, metrics: tuple[str, ...] = ("coverage", "offered", "manager_change_rate")
    ) -> str:
        """A text table: per figure and year, each variant's effect with its 95% interval."""
        effects = self.effects()
        lines = [f"{'variant':18} {'figure':28} {'baseline':>9} {'effect':>9}  95% interval"]
        base = self.results["baseline"].intervals()
        for name, per_key in effects.items():
            for key, effect in per_key.items():
                if key.split("@")[0] not in metrics or effect["mean"] is None:
                    continue
                mark = " *" if effect["excludes_zero"] else ""
                lines.append(
                    f"{name:18} {key:28} {base[key]['mean']:>9.4f} {effect['mean']:>+9.4f}  "
                    f"[{effect['low']:+.4f}, {effect['high']:+.4f}]{mark}"
                )
        lines.append("* the interval excludes 0")
        return "\n".join(lines)


def run_scenarios(
    scenarios: ScenarioSet,
    *,
    out: str | Path | None = None,
    executor: Executor | None = None,
    workers: int | None = None,
) -> Comparison:
    """Replicate the baseline and every variant with the same seeds; logs under *out*.

    With *out*, the logs form one dataset: ``out/events/scenario=<name>/replication=<i>/...``.
    """
    configs = {"baseline": scenarios.baseline, **scenarios.variants}
    results = {
        name: replicate(
            config.with_(seed=scenarios.seed),
            scenarios.replications,
            out=out,
            partition={"scenario": name},
            executor=executor,
            workers=workers,
        )
        for name, config in configs.items()
    }
    return Comparison(results=results)


def compare(results: Mapping[str, Replicated]) -> Comparison:
    """A comparison of replications you ran yourself (one must be named ``"baseline"``)."""
    if "baseline" not in results:
        raise RecordInvalidError([Problem("/baseline", "is missing")], what=_WHAT)
    return Comparison(results=dict(results))


def plot_scenarios(comparison: Comparison, out: str | Path) -> dict[str, Path]:
    """``scenarios_coverage.png`` (monthly coverage, 95% bands) and ``scenarios_effects.png``."""
    from datetime import date

    from .plots import _pyplot

    plt = _pyplot()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "scenarios_coverage": out / "scenarios_coverage.png",
        "scenarios_effects": out / "scenarios_effects.png",
    }
    metadata = {"Software": "magcore.simulate", "Creation Time": None}
    colours = ["#004699", "#ec0000", "#00a03c", "#ff9100", "#a00078", "#009de6"]
    fig, ax = plt.subplots(figsize=(8, 4), dpi=100)
    for colour, (name, replicated) in zip(colours * 4, comparison.results.items(), strict=False):
        rows = [
            (date.fromisoformat(k.split("@")[1]), v)
            for k, v in replicated.intervals().items()
            if k.startswith("coverage_12m@") and v["mean"] is not None
        ]
        if not rows:
            continue
        days = [d for d, _ in rows]
        ax.plot(days, [100 * v["mean"] for _, v in rows], color=colour, label=name)
        ax.fill_between(
            days,
            [100 * v["low"] for _, v in rows],
            [100 * v["high"] for _, v in rows],
            color=colour,
            alpha=0.2,
            linewidth=0,
        )
    ax.set_ylim(0, 100)
    ax.set_ylabel("% met gesprek in 12 maanden / with one in 12 months")
    ax.set_title("Bereik per scenario, 95%-interval / Coverage by scenario, 95% interval")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(paths["scenarios_coverage"], metadata=metadata)
    plt.close(fig)

    effects = comparison.effects()
    fig, ax = plt.subplots(figsize=(8, 4), dpi=100)
    labels: list[str] = []
    for name, per_key in effects.items():
        for key, effect in per_key.items():
            if key.startswith("coverage@") and effect["mean"] is not None:
                labels.append(f"{name} {key.split('@')[1]}")
                y = len(labels) - 1
                ax.errorbar(
                    100 * effect["mean"],
                    y,
                    xerr=[
                        [100 * (effect["mean"] - effect["low"])],
                        [100 * (effect["high"] - effect["mean"])],
                    ],
                    fmt="o",
                    color="#004699",
                    capsize=3,
                )
    ax.axvline(0, color="#666666", linewidth=1)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("verschil in bereik, procentpunt / effect on coverage, points (95% interval)")
    ax.set_title("Effect t.o.v. basis / Effect against the baseline")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(paths["scenarios_effects"], metadata=metadata)
    plt.close(fig)
    return paths
