"""The simulator knows parties: kinds given by their parties, an optional manager, registered
roles, and kinds started by joining or leaving, in the library's own event format."""

from __future__ import annotations

import collections

import numpy as np
import pytest

from magcore.domain.conversation import State, replay
from magcore.simulate import SimulationConfig, read_events, run, write_events
from magcore.simulate.engine import pattern_code
from tests.frisian.plugin import plugin

pytest.importorskip("pyarrow")

CYCLE = plugin.definition()


def test_the_shapes_of_kinds_given_by_their_parties():
    codes = {k.id: pattern_code(k) for k in CYCLE.kinds}
    assert codes == {"check-in": 0, "career": 2, "exit": 2}


def test_a_simulated_year_of_the_test_municipality(tmp_path):
    config = SimulationConfig(
        employees=1_500, years=2, seed=15, pilot_fraction=1.0, self_steering_share=0.2
    )
    sim = run(config, cycle=CYCLE)
    assert sim.skipped_kinds == ()
    c, org = sim.conversations, sim.org
    kinds = [k.id for k in CYCLE.kinds]
    exit_rows = np.flatnonzero(c.kind == kinds.index("exit"))
    # One exit conversation per person leaving in the period (due on the leaving day).
    people = c.person[exit_rows]
    assert len(set(people.tolist())) == len(people)
    assert (c.due_day[exit_rows] == org.left[people]).all()
    career = np.flatnonzero(c.kind == kinds.index("career"))
    # Without a manager the career conversation is held with the career coach alone (code 3).
    assert (c.pattern[career] == 3).any()
    assert (c.pattern[career] == 2).any()
    paths = write_events(sim, tmp_path, formats=("csv",))
    streams = collections.defaultdict(list)
    for event in read_events(paths["csv"]):
        if event.stream.startswith("conversation:"):
            streams[event.stream].append(event)
    roles_seen = collections.Counter()
    for events in streams.values():
        conv = replay(events)
        assert conv.version == len(events)
        roles = tuple(sorted(str(p.role) for p in conv.participants))
        roles_seen[(conv.kind, roles)] += 1
        if conv.state is State.AGREED:
            assert conv.confirmed_by >= conv.confirming
    assert roles_seen[("career", ("career_coach", "employee"))] > 0
    assert roles_seen[("career", ("career_coach", "employee", "manager"))] > 0
    assert roles_seen[("exit", ("employee", "exit_interviewer", "manager"))] > 0
