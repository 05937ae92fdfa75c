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
    @click.argument("config", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option(
        "--out",
        "out",
        required=True,
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
    def simulate(
        config: Path,
        out: Path,
        formats: tuple[str, ...],
        no_events: bool,
        no_plots: bool,
        seed: int | None,
    ) -> None:
        """Simuleer gesprekscycli voor een hele organisatie.

        Simulate conversation cycles for a whole organisation: CONFIG is a JSON or TOML file
        (see docs/guides/researchers.md); the event log, metrics and plots go to --out.
        """
        from .config import load_config
        from .engine import run
        from .metrics import summarise, write_metrics
        from .parquet import write_events

        try:
            cfg = load_config(config)
            if seed is not None:
                cfg = cfg.with_(seed=seed)
            sim = run(cfg)
        except MagcoreError as exc:
            raise click.ClickException(str(exc)) from exc
        written: dict[str, Any] = {}
        summary = summarise(sim)
        if not no_events:
            from .parquet import count_events

            with _progress(count_events(sim)) as advance:
                written.update(write_events(sim, out, formats=formats, progress=advance))
        written.update(write_metrics(summary, out))
        if not no_plots:
            from .plots import write_plots

            written.update(write_plots(summary, out))
        click.echo(json.dumps({k: str(v) for k, v in sorted(written.items())}, indent=2))

    return simulate


class _progress:
    """A rich progress bar over the events written, or nothing when rich is missing."""

    def __init__(self, total: int) -> None:
        self.bar: Any = None
        self.task: Any = None
        self.total = total

    def __enter__(self) -> Any:
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
