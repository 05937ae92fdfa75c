"""The organisation: dated roles, managers over time, self-steering teams, bad input."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from magcore import Assignment, DefinitionError, NotFoundError, Organisation, Person, Team
from magcore.testing import generate_organisation


def org():
    return Organisation.build(
        id="o",
        people=[Person(id=p) for p in ("a", "b", "c", "head")],
        teams=[Team(id="dept"), Team(id="t", parent="dept"), Team(id="s", self_steering=True)],
        assignments=[
            Assignment(person="head", team="dept", role="manager", start=date(2024, 1, 1)),
            Assignment(person="a", team="t", role="manager", start=date(2024, 1, 1)),
            Assignment(person="b", team="t", role="member", start=date(2024, 1, 1)),
            Assignment(person="c", team="s", role="member", start=date(2024, 1, 1)),
        ],
    )


def test_manager_of_member_manager_and_self_steering():
    """A member's manager is the team's; a manager's is the parent team's; self-steering: none."""
    o = org()
    day = date(2025, 1, 1)
    assert o.manager_of("b", day) == "a"
    assert o.manager_of("a", day) == "head"
    assert o.manager_of("c", day) is None
    assert o.manager_of("head", day) is None


def test_nobody_is_their_own_manager_and_managers_of_top_teams_are_not_lost():
    """A manager who also manages the parent team reports to the next manager up; a manager of a
    top-level team who sits in a management team has that team's manager."""
    start = date(2024, 1, 1)
    o = Organisation.build(
        id="o",
        people=[Person(id=p) for p in ("ceo", "dir", "lead", "m")],
        teams=[
            Team(id="board"),
            Team(id="division", parent="board"),
            Team(id="dept", parent="division"),
            Team(id="t", parent="dept"),
            Team(id="mt"),
            Team(id="top"),
        ],
        assignments=[
            Assignment(person="ceo", team="board", role="manager", start=start),
            Assignment(person="dir", team="dept", role="manager", start=start),
            Assignment(person="dir", team="t", role="manager", start=start),
            Assignment(person="ceo", team="mt", role="manager", start=start),
            Assignment(person="lead", team="top", role="manager", start=start),
            Assignment(person="lead", team="mt", role="member", start=start),
            Assignment(person="m", team="t", role="member", start=start),
        ],
    )
    day = date(2025, 1, 1)
    assert o.manager_of("m", day) == "dir"
    assert o.manager_of("dir", day) == "ceo"  # dept's parent has no manager; the board's has
    assert o.manager_of("lead", day) == "ceo"  # top has no parent; lead sits in the mt
    assert o.manager_of("ceo", day) is None


def test_change_manager_is_dated():
    """A manager change takes effect on its date and keeps the history."""
    o = org().change_manager("t", "c", date(2025, 6, 1))
    assert o.manager_of("b", date(2025, 5, 31)) == "a"
    assert o.manager_of("b", date(2025, 6, 1)) == "c"
    assert o.manager_history("b") == ((date(2024, 1, 1), "a"), (date(2025, 6, 1), "c"))


def test_move_person_changes_team_from_date():
    """Moving someone ends their membership the day the new one starts."""
    o = org().move_person("b", "s", date(2025, 3, 1))
    assert o.team_of("b", date(2025, 2, 28)) == "t"
    assert o.team_of("b", date(2025, 3, 1)) == "s"
    assert o.manager_of("b", date(2025, 3, 1)) is None


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        (
            {
                "assignments": [
                    Assignment(person="zz", team="t", role="member", start=date(2024, 1, 1))
                ]
            },
            "unknown person",
        ),
        (
            {
                "assignments": [
                    Assignment(person="b", team="zz", role="member", start=date(2024, 1, 1))
                ]
            },
            "unknown team",
        ),
        (
            {
                "assignments": [
                    Assignment(person="a", team="t", role="manager", start=date(2024, 1, 1)),
                    Assignment(person="b", team="t", role="manager", start=date(2024, 6, 1)),
                ]
            },
            "two managers at once",
        ),
    ],
)
def test_inconsistent_organisations_are_refused(kwargs, words):
    """Unknown people or teams and overlapping managers are refused with a clear error."""
    base = {"id": "o", "people": [Person(id=p) for p in ("a", "b")], "teams": [Team(id="t")]}
    with pytest.raises(DefinitionError, match=words):
        Organisation.build(**{**base, **kwargs})


def test_bad_values_name_the_field():
    """Bad ids and impossible dates name the field."""
    with pytest.raises(DefinitionError, match="not a valid id"):
        Person(id="has space")
    with pytest.raises(DefinitionError, match="leaves"):
        Person(id="x", hired_on=date(2025, 1, 1), left_on=date(2024, 1, 1))
    with pytest.raises(DefinitionError, match="ends"):
        Assignment(
            person="a", team="t", role="member", start=date(2025, 1, 1), end=date(2025, 1, 1)
        )
    with pytest.raises(NotFoundError):
        org().person("nobody")


@pytest.mark.parametrize(
    ("data", "pointer"),
    [
        ({"people": [], "teams": []}, "/id"),
        ({"id": "o", "teams": []}, "/people"),
        ({"id": "o", "people": []}, "/teams"),
        ({"id": "o", "people": {"a": 1}, "teams": []}, "/people"),
        ({"id": "o", "people": [], "teams": [], "assignments": 3}, "/assignments"),
        ({"id": "o", "people": [{"id": "a", "hired": "2024-01-01"}], "teams": []}, "/people/0"),
    ],
)
def test_from_json_names_the_missing_or_malformed_field(data, pointer):
    """Bad organisation JSON is a DefinitionError with the field's pointer, never a KeyError."""
    with pytest.raises(DefinitionError) as caught:
        Organisation.from_json(data)
    assert caught.value.pointer == pointer


def test_json_round_trip():
    """An organisation survives JSON unchanged (dates as ISO text)."""
    o = org().change_manager("t", "c", date(2025, 6, 1))
    again = Organisation.from_json(o.to_json())
    assert again.to_json() == o.to_json()
    assert again.manager_of("b", date(2025, 7, 1)) == "c"


@given(st.integers(0, 10_000), st.integers(60, 400), st.integers(3, 20))
def test_generated_organisations_are_consistent(seed, people, teams):
    """Every generated person is in a team; every non-self-steering team has a manager."""
    o = generate_organisation(people=max(people, teams * 3), teams=teams, seed=seed)
    day = date(2020, 6, 1)
    for team in o.teams.values():
        if team.id.startswith("t"):
            assert (o.manager_of_team(team.id, day) is None) == team.self_steering
    for person in o.people.values():
        in_team = o.team_of(person.id, day) is not None
        manages = any(o.manager_of_team(t, day) == person.id for t in o.teams)
        assert in_team or manages


def test_a_manager_who_left_manages_nobody_from_that_day() -> None:
    """An HR export that keeps a manager's role after their last day does not keep them
    anyone's manager: from ``left_on`` the team has no manager (its people are due nobody's
    conversation, no new conversation is planned with them, and their due list is empty)."""
    from magcore.access.directory import Directory
    from magcore.domain.planning import plan
    from magcore.model.cycle import CycleDefinition

    from ..conftest import EXAMPLE_CYCLES

    org = Organisation.build(
        id="o",
        people=[
            Person(id="anna"),
            Person(id="bram", left_on=date(2025, 6, 1)),
            Person(id="cora", left_on=date(2025, 6, 1)),
        ],
        teams=[Team(id="t")],
        assignments=[
            Assignment(person="bram", team="t", role="manager", start=date(2024, 1, 1)),
            Assignment(person="cora", team="t", role="coach", start=date(2024, 1, 1)),
            Assignment(person="anna", team="t", role="member", start=date(2024, 1, 1)),
        ],
    )
    assert org.manager_of("anna", date(2025, 5, 31)) == "bram"
    assert org.manager_of("anna", date(2025, 6, 1)) is None
    assert org.manager_history("anna") == ((date(2024, 1, 1), "bram"), (date(2025, 6, 1), None))
    cycle = CycleDefinition.from_file(EXAMPLE_CYCLES / "employee-manager.json")
    planned = plan(org, cycle, date(2025, 6, 1), date(2026, 6, 1))
    assert planned
    assert {item.manager for item in planned} == {None}
    directory = Directory.from_organisation(org, {"bram": ["hr_adviser"]})
    assert directory.reports_of("bram", date(2025, 5, 31)) == {"anna"}
    assert directory.reports_of("bram", date(2025, 6, 1)) == frozenset()
    assert directory.roles_of("bram", date(2025, 5, 31)) == {"hr_adviser"}
    assert directory.roles_of("bram", date(2025, 6, 1)) == frozenset()
    # a coach's assignment that outlives the employment opens nothing either
    assert directory.roles_of("cora", date(2025, 5, 31)) == {"coach"}
    assert directory.roles_of("cora", date(2025, 6, 1)) == frozenset()
    # someone outside the organisation (an external privacy officer) keeps their role
    outside = Directory.from_organisation(org, {"extern": ["privacy_officer"]})
    assert outside.roles_of("extern", date(2025, 6, 1)) == {"privacy_officer"}
