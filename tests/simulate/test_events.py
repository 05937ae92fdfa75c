"""The simulated event log: the library's format, replayable, and byte-for-byte reproducible."""

from __future__ import annotations

import collections
import hashlib
import json
from datetime import date, timedelta

import numpy as np
import pytest

from magcore.domain.conversation import State, replay
from magcore.events import canonical_json
from magcore.simulate import SimulationConfig, count_events, read_events, run, write_events
from magcore.simulate.org import day_number

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
    """Simulated conversations replay through magcore.domain.conversation.replay."""
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
    """Joins, leaves, moves and manager changes are on org:<id>, in the service's shapes."""
    _, paths = small
    shapes = {
        "person.joined": {"person", "record", "roles", "on"},
        "person.left": {"person", "on"},
        "person.moved": {"person", "team", "from_team", "roles", "on"},
        "manager.changed": {"team", "previous", "manager", "managers", "on"},
    }
    kinds = collections.Counter()
    for event in read_events(paths["csv"]):
        if event.stream.startswith("conversation:"):
            continue
        assert event.stream == "org:sim"
        assert event.actor == "system"
        assert set(event.data) == shapes[event.type]
        assert date.fromisoformat(event.data["on"]) == event.at.date()
        if event.type == "manager.changed":
            assert event.data["manager"] != event.data["previous"]
            assert event.data["manager"].startswith("m")
        kinds[event.type] += 1
    assert set(kinds) == set(shapes)


def test_org_stream_uses_the_configured_organisation(tmp_path):
    """The organisation id in the configuration names the org stream."""
    sim = run(SimulationConfig(employees=200, years=1, seed=1, organisation="gem-0363"))
    paths = write_events(sim, tmp_path, formats=("csv",))
    streams = {e.stream for e in read_events(paths["csv"]) if not e.stream.startswith("conv")}
    assert streams == {"org:gem-0363"}


def test_org_changes_replay_through_the_library(tmp_path):
    """Applying the simulated moves and manager changes as the service does gives the same
    manager for every person and day as the simulator used."""
    from magcore.model.organisation import Assignment, Organisation, Person, Role, Team

    cfg = SimulationConfig(
        employees=300,
        years=2,
        seed=4,
        inflow_rate=0.0,
        outflow_rate=0.0,
        internal_move_rate=0.2,
        manager_change_rate=0.5,
    )
    sim = run(cfg)
    org_h = sim.org
    start = cfg.start
    epoch = date(1970, 1, 1)
    people = {f"p{i:07d}": Person(id=f"p{i:07d}") for i in range(org_h.n_people)}
    people |= {f"m{i:06d}": Person(id=f"m{i:06d}") for i in range(org_h.n_managers)}
    teams = {
        f"t{i:05d}": Team(id=f"t{i:05d}", self_steering=bool(org_h.self_steering[i]))
        for i in range(org_h.n_teams)
    }
    first_day = np.full(org_h.n_people, day_number(start))
    first_team = org_h.team_of(np.arange(org_h.n_people), first_day)
    assignments = [
        Assignment(person=f"p{i:07d}", team=f"t{t:05d}", role=Role.MEMBER, start=epoch)
        for i, t in enumerate(first_team.tolist())
    ]
    managers = org_h.manager_of_team(np.arange(org_h.n_teams), np.full(org_h.n_teams, 0))
    assignments += [
        Assignment(person=f"m{m:06d}", team=f"t{t:05d}", role=Role.MANAGER, start=epoch)
        for t, m in enumerate(managers.tolist())
        if m >= 0
    ]
    org = Organisation(id="sim", people=people, teams=teams, assignments=assignments)
    paths = write_events(sim, tmp_path, formats=("parquet",))
    changes = 0
    for event in read_events(paths["parquet"]):
        on = event.data.get("on")
        if event.type == "manager.changed":
            org = org.change_manager(
                event.data["team"], event.data["manager"], date.fromisoformat(on)
            )
            changes += 1
        elif event.type == "person.moved":
            org = org.move_person(event.data["person"], event.data["team"], date.fromisoformat(on))
            changes += 1
    assert changes > 50
    rng = np.random.default_rng(0)
    person = rng.integers(0, org_h.n_people, 400)
    day = day_number(start) + rng.integers(0, day_number(cfg.end) - day_number(start), 400)
    expected = org_h.manager_of_team(org_h.team_of(person, day), day)
    for p, d, m in zip(person.tolist(), day.tolist(), expected.tolist(), strict=True):
        on = epoch + timedelta(days=d)
        assert org.manager_of(f"p{p:07d}", on) == (f"m{m:06d}" if m >= 0 else None)


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


def test_compression_changes_bytes_not_events(small, tmp_path):
    """Another Parquet codec gives the same events."""
    sim, paths = small
    other = write_events(sim, tmp_path, formats=("parquet",), compression="none")
    assert other["parquet"].stat().st_size > paths["parquet"].stat().st_size
    assert list(read_events(other["parquet"])) == list(read_events(paths["parquet"]))


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


ONBOARDING = {
    "id": "onboarding-test",
    "version": 1,
    "name": "Onboarding",
    "kinds": [
        {
            "id": "yearly",
            "name": "Yearly",
            "pattern": "employee_manager",
            "cadence": {"kind": "per_year", "per_year": 1},
            "initiators": ["employee", "manager"],
            "preparers": ["employee", "manager"],
            "recorders": ["employee"],
        },
        {
            "id": "onboarding",
            "name": "Onboarding",
            "pattern": "employee_manager",
            "cadence": {
                "kind": "after_hire",
                "first_after_months": 1,
                "every_months": 2,
                "times": 2,
            },
            "initiators": ["manager"],
            "preparers": ["employee"],
        },
    ],
}


def test_recorders_and_finite_series_follow_the_cycle(tmp_path):
    """Records are drafted only by the kind's recorders (listed in the request, as the library
    writes it), and an after-hire series with ``times`` stops after that many conversations."""
    sim = run(
        SimulationConfig(employees=600, years=2, seed=6, pilot_fraction=1.0, cycle=ONBOARDING)
    )
    paths = write_events(sim, tmp_path, formats=("csv",))
    requests, drafts = {}, []
    per_person = collections.Counter()
    for event in read_events(paths["csv"]):
        if event.type == "conversation.requested":
            requests[event.stream] = event.data
            if event.data["kind"] == "onboarding":
                per_person[event.data["participants"][0]["person"]] += 1
        elif event.type == "record.drafted":
            drafts.append(event)
    yearly = [d for d in requests.values() if d["kind"] == "yearly"]
    assert yearly
    assert all(list(d["recorders"]) == [d["participants"][0]["person"]] for d in yearly)
    onboarding = [d for d in requests.values() if d["kind"] == "onboarding"]
    assert onboarding
    assert all(len(d["recorders"]) == 2 for d in onboarding)  # default: every participant
    assert drafts
    assert all(d.actor in requests[d.stream]["recorders"] for d in drafts)
    assert max(per_person.values()) == 2
    for events in _streams(paths["csv"]).values():
        assert replay(events).version == len(events)


def _streams(path):
    streams = collections.defaultdict(list)
    for event in read_events(path):
        if event.stream.startswith("conversation:"):
            streams[event.stream].append(event)
    return streams
