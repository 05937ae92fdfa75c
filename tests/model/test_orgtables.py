"""People and roles held column by column are the same organisation as dicts and tuples."""

from __future__ import annotations

import pickle
from datetime import date

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from magcore.errors import DefinitionError
from magcore.model.input_policy import is_valid_id
from magcore.model.organisation import Organisation, Person, Return, Role, Team
from magcore.model.orgtables import PeopleTable, RoleTable, ids_problem
from magcore.testing import generate_organisation

DAY = date(2025, 6, 1)


def _as_tables(org: Organisation) -> Organisation:
    return Organisation(
        id=org.id,
        name=org.name,
        people=PeopleTable.of(org.people),
        teams=dict(org.teams),
        assignments=RoleTable.of(org.assignments),
    )


@given(
    people=st.integers(12, 60),
    teams=st.integers(1, 6),
    seed=st.integers(0, 10_000),
    shuffle=st.randoms(use_true_random=False),
)
def test_an_organisation_of_tables_answers_as_one_of_values(people, teams, seed, shuffle):
    org = generate_organisation(people=people, teams=teams, seed=seed)
    tables = _as_tables(org)
    roles = list(org.assignments)
    shuffle.shuffle(roles)
    reordered = Organisation(
        id=org.id, name=org.name, people=org.people, teams=org.teams, assignments=roles
    )
    assert tables == org == reordered  # the facts, whatever their order
    assert dict(tables.people) == dict(org.people)
    for pid in org.people:
        assert tables.manager_of(pid, DAY) == org.manager_of(pid, DAY)
        assert tables.team_of(pid, DAY) == org.team_of(pid, DAY)
        assert tables.manager_history(pid) == org.manager_history(pid)
    for tid in org.teams:
        assert tables.members(tid, DAY) == org.members(tid, DAY)
    assert pickle.loads(pickle.dumps(tables)) == org


def test_a_table_is_a_read_only_mapping_and_sequence():
    people = PeopleTable(["p1", "p2"], hired_on=[DAY, None], email=["a@example.org", None])
    assert len(people) == 2
    assert list(people) == ["p1", "p2"]
    assert "p2" in people
    assert people["p1"] == Person(id="p1", hired_on=DAY, email="a@example.org")
    assert people == {"p1": people["p1"], "p2": Person(id="p2")}
    assert "p3" not in people
    assert people.get("p3") is None
    roles = RoleTable(["p1", "p2"], ["t", "t"], ["manager", Role.MEMBER], [DAY, DAY])
    assert roles[1].role is Role.MEMBER
    assert roles[-1] == roles[1]
    assert list(roles[:1]) == [roles[0]]
    assert len(roles) == 2
    assert roles == (roles[0], roles[1])
    assert roles != (roles[1], roles[0])


@pytest.mark.parametrize(
    ("make", "pointer"),
    [
        (lambda: PeopleTable(["p1", "p 2"]), "/ids/1"),
        (lambda: PeopleTable(["p1", "p1"]), "/people"),
        (lambda: PeopleTable(["p1"], hired_on=["2024-01-01"]), "/hired_on/0"),
        (lambda: PeopleTable(["p1"], hired_on=[DAY], left_on=[date(2020, 1, 1)]), "/left_on/0"),
        (lambda: PeopleTable(["p1"], email=["nobody"]), "/email/0"),
        (lambda: PeopleTable(["p1", "p2"], hired_on=[DAY]), "/hired_on"),
        (lambda: PeopleTable(["p1"], returns={"p9": [Return(on=DAY, absent_days=9)]}), "/returns"),
        (lambda: RoleTable(["p1"], ["t#"], ["member"], [DAY]), "/team/0"),
        (lambda: RoleTable(["p1"], ["t"], ["Head of team"], [DAY]), "/role/0"),
        (lambda: RoleTable(["p1"], ["t"], ["member"], [DAY], [DAY]), "/end/0"),
        (lambda: RoleTable(["p1"], ["t"], ["member"], [None]), "/start/0"),
    ],
)
def test_bad_columns_are_refused_naming_the_field_and_row(make, pointer):
    with pytest.raises(DefinitionError) as refused:
        make()
    assert refused.value.pointer == pointer


def test_roles_naming_unknown_people_or_teams_are_refused():
    people = PeopleTable(["p1"])
    roles = RoleTable(["p1", "p2"], ["t", "t"], ["member", "member"], [DAY, DAY])
    with pytest.raises(DefinitionError) as refused:
        Organisation(id="o", people=people, teams={"t": Team(id="t")}, assignments=roles)
    assert refused.value.pointer == "/assignments/1/person"
    with pytest.raises(DefinitionError) as refused:
        Organisation(id="o", people=PeopleTable(["p1", "p2"]), teams={}, assignments=roles)
    assert refused.value.pointer == "/assignments/0/team"
    two = RoleTable(["p1", "p2"], ["t", "t"], ["manager", "manager"], [DAY, DAY])
    with pytest.raises(DefinitionError, match="two managers at once"):
        Organisation(
            id="o", people=PeopleTable(["p1", "p2"]), teams={"t": Team(id="t")}, assignments=two
        )


@given(st.lists(st.text(alphabet="ab1.#_ -é\n", max_size=6), max_size=8))
@example(["1\n1"])  # two good ids joined by the newline the column search joins them with
def test_a_column_of_ids_is_checked_like_each_id(values):
    found = ids_problem(values, "ids")
    assert (found is None) == all(is_valid_id(v) for v in values)
    if found is not None:
        row = next(i for i, v in enumerate(values) if not is_valid_id(v))
        assert found.pointer == f"/ids/{row}"


def test_the_cyclic_collector_is_paused_and_left_as_it_was():
    import gc

    from magcore.model.orgtables import cyclic_gc_paused

    assert gc.isenabled()
    with cyclic_gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with cyclic_gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # off before: left off
    finally:
        gc.enable()
    with pytest.raises(ValueError, match="boom"), cyclic_gc_paused():
        raise ValueError("boom")
    assert gc.isenabled()
