"""Who takes part: one rule (magcore.domain.participants), and the simulator agrees with it."""

from __future__ import annotations

import json
from datetime import date

import attrs
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from magcore import CycleDefinition, NotFoundError, TransitionError
from magcore.domain.participants import coach_candidates, participants, peer_candidates
from magcore.model.cycle import ParticipantRole, Pattern
from magcore.simulate import SimulationConfig, run
from magcore.simulate.engine import PATTERN_CODES
from magcore.testing import generate_organisation

from ..conftest import EXAMPLE_CYCLES

DAY = date(2025, 3, 1)
ORG = generate_organisation(people=60, teams=5, seed=3, coaches=2, self_steering_share=0.2)


def kind_of(pattern: Pattern):
    cycle = CycleDefinition.from_json(
        json.loads((EXAMPLE_CYCLES / "employee-manager.json").read_text())
    )
    return attrs.evolve(cycle.kinds[0], pattern=pattern)


EMPLOYEES = sorted(p for p in ORG.people if ORG.team_of(p, DAY) is not None)


@given(st.sampled_from(EMPLOYEES))
def test_employee_manager_is_the_manager_on_the_day(employee):
    manager = ORG.manager_of(employee, DAY)
    if manager is None:
        with pytest.raises(TransitionError, match="has no manager"):
            participants(ORG, kind_of(Pattern.EMPLOYEE_MANAGER), employee, on=DAY)
        return
    people = participants(ORG, kind_of(Pattern.EMPLOYEE_MANAGER), employee, on=DAY)
    assert [(p.person, p.role) for p in people] == [
        (employee, ParticipantRole.EMPLOYEE),
        (manager, ParticipantRole.MANAGER),
    ]


@given(st.sampled_from(EMPLOYEES), st.sampled_from(sorted(ORG.people)))
def test_a_peer_is_exactly_a_team_mate_on_the_day(employee, other):
    mates = peer_candidates(ORG, employee, DAY)
    assert employee not in mates
    assert set(mates) <= set(ORG.members(ORG.team_of(employee, DAY), DAY))
    kind = kind_of(Pattern.PEER)
    if other in mates:
        people = participants(ORG, kind, employee, on=DAY, peer=other)
        assert [p.role for p in people] == [ParticipantRole.EMPLOYEE, ParticipantRole.PEER]
    else:
        with pytest.raises(TransitionError, match="peer must be a member"):
            participants(ORG, kind, employee, on=DAY, peer=other)


def test_three_party_needs_a_coach_and_a_manager():
    kind = kind_of(Pattern.THREE_PARTY)
    employee = next(
        e for e in EMPLOYEES if ORG.manager_of(e, DAY) and coach_candidates(ORG, e, DAY)
    )
    coach = coach_candidates(ORG, employee, DAY)[0]
    assert coach in ORG.coaches(DAY)
    assert coach not in (employee, ORG.manager_of(employee, DAY))
    roles = [p.role for p in participants(ORG, kind, employee, on=DAY, coach=coach)]
    assert roles == [ParticipantRole.EMPLOYEE, ParticipantRole.MANAGER, ParticipantRole.COACH]
    with pytest.raises(TransitionError, match="coach role"):
        participants(ORG, kind, employee, on=DAY, coach=employee)


def test_a_team_conversation_is_every_member_and_at_least_two():
    kind = kind_of(Pattern.TEAM)
    team = next(t for t in sorted(ORG.teams) if len(ORG.members(t, DAY)) >= 2)
    people = participants(ORG, kind, on=DAY, team=team)
    assert [p.person for p in people] == list(ORG.members(team, DAY))
    assert {p.role for p in people} == {ParticipantRole.TEAM_MEMBER}
    with pytest.raises(TransitionError, match="needs a team"):
        participants(ORG, kind, on=DAY)


def test_unknown_people_are_named():
    with pytest.raises(NotFoundError):
        participants(ORG, kind_of(Pattern.EMPLOYEE_MANAGER), "nobody", on=DAY)
    with pytest.raises(TransitionError, match="needs an employee"):
        participants(ORG, kind_of(Pattern.PEER), on=DAY)


def test_the_simulator_follows_the_same_rule():
    """The simulator picks partners in bulk; each pick is one the rule allows.

    Employee–manager and three-party: the partner is the manager of the employee's team on the
    due day. Peer: another member of the employee's team (the simulator takes the members in
    the middle of the due month). Three-party: the coach is one of the coach pool.
    """
    sim = run(SimulationConfig(employees=2_000, years=1, seed=5))
    check_simulation(sim)
    peers = CycleDefinition.from_json(json.loads((EXAMPLE_CYCLES / "peer-team.json").read_text()))
    check_simulation(run(SimulationConfig(employees=2_000, years=1, seed=5), cycle=peers))


def check_simulation(sim):
    conv, org = sim.conversations, sim.org
    team = org.team_of(conv.person, conv.due_day)
    assert (team == conv.team).all()
    managed = np.isin(
        conv.pattern, [PATTERN_CODES[Pattern.EMPLOYEE_MANAGER], PATTERN_CODES[Pattern.THREE_PARTY]]
    )
    manager = org.manager_of_team(conv.team[managed], conv.due_day[managed])
    assert (conv.partner[managed] == manager).all()
    assert (manager >= 0).all()
    peer = conv.pattern == PATTERN_CODES[Pattern.PEER]
    assert managed.any() or peer.any()
    if peer.any():
        mid_month = (conv.due_day[peer] // 30) * 30 + 15
        assert (conv.partner[peer] != conv.person[peer]).all()
        assert (org.team_of(conv.partner[peer], mid_month) == conv.team[peer]).all()
    three = conv.pattern == PATTERN_CODES[Pattern.THREE_PARTY]
    assert ((conv.coach[three] >= 0) & (conv.coach[three] < sim.coaches)).all()
    assert (conv.coach[~three] == -1).all()


def test_other_team_is_anyone_employed_outside_the_employees_team_and_not_their_manager():
    """``other_team``: everyone employed on the day except the employee, the members of their
    team and their manager (the refusal is tested in magcore-dinkelland's tests)."""
    from magcore.domain.participants import candidates
    from magcore.model.cycle import Membership, Party

    party = Party(role="facilitator", membership=Membership.OTHER_TEAM)
    for employee in EMPLOYEES:
        team = ORG.team_of(employee, DAY)
        allowed = set(candidates(ORG, party, on=DAY, employee=employee))
        own = set(ORG.members(team, DAY)) | {employee, ORG.manager_of(employee, DAY)}
        employed = {p for p in ORG.people if ORG.people[p].employed_on(DAY)}
        assert allowed == employed - own
