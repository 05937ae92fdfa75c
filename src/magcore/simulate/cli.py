"""``magcore simulate CONFIG --out DIR``: run a simulation and write its log, metrics and plots.

The lead's CLI registers :data:`command` (or calls :func:`simulate_command`). ``rich`` (the
``magcore[cli]`` extra) draws the progress bar when installed; it is imported only when the
command runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ..errors import MagcoreError

__all__ = ["command", "simulate_command"]


def simulate_command() -> click.Command:
    """The ``simulate`` click command."""

    @click.command("simulate")
    @click.argument(
        "config", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
    )
    @click.option(
        "--out",
        "out",
        type=click.Path(file_okay=False, path_type=Path),
        help="Map voor de uitvoer / folder for the output.",
    )
    @click.option(
        "--format",
        "formats",
        multiple=True,
        type=click.Choice(["parquet", "csv"]),
        default=("parquet", "csv"),
        show_default=True,
        help="Formaat van het gebeurtenissenlog / event log format.",
    )
    @click.option(
        "--no-events", is_flag=True, help="Alleen cijfers en grafieken / only metrics and plots."
    )
    @click.option("--no-plots", is_flag=True, help="Geen grafieken / no plots.")
    @click.option("--seed", type=int, default=None, help="Overschrijf de seed / override the seed.")
    @click.option(
        "--stream",
        is_flag=True,
        help="Log per jaar naar Parquet, begrensd geheugen / stream the log by year, bounded "
        "memory (with 'replications' > 1 in CONFIG: every replication).",
    )
    @click.option(
        "--calibration-report",
        is_flag=True,
        help="Vergelijk met gepubliceerde cijfers / compare with published figures.",
    )
    @click.option(
        "--scenarios",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="Scenariobestand: basis en varianten / scenario file: baseline and variants.",
    )
    @click.option(
        "--replications",
        type=click.IntRange(1, 10_000),
        default=None,
        help="Aantal herhalingen / replications (calibration report: default 5).",
    )
    @click.option(
        "--employees",
        type=click.IntRange(1, 10_000_000),
        default=None,
        help="Overschrijf het aantal medewerkers / override the number of employees.",
    )
    @click.option("--json", "as_json", is_flag=True, help="Uitvoer als JSON / output as JSON.")
    def simulate(
        config: Path | None,
        out: Path | None,
        formats: tuple[str, ...],
        no_events: bool,
        no_plots: bool,
        seed: int | None,
        stream: bool,
        calibration_report: bool,
        scenarios: Path | None,
        replications: int | None,
        employees: int | None,
        as_json: bool,
    ) -> None:
        """Simuleer gesprekscycli voor een hele organisatie.

        Simulate conversation cycles for a whole organisation: CONFIG is a JSON or TOML file
        (see docs/guides/researchers.md); the event log, metrics and plots go to --out.
        --calibration-report compares the defaults (or CONFIG) with published figures;
        --scenarios FILE compares a baseline with its variants.
        """
        try:
            cfg = _config(config, seed, employees, replications)
            if calibration_report:
                _calibration(cfg, replications or 5, as_json)
            elif scenarios is not None:
                _require_extras(events=out is not None, plots=out is not None and not no_plots)
                _scenarios(scenarios, out, no_plots, as_json, employees)
            elif config is None or out is None:
                raise click.UsageError("give CONFIG and --out (or --calibration-report)")
            elif stream or cfg.replications > 1:
                _require_extras(events=not no_events, plots=False)
                _streamed(cfg, out, no_events, as_json)
            else:
                _require_extras(events=not no_events, plots=not no_plots)
                _in_memory(cfg, out, formats, no_events, no_plots, as_json)
        except MagcoreError as exc:
            raise click.ClickException(str(exc)) from exc

    return simulate


def _require_extras(*, events: bool, plots: bool) -> None:
    """Before a run that may take minutes and before anything is written: the extras its
    output needs, each refusal naming the option that does without."""
    from ..extras import require

    if events:
        require("parquet", feature="the event log (--no-events leaves it out)")
    if plots:
        require("plots", feature="the plots (--no-plots leaves them out)", load=True)


def _config(
    path: Path | None, seed: int | None, employees: int | None, replications: int | None
) -> Any:
    from .config import SimulationConfig, load_config

    cfg = load_config(path) if path is not None else SimulationConfig()
    changes: dict[str, Any] = {}
    if seed is not None:
        changes["seed"] = seed
    if employees is not None:
        changes["employees"] = employees
    if replications is not None:
        changes["replications"] = replications
    return cfg.with_(**changes) if changes else cfg


def _echo(data: Any, text: str, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False))
    else:
        click.echo(text)


def _calibration(cfg: Any, replications: int, as_json: bool) -> None:
    from .calibration import calibration_report, format_report

    rows = calibration_report(cfg, max(2, replications))
    data = {
        "configuration": {"employees": cfg.employees, "years": cfg.years, "seed": cfg.seed},
        "replications": max(2, replications),
        "outcomes": [row.to_json() for row in rows],
    }
    _echo(data, format_report(rows), as_json)


def _scenarios(
    path: Path, out: Path | None, no_plots: bool, as_json: bool, employees: int | None
) -> None:
    from .scenarios import load_scenarios, plot_scenarios, run_scenarios

    scenario_set = load_scenarios(path)
    if employees is not None:
        scenario_set = scenario_set.with_(employees=employees)
    comparison = run_scenarios(scenario_set, out=out)
    data = comparison.to_json()
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "scenarios.json").write_text(
            json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        if not no_plots:
            data["plots"] = {k: str(v) for k, v in plot_scenarios(comparison, out).items()}
    _echo(data, comparison.table(), as_json)


def _streamed(cfg: Any, out: Path, no_events: bool, as_json: bool) -> None:
    from .replicate import replicate

    target = None if no_events else out
    result = replicate(cfg, cfg.replications, out=target)
    data = result.to_json()
    out.mkdir(parents=True, exist_ok=True)
    (out / "outcomes.json").write_text(
        json.dumps(data | {"runs": list(result.runs)}, indent=2, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    lines = [f"{len(result.runs)} replication(s); log: {out / 'events'}"]
    for key, value in data["intervals"].items():
        if "@" in key and not key.startswith("coverage_12m") and value["mean"] is not None:
            lines.append(
                f"  {key:32} {value['mean']:.4f}  [{value['low']:.4f}, {value['high']:.4f}]"
            )
    _echo(data, "\n".join(lines), as_json)


def _in_memory(
    cfg: Any,
    out: Path,
    formats: tuple[str, ...],
    no_events: bool,
    no_plots: bool,
    as_json: bool,
) -> None:
    from .engine import run
    from .metrics import summarise, write_metrics
    from .parquet import write_events

    sim = run(cfg)
    written: dict[str, Any] = {}
    summary = summarise(sim)
    if not no_events:
        from .parquet import count_events

        with _progress(count_events(sim), quiet=as_json) as advance:
            written.update(write_events(sim, out, formats=formats, progress=advance))
    written.update(write_metrics(summary, out))
    if not no_plots:
        from .plots import write_plots

        # keyed apart: the metrics' "coverage" is the CSV, the plots' the PNG
        written.update({f"{k}_plot": v for k, v in write_plots(summary, out).items()})
    paths = {k: str(v) for k, v in sorted(written.items())}
    _echo({"paths": paths, "totals": summary["totals"]}, json.dumps(paths, indent=2), as_json)


class _progress:
    """A rich progress bar over the events written, or nothing when rich is missing."""

    def __init__(self, total: int, *, quiet: bool = False) -> None:
        self.bar: Any = None
        self.task: Any = None
        self.total = total
        self.quiet = quiet

    def __enter__(self) -> Any:
        if self.quiet:
            return lambda n: None
        try:
            from rich.progress import Progress
        except ImportError:
            return lambda n: None
        self.bar = Progress(transient=False)
        self.bar.__enter__()
        self.task = self.bar.add_task("events / gebeurtenissen", total=self.total)
        return lambda n: self.bar.advance(self.task, n)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


#: The command itself, for ``cli.add_command(command)``.
command = simulate_command()
