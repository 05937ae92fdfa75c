"""The column-wise CSV reader agrees with the line-by-line one, file for file.

:func:`magcore.cli.orgcsv.read_organisation_csv` reads a clean file column by column
(:mod:`magcore.cli.orgcsv_columns`) and gives way to the line-by-line reader for anything else.
Generated files, clean and not, with every optional column and the values that each check is
about: whenever the column-wise reader gives an organisation, the line-by-line reader gives an
equal one; whenever the line-by-line reader refuses a file, the column-wise reader gives way.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from magcore.cli.orgcsv import OrgCsvError, read_line_by_line, read_organisation_csv
from magcore.cli.orgcsv_columns import COLUMNS, REQUIRED, read_columns
from magcore.model.orgtables import PeopleTable, RoleTable

OPTIONAL = [c for c in COLUMNS if c not in REQUIRED and c not in {"returned_on", "absent_days"}]
PEOPLE = ["p1", "p2", "p3", "m1", "m2", " p4", "p 5", "", "p#", "é1"]
TEAMS = ["t1", "t2", "t3", "", "t 4"]
ROLES = [
    "member",
    "member",
    "manager",
    "coach",
    "Member",
    "boss",
    "",
    "hr_adviser",
    "HR_Adviser",
    "hr adviser",
    "1st_line",
]
DATES = ["2024-01-01", "2024-03-01", "2023-06-01", "", "2024-13-01", "20240201"]
NAMES = ["", "Noord", "Zuid ", "Café", "Cafe\u0301", "a\u202eb", '"Oost, West"', "Oost; West"]
PARENTS = ["", "", "t1", "t2", "t9", "t3"]
STEERING = ["", "ja", "nee", "Yes", "maybe"]
EMAILS = ["", "", "a@example.org", "b@example.org", "not-an-address"]


@st.composite
def csv_files(draw):
    """A CSV text: the required columns, some optional ones in any order, rows of values that
    are mostly good and sometimes not."""
    extra = draw(st.lists(st.sampled_from(OPTIONAL), unique=True, max_size=len(OPTIONAL)))
    header = draw(st.permutations(["person_id", "team_id", "role", "start", *extra]))
    pools = {
        "person_id": PEOPLE,
        "team_id": TEAMS,
        "role": ROLES,
        "start": DATES,
        "end": ["", "", *DATES],
        "team_name": NAMES,
        "department": NAMES,
        "parent_team_id": PARENTS,
        "self_steering": STEERING,
        "hired_on": ["", *DATES],
        "left_on": ["", "", "", *DATES],
        "email": EMAILS,
    }
    clean = draw(st.booleans())
    rows = []
    for _ in range(draw(st.integers(1, 12))):
        row = []
        for column in header:
            pool = pools[column]
            if clean:  # the first values of each pool are good ones
                pool = pool[:2] if column not in {"end", "left_on", "email"} else pool[:1]
            row.append(draw(st.sampled_from(pool)))
        rows.append(row)
    delimiter = draw(st.sampled_from([",", ";", "\t"]))

    def line(values: list[str]) -> str:
        quoted = [
            f'"{v}"' if (delimiter in v or '"' in v) and not v.startswith('"') else v
            for v in values
        ]
        return delimiter.join(quoted)

    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join([line(list(header)), *(line(r) for r in rows)]) + newline
    return draw(st.sampled_from(["", "\ufeff"])) + text


def _line_by_line(text: str):
    try:
        return read_line_by_line("org.csv", org_id="org", text=text)
    except OrgCsvError:
        return None


@given(text=csv_files())
def test_the_column_wise_reader_agrees_with_the_line_by_line_reader(text):
    fast = read_columns(org_id="org", name="", text=text)
    slow = _line_by_line(text)
    if slow is None:
        assert fast is None, "a file the line-by-line reader refuses was taken"
    if fast is not None:
        assert fast == slow
        assert isinstance(fast.people, PeopleTable)
        assert isinstance(fast.assignments, RoleTable)
        assert dict(fast.people) == dict(slow.people)
        assert dict(fast.teams) == dict(slow.teams)


def test_a_clean_file_is_read_column_by_column_and_bytes_alike(tmp_path):
    text = (
        "person_id;team_id;role;start;team_name;parent_team_id;hired_on;email\r\n"
        "m1;t1;manager;2024-01-01;Noord;;2023-01-01;m1@example.org\r\n"
        "p1;t1;member;2024-02-01;Noord;;2024-02-01;\r\n"
        "m2;t2;manager;2024-01-01;Zuid;t1;;\r\n"
        "m2;t1;member;2024-01-01;;;;\r\n"
    )
    path = tmp_path / "org.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    org = read_organisation_csv(path, org_id="org")
    assert isinstance(org.people, PeopleTable)
    assert org == read_line_by_line(path, org_id="org")
    assert org.manager_of("p1", org.people["p1"].hired_on) == "m1"
    assert org.manager_of("m2", org.people["p1"].hired_on) == "m1"
    assert org.teams["t2"].parent == "t1"


@pytest.mark.parametrize(
    "row",
    [
        "p1,t1,member,2024-13-01",  # not a date
        "p1,t1,head of team,2024-01-01",  # not a role
        "p 1,t1,member,2024-01-01",  # not an id
        "p#,t1,member,2024-01-01",  # an id ending in the part separator
        ",t1,member,2024-01-01",  # empty
        "p1,t1,member,2024-01-01,extra",  # more values than columns
        '"p1\n",t1,member,2024-01-01',  # a value over two lines
    ],
)
def test_a_file_with_a_problem_goes_line_by_line_and_is_refused(row):
    text = f"person_id,team_id,role,start\nm1,t1,manager,2024-01-01\n{row}\n"
    assert read_columns(org_id="org", name="", text=text) is None
    with pytest.raises(OrgCsvError):
        read_organisation_csv("org.csv", org_id="org", text=text)
