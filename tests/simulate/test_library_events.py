"""The simulated organisation changes and measurement rounds are what a real store holds.

The same small scenario is played twice: simulated, and as single changes and measurement
rounds recorded by a service on a SQLite store. The events of both have the same columns,
types and data (only ``at`` and ``actor`` differ: the simulator's clock is its own).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from magcore import open_service
from magcore.app import measurement
from magcore.clock import FixedClock
from magcore.domain.measurement import GroupTooSmallError
from magcore.domain.orgchanges import ChangeManager, Join, Leave, Move
from magcore.events import canonical_json
from magcore.model.organisation import Assignment, Organisation, Person, Role, Team
from magcore.simulate import SimulationConfig, read_events, run, write_events
from magcore.simulate.events import COLUMNS
from magcore.simulate.measurement import QUESTIONNAIRE, measurement_rounds, minimum_group

pytest.importorskip("pyarrow")

EPOCH = date(1970, 1, 1)
NOW = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
CONFIG = SimulationConfig(
    employees=90,
    span_of_control=8,
    years=1,
    seed=11,
    internal_move_rate=0.2,
    manager_change_rate=0.4,
    measurement_rounds_per_year=2,
)


def _day(number: int) -> date:
    return EPOCH + timedelta(days=int(number))


def _starting_organisation(sim) -> Organisation:
    """The organisation on the first day: its people, every team, the first managers."""
    h = sim.org
    n0 = CONFIG.employees
    people = {f"p{i:07d}": Person(id=f"p{i:07d}", hired_on=_day(h.hired[i])) for i in range(n0)}
    people |= {f"m{i:06d}": Person(id=f"m{i:06d}") for i in range(h.n_managers)}
    teams = {
        f"t{i:05d}": Team(id=f"t{i:05d}", self_steering=bool(h.self_steering[i]))
        for i in range(h.n_teams)
    }
    person, start = h.asg_key >> 32, h.asg_key & 0xFFFFFFFF
    first = np.r_[True, person[1:] != person[:-1]] & (person < n0)
    assignments = [
        Assignment(person=f"p{p:07d}", team=f"t{t:05d}", role=Role.MEMBER, start=_day(s))
        for p, t, s in zip(person[first], h.asg_team[first], start[first], strict=True)
    ]
    team, start = h.tm_key >> 32, h.tm_key & 0xFFFFFFFF
    first = np.r_[True, team[1:] != team[:-1]] & (h.tm_manager >= 0)
    assignments += [
        Assignment(person=f"m{m:06d}", team=f"t{t:05d}", role=Role.MANAGER, start=_day(s))
        for t, m, s in zip(team[first], h.tm_manager[first], start[first], strict=True)
    ]
    return Organisation(id=CONFIG.organisation, people=people, teams=teams, assignments=assignments)


def _change(event):
    data, on = event.data, date.fromisoformat(event.data["on"])
    if event.type == "person.joined":
        return Join(person=data["person"], team=data["roles"][0]["team"], on=on)
    if event.type == "person.left":
        return Leave(person=data["person"], on=on)
    if event.type == "person.moved":
        return Move(person=data["person"], team=data["team"], on=on)
    return ChangeManager(team=data["team"], manager=data["manager"], on=on)


@pytest.fixture(scope="module")
def played(tmp_path_factory):
    """(simulated events, the store's events for the same changes, the service)."""
    tmp = tmp_path_factory.mktemp("played")
    sim = run(CONFIG)
    simulated = list(read_events(write_events(sim, tmp, formats=("parquet",))["parquet"]))
    service = open_service(f"sqlite:///{tmp / 'real.db'}", clock=FixedClock(NOW), dispatch="off")
    service.import_organisation(_starting_organisation(sim), actor="hr")
    changes = sorted((e for e in simulated if e.stream == "org:sim"), key=lambda e: e.version)
    real = [
        written
        for event in changes
        for written in service.record_change("sim", _change(event), actor="hr")
    ]
    yield sim, simulated, changes, real, service
    service.close()


def test_org_changes_are_the_events_a_store_writes(played):
    """Every simulated change is, column for column, the event the service writes for it."""
    _, _, changes, real, _ = played
    assert {e.type for e in changes} == {
        "person.joined",
        "person.left",
        "person.moved",
        "manager.changed",
    }
    assert len(real) == len(changes)
    for mine, theirs in zip(changes, real, strict=True):
        assert list(mine.to_json()) == list(theirs.to_json()) == list(COLUMNS)
        assert mine.type == theirs.type
        assert canonical_json(mine.data) == canonical_json(theirs.data), mine.type


def test_measurement_rounds_are_the_events_a_store_writes(played):
    """A simulated round's opening and closing equal what the library writes for that round."""
    _, simulated, _, _, service = played
    streams: dict[str, list] = {}
    for event in simulated:
        if event.stream.startswith("measurement:"):
            streams.setdefault(event.stream, []).append(event)
    baseline = next(
        events for events in streams.values() if events[0].data["opened_on"] == "2022-01-01"
    )
    opened, closed = baseline
    data = opened.data
    on = date.fromisoformat(data["opened_on"])
    org = service.organisation("sim")
    assert data["eligible"] == len(org.members(data["unit"], on))
    real = measurement.open_round(
        service,
        series=data["series"],
        unit=data["unit"],
        phase=data["phase"],
        questionnaire=QUESTIONNAIRE,
        actor="hr",
        round_id=data["round"],
        organisation="sim",
        on=on,
    )
    for handout in real.handouts[: closed.data["respondents"]]:
        measurement.answer(service, data["round"], handout.token, {"help": "often"})
    measurement.close_round(service, data["round"], actor="hr")
    stored = service.store.read(f"measurement:{data['round']}")
    assert [(e.stream, e.version, e.type) for e in stored] == [
        (e.stream, e.version, e.type) for e in baseline
    ]
    # the library's closing seals the counts it closed on; the simulation has no answers to
    # count, so its closing holds everything but that digest
    assert len(stored[1].data["counts_digest"]) == 64
    assert "counts_digest" not in closed.data
    for mine, theirs in zip(baseline, stored, strict=True):
        assert list(mine.to_json()) == list(theirs.to_json())
        kept = {k: v for k, v in theirs.data.items() if k != "counts_digest"}
        assert canonical_json(mine.data) == canonical_json(kept)


def test_no_team_below_the_minimum_group_reports(played):
    """Only teams of at least k people (the employed ones, by the library's organisation) open a
    round, and a round fewer than k answered shows no count."""
    sim, simulated, _, _, service = played
    k = minimum_group(CONFIG)
    org = service.organisation("sim")
    rounds = measurement_rounds(CONFIG, sim.org)
    opened = {
        (int(t), int(d)): int(n)
        for t, d, n in zip(*(rounds[c] for c in ("team", "opened", "eligible")), strict=True)
    }
    days = sorted({d for _, d in opened})
    small = 0
    for day in days:
        on = _day(day)
        for team in org.teams:
            employed = [
                p
                for p in org.members(team, on)
                if (left := org.person(p).left_on) is None or on < left
            ]
            key = (int(team[1:]), day)
            if len(employed) >= k:
                assert opened[key] == len(employed)
            else:
                assert key not in opened
                small += 1
    assert small > 0  # the scenario has teams too small to measure
    shown = suppressed = 0
    for event in simulated:
        if event.type == "measurement.opened":
            assert event.data["eligible"] >= k == event.data["k"]
        elif event.type == "measurement.closed":
            respondents = event.data["respondents"]
            assert event.data["suppressed"] is (respondents is None)
            assert respondents is None or respondents >= k
            shown += respondents is not None
            suppressed += respondents is None
    assert shown
    assert suppressed
    tiny = next(t for t in org.teams if len(org.members(t, _day(days[0]))) < k)
    with pytest.raises(GroupTooSmallError):
        measurement.open_round(
            service,
            series="tiny",
            unit=tiny,
            phase="baseline",
            questionnaire=QUESTIONNAIRE,
            actor="hr",
            on=_day(days[0]),
            organisation="sim",
        )
