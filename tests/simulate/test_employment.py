"""Nothing happens for a person outside their employment, in any run (property tests)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from magcore.simulate import SimulationConfig, run
from magcore.simulate.course import DAY
from magcore.simulate.parquet import event_tables

pytest.importorskip("pyarrow")

#: Events of a conversation that a participant may no longer take part in: closing it as not
#: held because someone left (by the one who stays), and updating its agreements later (by the
#: employee, in their next conversation).
_AFTER_THE_CONVERSATION = {"conversation.not_held", "agreement.updated"}


def outside_employment(sim):
    """Every (event type, person, day, hired, left) where an event involves a person on a day
    they were not employed (``hired <= day < left``): as actor, as a participant of the
    conversation, or as the person of an organisation event other than their own leave."""
    org = sim.org
    found = []
    participants: dict[str, set[int]] = {}

    def check(kind, person, day, last_allowed):
        hired, left = int(org.hired[person]), int(org.left[person])
        if not hired <= day < left + last_allowed:
            found.append((kind, person, day, hired, left))

    for table in event_tables(sim, threads=1):
        cols = table.to_pydict()
        rows = zip(
            cols["stream"], cols["type"], cols["at"], cols["actor"], cols["data"], strict=True
        )
        for stream, kind, at, actor, data in rows:
            day = int(at.timestamp()) // DAY
            data = json.loads(data)
            if stream.startswith("org:"):
                if "person" in data:
                    check(kind, int(data["person"][1:]), day, kind == "person.left")
                continue
            if kind == "conversation.requested":
                participants[stream] = {
                    int(p["person"][1:]) for p in data["participants"] if p["person"][0] == "p"
                }
            if actor[0] == "p":
                check(kind, int(actor[1:]), day, False)
            if kind not in _AFTER_THE_CONVERSATION:
                for person in participants.get(stream, ()):
                    check(kind, person, day, False)
    return found


@given(
    seed=st.integers(0, 2**32),
    employees=st.integers(60, 400),
    years=st.integers(1, 3),
    outflow=st.floats(0, 1),
    inflow=st.floats(0, 1),
    self_steering=st.floats(0, 1),
)
def test_nobody_takes_part_outside_their_employment(
    seed, employees, years, outflow, inflow, self_steering
):
    """No record is confirmed after the employee left (5-9 of about 42,000 were), no peer
    conversation is held after the peer left (1 of 2,475 was) or asked for before the peer was
    hired: no event involves a person before their hiring day or after they left."""
    sim = run(
        SimulationConfig(
            employees=employees,
            years=years,
            seed=seed,
            outflow_rate=outflow,
            inflow_rate=inflow,
            self_steering_share=self_steering,
        )
    )
    assert outside_employment(sim) == []


def test_leavers_and_peers_are_simulated_at_all():
    """The property above is not vacuous: runs like it have records of people who leave a few
    days later, and peer conversations with peers who leave or were hired recently."""
    sim = run(SimulationConfig(employees=3_000, years=2, seed=3, outflow_rate=1.0))
    c, org = sim.conversations, sim.org
    soon = c.held & (org.left[c.person] - c.held_day <= 7)
    assert soon.sum() > 5
    peers = c.pattern == 1
    assert peers.sum() > 50
    assert np.isin(c.partner[peers], np.flatnonzero(org.left < 2**31 - 1)).any()
