"""Membership rules as data: who may hold a party's role, checked when a talk is requested."""

from __future__ import annotations

from datetime import date

import pytest

from magcore import Assignment, CycleDefinition, Organisation, Person, Team, TransitionError
from magcore.domain.participants import candidates, check_membership, participants
from magcore.model.records import Participant
from tests.model.test_parties import CAREER

DAY = date(2025, 6, 1)


def _org() -> Organisation:
    start = date(2024, 1, 1)
    people = ["boss", "m1", "m2", "e1", "e2", "e3", "c1", "solo"]
    return Organisation.build(
        id="fy",
        people=[Person(id=p, hired_on=date(2020, 1, 1)) for p in people],
        teams=[Team(id="t1"), Team(id="t2"), Team(id="s1", self_steering=True)],
        assignments=[
            Assignment(person="m1", team="t1", role="manager", start=start),
            Assignment(person="m2", team="t2", role="manager", start=start),
            Assignment(person="e1", team="t1", role="member", start=start),
            Assignment(person="e2", team="t1", role="member", start=start),
            Assignment(person="e3", team="t2", role="member", start=start),
            Assignment(person="c1", team="t2", role="coach", start=start),
            Assignment(person="solo", team="s1", role="member", start=start),
        ],
    )


ORG = _org()
CYCLE = CycleDefinition.from_json(CAREER)
KIND = CYCLE.kind("career")


def test_an_optional_manager_takes_part_when_there_is_one_and_is_left_out_when_not():
    people = participants(ORG, KIND, "e1", on=DAY, chosen={"career_coach": ["c1"]})
    assert [(p.person, str(p.role)) for p in people] == [
        ("e1", "employee"),
        ("c1", "career_coach"),
        ("m1", "manager"),
    ]
    alone = participants(ORG, KIND, "solo", on=DAY, chosen={"career_coach": ["c1"]})
    assert [p.person for p in alone] == ["solo", "c1"]
    # The employee may leave the manager out by choosing nobody.
    without = participants(ORG, KIND, "e1", on=DAY, chosen={"career_coach": ["c1"], "manager": []})
    assert [p.person for p in without] == ["e1", "c1"]


def test_a_required_party_nobody_holds_is_refused_naming_the_party():
    with pytest.raises(TransitionError, match="party 'career_coach' of a career conversation"):
        participants(ORG, KIND, "e1", on=DAY)


@pytest.mark.parametrize(
    ("people", "words"),
    [
        # The coach must come from the coach pool: e2 is a team mate, not a coach.
        ([("e1", "employee"), ("e2", "career_coach")], "career_coach.*coach role"),
        # The manager must be the employee's own manager, not another team's.
        (
            [("e1", "employee"), ("c1", "career_coach"), ("m2", "manager")],
            "'manager'.*own|'manager'.*employee's manager",
        ),
        # Nobody holds a role the kind lacks.
        ([("e1", "employee"), ("c1", "career_coach"), ("e2", "peer")], "no party 'peer'"),
        # Twice the same person.
        ([("e1", "employee"), ("e1", "career_coach")], "career_coach"),
    ],
)
def test_a_list_made_by_the_caller_is_checked_party_by_party(people, words):
    given = [Participant(person, role) for person, role in people]
    with pytest.raises(TransitionError, match=words):
        check_membership(ORG, KIND, given, on=DAY)


def test_a_peer_from_another_team_is_refused():
    """Krimpen's finding: a manager of another team was accepted as a 'peer'."""
    peer_kind = CycleDefinition.from_file("docs/examples/cycles/peer-team.json").kinds[0]
    assert candidates(ORG, peer_kind.party("peer"), on=DAY, employee="e1") == ("e2",)
    check_membership(
        ORG, peer_kind, [Participant("e1", "employee"), Participant("e2", "peer")], on=DAY
    )
    with pytest.raises(TransitionError, match=r"party 'peer'.*member of the employee's team"):
        check_membership(
            ORG, peer_kind, [Participant("e1", "employee"), Participant("m2", "peer")], on=DAY
        )


def test_an_organisation_party_is_anyone_employed_but_the_employee():
    data = {
        **CAREER,
        "roles": [
            {
                "id": "alderman",
                "name": {"nl": "wethouder", "en": "alderman"},
                "description": {"nl": "Praat mee.", "en": "Joins the talk."},
            }
        ],
        "kinds": [
            {
                **CAREER["kinds"][0],
                "parties": [{"role": "employee"}, {"role": "alderman"}],
                "initiators": ["employee"],
            }
        ],
    }
    kind = CycleDefinition.from_json(data).kinds[0]
    pool = candidates(ORG, kind.party("alderman"), on=DAY, employee="e1")
    assert "e1" not in pool
    assert set(pool) == set(ORG.people) - {"e1"}
    people = participants(ORG, kind, "e1", on=DAY, chosen={"alderman": ["boss"]})
    assert [str(p.role) for p in people] == ["employee", "alderman"]
