"""The simulated event log: the library's format, replayable, and byte-for-byte reproducible."""

from __future__ import annotations

import collections
import hashlib
import json

import pytest

from magcore.conversation import State, replay
from magcore.events import canonical_json
from magcore.simulate import SimulationConfig, count_events, read_events, run, write_events

pytest.importorskip("pyarrow")


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    sim = run(SimulationConfig(employees=800, years=3, seed=42))
    out = tmp_path_factory.mktemp("sim")
    return sim, write_events(sim, out)


def test_same_seed_same_bytes(small, tmp_path):
    """Two runs of the same configuration write identical Parquet and CSV files."""
    _, paths = small
    again = write_events(
        run(SimulationConfig(employees=800, years=3, seed=42)),
        tmp_path,
    )
    for fmt in ("parquet", "csv"):
        assert _digest(paths[fmt]) == _digest(again[fmt])


def test_another_seed_other_bytes(small, tmp_path):
    """A different seed gives a different log (the seed is really used)."""
    _, paths = small
    other = write_events(
        run(SimulationConfig(employees=800, years=3, seed=43)), tmp_path, formats=("csv",)
    )
    assert _digest(paths["csv"]) != _digest(other["csv"])


def test_rows_are_event_to_json(small):
    """Each row reads back as an Event whose data is canonical JSON, in stream order."""
    sim, paths = small
    events = list(read_events(paths["csv"]))
    assert len(events) == count_events(sim)
    versions = collections.defaultdict(int)
    last_at = None
    with paths["csv"].open(encoding="utf-8") as handle:
        import csv

        raw = list(csv.DictReader(handle))
    for event, row in zip(events, raw, strict=True):
        assert versions[event.stream] + 1 == event.version
        versions[event.stream] = event.version
        assert last_at is None or last_at <= event.at
        last_at = event.at
        assert row["data"] == canonical_json(event.data)
        assert row["at"] == event.to_json()["at"]


def test_parquet_and_csv_hold_the_same_events(small):
    """Both formats carry the same events."""
    _, paths = small
    assert list(read_events(paths["parquet"])) == list(read_events(paths["csv"]))


def test_sample_of_conversations_replays(small):
    """Simulated conversations replay through magcore.conversation.replay."""
    _, paths = small
    streams = collections.defaultdict(list)
    for event in read_events(paths["parquet"]):
        if event.stream.startswith("conversation:"):
            streams[event.stream].append(event)
    names = sorted(streams)[::7]
    states = collections.Counter()
    for name in names:
        conv = replay(streams[name])
        states[conv.state] += 1
        assert conv.version == len(streams[name])
        if conv.state is State.AGREED:
            assert conv.confirmed_by == set(conv.people)
            for agreement in conv.agreements:
                assert agreement.status.value in {"open", "done", "dropped"}
    assert states[State.AGREED] > 0
    assert states[State.NOT_HELD] > 0


def test_org_events_on_org_stream(small):
    """Joins, leaves and manager changes are on org:<id> with system as actor."""
    _, paths = small
    kinds = collections.Counter(e.type for e in read_events(paths["csv"]) if e.stream == "org:sim")
    assert kinds["person.joined"]
    assert kinds["person.left"]
    assert kinds["manager.changed"]


def test_carried_forward_agreements_point_back(small):
    """Carried-forward agreements name the conversation and agreement they continue."""
    _, paths = small
    found = 0
    for event in read_events(paths["csv"]):
        if event.type == "conversation.requested":
            for item in event.data["carried_forward"]:
                conv, _, agreement = item["carried_from"].partition("#")
                assert conv.startswith("c")
                assert agreement == item["id"]
                found += 1
    assert found > 0


def test_failed_write_leaves_nothing(tmp_path):
    """An unknown format is refused before anything is written."""
    sim = run(SimulationConfig(employees=50, years=1))
    with pytest.raises(ValueError, match="unknown"):
        write_events(sim, tmp_path, formats=("xlsx",))
    assert not any(tmp_path.iterdir())


def test_metrics_json_is_deterministic(tmp_path):
    """The summary is the same for the same configuration."""
    from magcore.simulate import summarise

    cfg = SimulationConfig(employees=300, years=2, seed=9)
    assert json.dumps(summarise(run(cfg))) == json.dumps(summarise(run(cfg)))
