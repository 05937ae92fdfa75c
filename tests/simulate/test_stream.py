"""The streamed run: blocks of people, a year-partitioned Parquet log, additive outcome counts."""

from __future__ import annotations

import collections
import hashlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from magcore.domain.conversation import State, replay
from magcore.simulate import SimulationConfig, read_events, run, summarise, write_events
from magcore.simulate.outcomes import BlockCounts, org_counts, outcomes
from magcore.simulate.stream import blocks, simulate_to

pq = pytest.importorskip("pyarrow.parquet")

CONFIG = SimulationConfig(employees=600, years=3, seed=11, block_person_years=600)


def _digests(root):
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*.parquet"))
    }


@pytest.fixture(scope="module")
def streamed(tmp_path_factory):
    out = tmp_path_factory.mktemp("stream")
    return simulate_to(CONFIG, out), out


def test_one_file_per_year_hive_partitioned(streamed):
    """events/year=YYYY/part-0.parquet for every simulated year, and nothing else left."""
    result, out = streamed
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert names == [f"events/year={y}/part-0.parquet" for y in (2022, 2023, 2024, 2025)]
    assert result.blocks > 2  # 600 person-years a block: several blocks
    rows = sum(pq.ParquetFile(p).metadata.num_rows for p in result.paths)
    assert rows == result.events
    meta = pq.ParquetFile(result.paths[0]).metadata
    assert meta.row_group(0).column(0).compression == "ZSTD"


def test_row_groups_sorted_and_streams_in_order(streamed):
    """Each row group is sorted by (at, stream, version); every stream counts 1, 2, 3, ..."""
    result, _ = streamed
    versions: dict[str, list[int]] = collections.defaultdict(list)
    for path in result.paths:
        file = pq.ParquetFile(path)
        for g in range(file.num_row_groups):
            table = file.read_row_group(g, columns=["stream", "version", "at"])
            keys = list(
                zip(
                    table["at"].to_pylist(),
                    table["stream"].to_pylist(),
                    table["version"].to_pylist(),
                    strict=True,
                )
            )
            assert keys == sorted(keys)
            for _, stream, version in keys:
                versions[stream].append(version)
    for stream, seen in versions.items():
        assert seen == list(range(1, len(seen) + 1)), stream
    conversation_ids = [s for s in versions if s.startswith("conversation:")]
    assert len(conversation_ids) == len(set(conversation_ids)) > 100


def test_conversations_replay_and_org_events_match_run(streamed, tmp_path):
    """Streamed conversations replay; every stream, the organisation's too, is run()'s."""
    result, _ = streamed
    streams = collections.defaultdict(list)
    for path in result.paths:
        for event in read_events(path):
            streams[event.stream].append(event)
    states = collections.Counter()
    for name in sorted(s for s in streams if s.startswith("conversation:"))[::5]:
        conversation = replay(streams[name])
        assert conversation.version == len(streams[name])
        states[conversation.state] += 1
    assert states[State.AGREED] > 0
    whole = write_events(run(CONFIG), tmp_path, formats=("parquet",))
    org = [e for e in read_events(whole["parquet"]) if e.stream == "org:sim"]
    assert org
    assert streams["org:sim"] == org
    # run() simulates the same blocks with the same seeds: every stream is the same.
    in_memory = collections.defaultdict(list)
    for event in read_events(whole["parquet"]):
        in_memory[event.stream].append(event)
    assert in_memory == streams


def test_blocks_cover_everyone_once():
    """The person ranges are contiguous, disjoint and cover every person."""
    for people, years, size in ((1, 1, 1), (1000, 3, 600), (1000, 10, 5000), (7, 2, 10**6)):
        ranges = blocks(SimulationConfig(years=years, block_person_years=size), people)
        covered = np.concatenate([np.arange(lo, hi) for lo, hi in ranges])
        assert covered.tolist() == list(range(people))


def test_block_counts_agree_with_the_summary():
    """The additive counts give the summary's coverage, per year and month by month."""
    config = SimulationConfig(employees=700, years=2, seed=3)
    sim = run(config)
    counts = BlockCounts(config)
    half = sim.org.n_people // 2
    for lo, hi in ((0, half), (half, sim.org.n_people)):  # two blocks, added up
        mask = (sim.conversations.person >= lo) & (sim.conversations.person < hi)
        counts.add(sim.org, _subset(sim.conversations, mask), lo, hi)
    result = outcomes(config, org_counts(config, sim.org), counts)
    summary = summarise(sim)
    expected = {r["period"]: r["rate"] for r in summary["coverage"] if r["group"] == "all"}
    assert {r["year"]: r["coverage"] for r in result["years"]} == expected
    assert [r["coverage_12m"] for r in result["monthly"]] == [
        r["rate"] for r in summary["coverage_monthly"]
    ]


def test_conversation_counts_per_employee_and_per_manager():
    """The figures a question about manager span needs: held conversations per employee and per
    manager, in the year they were held, with intervals like every outcome. Everyone has one
    yearly conversation with their manager and nobody comes or goes: one per employee, and the
    team size per manager. Conversations moved past the end are in no year (they were counted
    in the last one, and absences on dates after the end with them)."""
    perfect = {
        "absence_rate": 0.0,
        "not_held_rate": 0.0,
        "reschedule_rate": 0.0,
        "self_steering_share": 0.0,
        "pilot_fraction": 1.0,
        "inflow_rate": 0.0,
        "outflow_rate": 0.0,
        "internal_move_rate": 0.0,
        "manager_change_rate": 0.0,
        "cycle": "mag",
    }
    config = SimulationConfig.from_mapping({**perfect, "employees": 1_600, "years": 2, "seed": 4})
    sim = run(config)
    counts = BlockCounts(config)
    counts.add(sim.org, sim.conversations, 0, sim.org.n_people)
    years = outcomes(config, org_counts(config, sim.org), counts)["years"]
    for row in years:
        assert row["held_per_employee"] == 1.0
        assert row["conversations_per_manager"] == row["span_of_control"]
    moved = config.with_(reschedule_rate=0.5)
    sim = run(moved)
    counts = BlockCounts(moved)
    counts.add(sim.org, sim.conversations, 0, sim.org.n_people)
    past = int((sim.conversations.held_day >= sim.org.end_day).sum())
    assert past > 0
    assert int(counts.years["held"].sum()) == int(sim.conversations.held.sum()) - past


def _subset(conversations, mask):
    import attrs

    return attrs.evolve(
        conversations,
        **{f.name: getattr(conversations, f.name)[mask] for f in attrs.fields(type(conversations))},
    )


def test_failed_run_leaves_no_log(tmp_path, monkeypatch):
    """An error half-way removes the partial folder: no events folder, no .partial."""
    from magcore.simulate import stream

    calls = {"n": 0}
    original = stream._YearWriters.write

    def failing(self, table, seconds):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        original(self, table, seconds)

    monkeypatch.setattr(stream._YearWriters, "write", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        simulate_to(CONFIG, tmp_path)
    assert list(tmp_path.iterdir()) == []


@settings(max_examples=4)
@given(seed=st.integers(0, 2**63 - 1), years=st.integers(1, 2))
def test_same_master_seed_same_bytes(tmp_path_factory, seed, years):
    """Property: the same configuration writes byte-identical Parquet, run after run."""
    config = SimulationConfig(employees=150, years=years, seed=seed, block_person_years=200)
    first, second = tmp_path_factory.mktemp("a"), tmp_path_factory.mktemp("b")
    simulate_to(config, first, threads=2)
    simulate_to(config, second, threads=1)
    assert _digests(first) == _digests(second) != {}
