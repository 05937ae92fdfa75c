"""Organisation roles beyond member, manager and coach: held in a team over time, like them.

An HR team's advisers hold ``hr_adviser``, an exit interviewer ``exit_interviewer``: any
lower-case role id. The built-in roles stay :class:`~magcore.model.organisation.Role` members,
so existing data and the columnar tables keep working; a bad role id is refused naming the
field (and the row).
"""

from __future__ import annotations

from datetime import date

import pytest

from magcore import Assignment, DefinitionError, Organisation, Person, Team
from magcore.model.organisation import Role
from magcore.model.orgroles import as_org_role
from magcore.model.orgtables import PeopleTable, RoleTable

START = date(2024, 1, 1)
DAY = date(2025, 6, 1)


def _org(**kw: object) -> Organisation:
    people = ["m1", "e1", "h1", "h2", "gone"]
    return Organisation.build(
        id="org",
        people=[
            *(Person(id=p, hired_on=date(2020, 1, 1)) for p in people if p != "gone"),
            Person(id="gone", hired_on=date(2020, 1, 1), left_on=date(2025, 1, 1)),
        ],
        teams=[Team(id="t1"), Team(id="hr", name="P&O")],
        assignments=[
            Assignment(person="m1", team="t1", role="manager", start=START),
            Assignment(person="e1", team="t1", role="member", start=START),
            Assignment(person="h1", team="hr", role="member", start=START),
            Assignment(person="h1", team="hr", role="hr_adviser", start=START),
            # h2 was an adviser until the day before DAY.
            Assignment(person="h2", team="hr", role="hr_adviser", start=START, end=DAY),
            Assignment(person="gone", team="hr", role="hr_adviser", start=START),
            Assignment(person="m1", team="hr", role="exit_interviewer", start=START),
        ],
    )


ORG = _org()


def test_built_in_roles_stay_role_members_and_others_are_their_ids():
    assert as_org_role("manager") is Role.MANAGER
    assert as_org_role(Role.COACH) is Role.COACH
    assert as_org_role("hr_adviser") == "hr_adviser"
    held = {str(a.role) for a in ORG.assignments}
    assert held == {"manager", "member", "hr_adviser", "exit_interviewer"}
    assert next(a for a in ORG.assignments if a.person == "e1").role is Role.MEMBER


def test_holders_are_the_people_employed_who_hold_the_role_on_the_day():
    """h2's role ended the day before; 'gone' left; the role is held in any team."""
    assert ORG.holders("hr_adviser", DAY) == ("h1",)
    assert ORG.holders("hr_adviser", date(2024, 6, 1)) == ("gone", "h1", "h2")
    assert ORG.holders("exit_interviewer", DAY) == ("m1",)
    assert ORG.holders("manager", DAY) == ("m1",)
    assert ORG.holders("alderman", DAY) == ()
    # Other roles change nothing the core derives from the built-in ones.
    assert ORG.team_of("h1", DAY) == "hr"
    assert ORG.manager_of("e1", DAY) == "m1"
    assert ORG.coaches(DAY) == ()


@pytest.mark.parametrize(
    "role", ["HR_adviser", "hr adviser", "1st_line", "", "hr-adviser", "x" * 41, 7, None]
)
def test_a_bad_role_id_is_refused_naming_the_field(role):
    with pytest.raises(DefinitionError, match="role") as refused:
        Assignment(person="p1", team="t1", role=role, start=START)
    assert refused.value.pointer == "/role"


def test_a_bad_role_in_json_names_the_assignment():
    data = ORG.to_json()
    data["assignments"][3]["role"] = "HR adviser"
    with pytest.raises(DefinitionError) as refused:
        Organisation.from_json(data)
    assert refused.value.pointer == "/assignments/3/role"


def test_json_round_trips_other_roles():
    again = Organisation.from_json(ORG.to_json())
    assert again == ORG
    assert again.holders("hr_adviser", DAY) == ("h1",)


def test_the_columnar_table_holds_other_roles_and_answers_the_same():
    roles = RoleTable(
        [a.person for a in ORG.assignments],
        [a.team for a in ORG.assignments],
        [str(a.role) for a in ORG.assignments],
        [a.start for a in ORG.assignments],
        [a.end for a in ORG.assignments],
    )
    org = Organisation(
        id="org", people=PeopleTable.of(ORG.people), teams=ORG.teams, assignments=roles
    )
    assert org == ORG
    assert roles.role[0] is Role.MANAGER
    assert roles.rows_of("hr_adviser") == [3, 4, 5]
    assert org.holders("hr_adviser", DAY) == ("h1",)
    assert org.holders("exit_interviewer", DAY) == ("m1",)
    assert org.manager_of("e1", DAY) == "m1"


def test_a_bad_role_in_a_column_names_its_row():
    with pytest.raises(DefinitionError, match="'Hr'") as refused:
        RoleTable(["p1", "p2"], ["t", "t"], ["hr_adviser", "Hr"], [START, START])
    assert refused.value.pointer == "/role/1"
