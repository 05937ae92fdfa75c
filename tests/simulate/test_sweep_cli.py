"""Sweeps (local processes and a Dask local cluster) and the simulate command."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from magcore.errors import RecordInvalidError
from magcore.simulate import SimulationConfig, sweep
from magcore.simulate.cli import command
from magcore.simulate.sweep import grid_configs, run_summary

BASE = SimulationConfig(employees=300, years=1, seed=4)
#: With a roll-out date, so that a pilot (pilot_fraction below 1) may be asked for.
PILOTED = BASE.with_(years=2, rollout_date="2023-10-01")


def test_grid_is_every_combination_in_order():
    """A grid of 2 x 2 values gives four validated configurations in a fixed order."""
    points = grid_configs(PILOTED, {"pilot_fraction": [0.2, 1.0], "seed": [1, 2]})
    assert [p for p, _ in points] == [
        {"pilot_fraction": 0.2, "seed": 1},
        {"pilot_fraction": 0.2, "seed": 2},
        {"pilot_fraction": 1.0, "seed": 1},
        {"pilot_fraction": 1.0, "seed": 2},
    ]
    assert points[3][1].pilot_fraction == 1.0


@pytest.mark.parametrize(
    ("grid", "pointer"),
    [
        ({"outflow_rate": 0.1}, "/outflow_rate"),  # one value: a TypeError from itertools
        ({"cycle": "mag"}, "/cycle"),  # text: the cycles 'm', 'a', 'g' were tried
        ({"seed": []}, "/seed"),  # nothing: the sweep ran nothing and said nothing
    ],
)
def test_a_grid_entry_that_is_no_list_is_named(grid, pointer):
    """Each grid entry must be a non-empty list of values; the parameter is named."""
    with pytest.raises(RecordInvalidError, match=pointer):
        sweep(BASE, grid, workers=1)


def test_a_grid_of_numpy_values_is_taken():
    """np.arange and np.linspace work as lists (an int64 seed was refused as no whole number)."""
    points = grid_configs(PILOTED, {"seed": np.arange(2), "pilot_fraction": np.linspace(0, 1, 2)})
    assert [p for p, _ in points][-1] == {"seed": 1, "pilot_fraction": 1.0}
    assert type(points[-1][1].seed) is int


def test_local_sweep_matches_serial_runs():
    """The process-pool sweep returns exactly what running each point alone returns."""
    results = sweep(BASE, {"not_held_rate": [0.0, 0.5]}, workers=2)
    for result in results:
        alone = run_summary(BASE.with_(**result.parameters))
        assert json.dumps(result.summary) == json.dumps(alone)
    rates = [r.summary["totals"]["not_held"] for r in results]
    assert rates[0] < rates[1]


def test_dask_local_cluster_gives_the_same_results():
    """The same sweep on a Dask LocalCluster (threads) gives identical summaries."""
    distributed = pytest.importorskip("distributed")
    grid = {"seed": [1, 2]}
    with (
        distributed.LocalCluster(n_workers=2, processes=False, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_dask = sweep(BASE, grid, executor=client.get_executor())
    local = sweep(BASE, grid, workers=1)
    assert [json.dumps(r.summary) for r in on_dask] == [json.dumps(r.summary) for r in local]


def test_cli_writes_log_metrics_and_plots(tmp_path):
    """magcore simulate CONFIG --out DIR writes the event log, the metrics and the plots."""
    pytest.importorskip("pyarrow")
    pytest.importorskip("matplotlib")
    config = tmp_path / "sim.toml"
    config.write_text("employees = 200\nyears = 1\nseed = 1\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(command, [str(config), "--out", str(out)])
    assert result.exit_code == 0, result.output
    names = {p.name for p in out.iterdir()}
    assert {
        "events.parquet",
        "events.csv",
        "metrics.json",
        "coverage.csv",
        "coverage.png",
        "manager_load.png",
    } <= names
    assert (out / "coverage.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # What the command says it wrote is every file it wrote (the plot's key took the CSV's).
    listed = {
        Path(path).name for path in json.loads(result.output[result.output.index("{") :]).values()
    }
    assert listed == names


def test_cli_reports_bad_config(tmp_path):
    """A bad configuration ends with an error naming the field, and writes nothing."""
    config = tmp_path / "sim.json"
    config.write_text(json.dumps({"employees": -5}))
    out = tmp_path / "out"
    result = CliRunner().invoke(command, [str(config), "--out", str(out)])
    assert result.exit_code != 0
    assert "/employees" in result.output
    assert not out.exists()


def test_sweep_streams_every_log_into_one_dataset(tmp_path):
    """With out=, every run's log is a run=<k> partition of one dataset, named in runs.json."""
    pq = pytest.importorskip("pyarrow.parquet")
    results = sweep(
        PILOTED.with_(employees=150), {"pilot_fraction": [0.0, 1.0]}, workers=1, out=tmp_path
    )
    runs = json.loads((tmp_path / "runs.json").read_text())
    assert runs == [
        {"run": 0, "parameters": {"pilot_fraction": 0.0}},
        {"run": 1, "parameters": {"pilot_fraction": 1.0}},
    ]
    for k in (0, 1):
        files = sorted((tmp_path / "events" / f"run={k}").glob("year=*/part-0.parquet"))
        assert files
        assert all(pq.ParquetFile(f).metadata.num_rows > 0 for f in files)
    coverage = [r.summary["years"][0]["coverage"] for r in results]
    assert coverage[0] < coverage[1]  # before the roll-out, only run 1 has pilot teams
