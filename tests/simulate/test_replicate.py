"""Replications with spawned seeds and intervals; scenarios with paired effects; calibration."""

from __future__ import annotations

import hashlib
import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

from magcore.errors import RecordInvalidError
from magcore.simulate import SimulationConfig
from magcore.simulate.calibration import calibration_report, format_report, published
from magcore.simulate.cli import command
from magcore.simulate.outcomes import YEAR_METRICS
from magcore.simulate.replicate import interval, replicate, replication_seeds, t_quantile
from magcore.simulate.scenarios import (
    load_scenarios,
    plot_scenarios,
    run_scenarios,
    scenarios_from_mapping,
)

pytest.importorskip("pyarrow")

SMALL = SimulationConfig(employees=300, years=2, seed=9)
EXAMPLE = "docs/examples/simulate/scenarios.toml"


def _digests(root):
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*.parquet"))
    }


def test_seeds_are_spawned_from_the_master_seed():
    """The same master seed gives the same distinct seeds; each is SeedSequence's child."""
    seeds = replication_seeds(7, 5)
    assert seeds == replication_seeds(7, 5)
    assert len(set(seeds)) == 5
    assert replication_seeds(7, 3) == seeds[:3]
    assert replication_seeds(8, 5) != seeds
    child = np.random.SeedSequence(7).spawn(2)[1]
    assert seeds[1] == int(child.generate_state(1, np.uint64)[0]) >> 1


def test_interval_is_students_t():
    """Mean ± t(0.975, n-1)·sd/√n; one value has no spread; None values are left out."""
    values = [1.0, 2.0, 3.0, 4.0]
    result = interval([*values, None])
    half = 3.182 * np.std(values, ddof=1) / 2
    assert result["n"] == 4
    assert result["mean"] == 2.5
    assert math.isclose(result["low"], 2.5 - half, abs_tol=1e-6)
    assert math.isclose(result["high"], 2.5 + half, abs_tol=1e-6)
    assert interval([0.3]) == {"n": 1, "mean": 0.3, "sd": None, "low": 0.3, "high": 0.3}
    assert interval([None])["mean"] is None
    assert t_quantile(1) == 12.706
    assert abs(t_quantile(60) - 2.000) < 0.005
    with pytest.raises(ValueError, match="two replications"):
        t_quantile(0)


def test_replications_differ_and_pool_equals_serial():
    """Replications are different runs; a process pool gives exactly the serial figures."""
    serial = replicate(SMALL, 3, workers=1)
    pooled = replicate(SMALL, 3, workers=2)
    assert [json.dumps(r) for r in serial.runs] == [json.dumps(r) for r in pooled.runs]
    assert len({json.dumps(r) for r in serial.runs}) == 3
    coverage = serial.intervals()["coverage@2023"]
    assert coverage["n"] == 3
    assert coverage["low"] <= coverage["mean"] <= coverage["high"]


@pytest.mark.parametrize("n", [0, -1, 10_001])
def test_a_bad_number_of_replications_is_named(n):
    """replicate(config, 0) returned nothing and -1 raised an OverflowError from NumPy; both are
    now refused with the field named, before anything runs."""
    with pytest.raises(RecordInvalidError, match="/replications"):
        replicate(SimulationConfig(employees=50, years=1), n, workers=1)


def test_same_bytes_on_a_dask_cluster_with_one_and_two_workers(tmp_path):
    """Replications written from a local Dask cluster (1 and 2 workers) are the same bytes
    as written here, one after the other."""
    distributed = pytest.importorskip("distributed")
    config = SimulationConfig(employees=120, years=1, seed=3)
    replicate(config, 2, out=tmp_path / "here", workers=1)
    expected = _digests(tmp_path / "here")
    assert {k.split("/")[1] for k in expected} == {"replication=0", "replication=1"}
    for workers in (1, 2):
        with (
            distributed.LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=False, dashboard_address=None
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            replicate(config, 2, out=tmp_path / f"dask{workers}", executor=client.get_executor())
        assert _digests(tmp_path / f"dask{workers}") == expected


def test_scenario_file_and_paired_effects(tmp_path):
    """The example file loads; a big bang raises 2022 coverage (interval above 0); a variant
    that changes nothing has an effect of exactly 0 (common random numbers)."""
    scenarios = load_scenarios(EXAMPLE)
    assert set(scenarios.variants) == {"half-yearly", "big-bang", "manager-shock"}
    assert scenarios.variants["half-yearly"].cycle == "half-yearly.json"
    small = scenarios_from_mapping(
        {
            "seed": 1,
            "replications": 3,
            "baseline": {
                "employees": 300,
                "years": 2,
                "pilot_fraction": 0.2,
                "rollout_date": "2023-10-01",
            },
            "variants": {"big-bang": {"rollout_date": "2022-01-01"}, "same": {"years": 2}},
        }
    )
    comparison = run_scenarios(small, out=tmp_path, workers=1)
    effects = comparison.effects()
    big = effects["big-bang"]["coverage@2022"]
    assert big["low"] > 0
    assert big["excludes_zero"]
    assert big["relative"] > 1
    assert all(v["mean"] in (0, None) for v in effects["same"].values())
    data = comparison.to_json()
    assert set(data["scenarios"]) == {"baseline", "big-bang", "same"}
    assert {k.split("@")[0] for k in data["effects"]["big-bang"]} == set(YEAR_METRICS)
    assert (tmp_path / "events" / "scenario=same" / "replication=2" / "year=2023").is_dir()
    paths = plot_scenarios(comparison, tmp_path)
    for path in paths.values():
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "big-bang" in comparison.table()


def test_bad_scenario_names_each_field():
    """Every bad field is named, variants included; nothing runs."""
    with pytest.raises(RecordInvalidError) as error:
        scenarios_from_mapping(
            {
                "replications": 1,
                "baseline": {"employees": -1},
                "variants": {"x": {"pilot_fraction": 2}},
                "extra": 1,
            }
        )
    pointers = {p.pointer for p in error.value.problems}
    assert {"/replications", "/baseline/employees", "/extra"} <= pointers
    with pytest.raises(RecordInvalidError) as error:
        scenarios_from_mapping({"variants": {"x": {"pilot_fraction": 2}, "baseline": {}}})
    pointers = {p.pointer for p in error.value.problems}
    assert pointers == {"/variants/x/pilot_fraction", "/variants/baseline"}


def test_calibration_data_names_year_and_source():
    """Every published figure has a known outcome, a range, its year(s) and its source."""
    rows = published()
    assert {r["metric"] for r in rows} <= set(YEAR_METRICS)
    for row in rows:
        assert row["low"] <= row["high"]
        assert row["source"]
        assert row["published_years"]
        assert row["simulated_years"]


def test_calibration_report_inside_or_explained():
    """Amsterdam's roll-out (at a small size), whose figures the guide publishes, lands in every
    published range or is explained."""
    result = CliRunner().invoke(
        command,
        [
            "docs/examples/simulate/amsterdam.toml",
            "--calibration-report",
            "--employees",
            "3000",
            "--replications",
            "3",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["replications"] == 3
    statuses = {row["metric"]: row["status"] for row in report["outcomes"]}
    assert set(statuses) == {r["metric"] for r in published()}
    assert set(statuses.values()) <= {"inside", "explained"}, statuses
    for row in report["outcomes"]:
        assert row["interval_low"] <= row["mean"] <= row["interval_high"]
        assert (row["gap"] == 0) == (row["low"] <= row["mean"] <= row["high"])
        assert bool(row["explanation"]) == (row["status"] == "explained")


def test_an_unexplained_miss_is_reported_outside(monkeypatch):
    """A figure outside its range without an explanation is 'outside' (the report can fail)."""
    from magcore.simulate import calibration

    fake = [
        {
            "metric": "absence_rate",
            "low": 0.5,
            "high": 0.6,
            "published": "50-60%",
            "published_years": "2023",
            "simulated_years": [2022],
            "source": "none",
        }
    ]
    monkeypatch.setattr(calibration, "published", lambda: fake)
    [row] = calibration_report(SMALL, 2, workers=1)
    assert row.status == "outside"
    assert row.gap > 0.4
    assert "outside" in format_report([row])


def test_cli_scenarios_and_streamed_replications(tmp_path):
    """--scenarios FILE --json prints effects; a CONFIG with replications streams every log."""
    runner = CliRunner()
    result = runner.invoke(
        command, ["--scenarios", EXAMPLE, "--employees", "150", "--json", "--no-plots"]
    )
    assert result.exit_code == 0, result.output
    assert set(json.loads(result.output)["effects"]) == {"half-yearly", "big-bang", "manager-shock"}
    config = tmp_path / "sim.toml"
    config.write_text("employees = 150\nyears = 1\nseed = 2\nreplications = 2\n")
    result = runner.invoke(command, [str(config), "--out", str(tmp_path / "out"), "--json"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.output)["seeds"]) == 2
    assert (tmp_path / "out" / "events" / "replication=1" / "year=2022").is_dir()
    assert (tmp_path / "out" / "outcomes.json").is_file()
    bad = runner.invoke(command, ["--scenarios", str(config)])
    assert bad.exit_code != 0
    assert "/variants" in bad.output
