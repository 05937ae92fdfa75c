"""The model in blocks of people, its event log streamed to Parquet: memory bounded by a block.

:func:`simulate_to` simulates the organisation's history once (joins, leaves, moves, manager
changes: small), then the conversations and agreements of one block of people at a time
(people are independent there). Each block's events are built month by month as Arrow record
batches and written straight away, one Parquet file per calendar year (Hive partitioning,
Zstandard)::

    out/events/year=2022/part-0.parquet
    out/events/year=2023/part-0.parquet
    out/outcomes.json

so the memory a run needs depends on the block (``block_person_years`` person-years, by default
200,000: 20,000 people over 10 years), not on the number of people or years, and each block
fits in the processor's caches, so time grows linearly with the people simulated.

Inside a year's file, the organisation's events come first, then each block's, every row group
sorted by ``(at, stream, version)``; one stream's events are always in order. Read the whole
log sorted with ``ORDER BY at, stream, version``. Same configuration, same bytes.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from ..model.cycle import CycleDefinition
from .config import SimulationConfig, resolve_cycle
from .engine import blocks, coach_count, simulate_blocks
from .events import _Builder, _pa
from .org import OrgHistory, simulate_org
from .outcomes import BlockCounts, org_counts, outcomes
from .parquet import PARQUET_OPTIONS, _chunks
from .tables import Agreements, Conversations, Simulation

__all__ = ["StreamResult", "blocks", "partition_path", "simulate_to"]

I64 = npt.NDArray[np.int64]


@attrs.frozen
class StreamResult:
    """What :func:`simulate_to` did: its outcome figures, the events written and where."""

    config: SimulationConfig = attrs.field(repr=False)
    outcomes: Mapping[str, Any] = attrs.field(repr=False)
    events: int
    blocks: int
    skipped_kinds: tuple[str, ...]
    paths: tuple[Path, ...] = ()


def partition_path(out: Path, partition: Mapping[str, Any] | None = None) -> Path:
    """``out/events`` followed by ``key=value`` folders for *partition* (Hive style)."""
    path = out / "events"
    for key, value in (partition or {}).items():
        path = path / f"{key}={value}"
    return path


def _empty(config: SimulationConfig) -> tuple[Conversations, Agreements]:
    """No conversations and no agreements (the organisation's part of the log)."""
    r = config.max_reschedules
    shapes = {"t_resched": r, "resched_reason": r, "on": r + 1, "t_confirm": 3, "confirm_slot": 3}
    flags = {"prompt", "held", "paper", "manager_changed"}

    def empty(name: str) -> Any:
        if name in flags:
            return np.zeros(0, dtype=bool)
        if name in shapes:
            return np.zeros((0, shapes[name]), dtype=np.int64)
        return np.zeros(0, dtype=np.int64)

    conversations = Conversations(**{f.name: empty(f.name) for f in attrs.fields(Conversations)})
    agreements = Agreements(**{f.name: empty(f.name) for f in attrs.fields(Agreements)})
    return conversations, agreements


class _YearWriters:
    """One Parquet writer per calendar year, into a temporary folder renamed at the end."""

    def __init__(self, target: Path) -> None:
        _pa()  # a clear message when pyarrow is missing
        import pyarrow.parquet

        self.pq = pyarrow.parquet
        self.target = target
        self.temp = target.with_name(target.name + ".partial")
        if self.temp.exists():
            shutil.rmtree(self.temp)
        self.temp.mkdir(parents=True)
        self.writers: dict[int, Any] = {}

    def write(self, table: Any, seconds: I64) -> None:
        year = int(np.datetime64(int(seconds[0]), "s").astype("datetime64[Y]").astype(int)) + 1970
        writer = self.writers.get(year)
        if writer is None:
            folder = self.temp / f"year={year}"
            folder.mkdir()
            writer = self.pq.ParquetWriter(
                folder / "part-0.parquet", table.schema, **PARQUET_OPTIONS
            )
            self.writers[year] = writer
        writer.write_table(table, row_group_size=table.num_rows)

    def close(self) -> tuple[Path, ...]:
        for writer in self.writers.values():
            writer.close()
        if self.target.exists():
            shutil.rmtree(self.target)
        self.temp.replace(self.target)
        return tuple(
            self.target / f"year={year}" / "part-0.parquet" for year in sorted(self.writers)
        )

    def abort(self) -> None:
        for writer in self.writers.values():
            writer.close()
        shutil.rmtree(self.temp, ignore_errors=True)


def _block_sims(
    config: SimulationConfig, definition: CycleDefinition, org: OrgHistory, n_coaches: int
) -> Iterator[tuple[tuple[int, int], Simulation]]:
    """Each block's simulation, in order (the organisation's events are not in them)."""
    first = 0
    for people, conversations, agreements, skipped in simulate_blocks(
        config, definition, org, n_coaches
    ):
        yield (
            people,
            Simulation(
                config=config,
                cycle=definition,
                org=org,
                conversations=conversations,
                agreements=agreements,
                skipped_kinds=skipped,
                coaches=n_coaches,
                first_conversation=first,
                org_events=False,
            ),
        )
        first += len(conversations)


def simulate_to(
    config: SimulationConfig,
    out: str | Path | None = None,
    *,
    cycle: CycleDefinition | None = None,
    partition: Mapping[str, Any] | None = None,
    rows_per_chunk: int = 150_000,
    threads: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> StreamResult:
    """Simulate *config* block by block; with *out*, stream the event log into it.

    The log goes to ``out/events/[key=value/...]year=YYYY/part-0.parquet`` (*partition* adds
    the ``key=value`` folders, e.g. ``{"replication": 3}``), written under a temporary name and
    renamed at the end, so a failed run leaves no partial log. Without *out* only the outcome
    figures (:mod:`magcore.simulate.outcomes`) are computed. The organisation's history and the
    blocks (with their seeds) are those of :func:`~magcore.simulate.engine.run`, so the log
    holds the same streams as ``write_events(run(config), ...)``.
    """
    definition = cycle or resolve_cycle(config.cycle, base_dir=config.base_dir)
    rng = np.random.Generator(np.random.PCG64(config.seed))
    org = simulate_org(config, rng)
    n_coaches = coach_count(config)
    org_figures = org_counts(config, org)
    counts = BlockCounts(config)
    writers = _YearWriters(partition_path(Path(out), partition)) if out is not None else None
    shared: dict[str, Any] = {}
    events = 0
    n_blocks = 0
    skipped: tuple[str, ...] = ()
    try:
        if writers is not None:
            conversations, agreements = _empty(config)
            org_sim = Simulation(
                config=config,
                cycle=definition,
                org=org,
                conversations=conversations,
                agreements=agreements,
                skipped_kinds=(),
                coaches=n_coaches,
            )
            for table, seconds in _chunks(_Builder(org_sim, shared), rows_per_chunk, threads, True):
                writers.write(table, seconds)
                events += table.num_rows
                if progress is not None:
                    progress(table.num_rows)
        for (lo, hi), sim in _block_sims(config, definition, org, n_coaches):
            n_blocks += 1
            skipped = sim.skipped_kinds
            counts.add(org, sim.conversations, lo, hi)
            if writers is None:
                continue
            builder = _Builder(sim, shared)
            for table, seconds in _chunks(builder, rows_per_chunk, threads, True):
                writers.write(table, seconds)
                events += table.num_rows
                if progress is not None:
                    progress(table.num_rows)
            del builder, sim
    except BaseException:
        if writers is not None:
            writers.abort()
        raise
    paths = writers.close() if writers is not None else ()
    return StreamResult(
        config=config,
        outcomes=outcomes(config, org_figures, counts),
        events=events,
        blocks=n_blocks,
        skipped_kinds=skipped,
        paths=paths,
    )
