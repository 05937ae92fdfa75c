"""The organisation CSV reader explains every problem with its line, and imports nothing then.

The property tests generate organisations (a tree of teams, members, one manager per team),
write them in every encoding variant (UTF-8 with or without BOM, LF or CRLF, comma, semicolon or
tab), and inject faults on chosen lines.
"""

from __future__ import annotations

import csv
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from magcore.cli.orgcsv import MAX_PROBLEMS, OrgCsvError, read_organisation_csv

HEADER = ("person_id", "team_id", "team_name", "parent_team_id", "role", "start", "end")


def _write(path, rows, *, delimiter=",", newline="\n", bom=False, raw=None):
    """Write *rows* (tuples of HEADER's values); *raw* maps a row index to its bytes."""
    lines = [delimiter.join(HEADER).encode()]
    for index, row in enumerate(rows):
        lines.append(raw[index] if raw and index in raw else delimiter.join(row).encode())
    data = newline.encode().join(lines) + newline.encode()
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


@st.composite
def organisations(draw):
    """Rows of a clean organisation: teams in a tree, a manager each, members."""
    teams = draw(st.integers(1, 5))
    rows = []
    for t in range(teams):
        parent = "" if t == 0 else f"t{draw(st.integers(0, t - 1))}"
        rows.append((f"m{t}", f"t{t}", f"Team {t}", parent, "manager", "2024-01-01", ""))
    for p in range(draw(st.integers(1, 12))):
        team = draw(st.integers(0, teams - 1))
        start = date(2024, 1, 1 + draw(st.integers(0, 27))).isoformat()
        rows.append((f"p{p}", f"t{team}", f"Team {team}", "", "member", start, ""))
    order = draw(st.permutations(range(len(rows))))
    return [rows[i] for i in order]


VARIANTS = st.fixed_dictionaries(
    {
        "delimiter": st.sampled_from([",", ";", "\t"]),
        "newline": st.sampled_from(["\n", "\r\n"]),
        "bom": st.booleans(),
    }
)


def _expected(rows):
    people = {r[0] for r in rows}
    teams = {r[1]: (r[3] or None) for r in rows if r[4] == "manager"}
    assignments = {(r[0], r[1], r[4], r[5]) for r in rows}
    return people, teams, assignments


def _seen(org):
    return (
        set(org.people),
        {t.id: t.parent for t in org.teams.values()},
        {(a.person, a.team, a.role.value, a.start.isoformat()) for a in org.assignments},
    )


@given(rows=organisations(), variant=VARIANTS)
def test_a_clean_file_imports_alike_whatever_its_encoding(tmp_path_factory, rows, variant):
    """UTF-8 with or without BOM, LF or CRLF, comma, semicolon or tab: the same organisation."""
    path = _write(tmp_path_factory.mktemp("clean") / "org.csv", rows, **variant)
    org = read_organisation_csv(path, org_id="org")
    assert _seen(org) == _expected(rows)


def _fault(kind, row, rows):
    """*row* changed by fault *kind*: (new row or None, raw bytes or None)."""
    person, team, name, parent, role, start, end = row
    if kind == "date":
        return (person, team, name, parent, role, "2024-13-40", end), None
    if kind == "role":
        return (person, team, name, parent, "head of team", start, end), None
    if kind == "empty":
        return ("", team, name, parent, role, start, end), None
    if kind == "self-parent":
        return (person, team, name, team, role, start, end), None
    if kind == "extra":
        return (*row, "surplus"), None
    if kind == "byte":
        return None, b"\xff"
    if kind == "ends-before":
        return (person, team, name, parent, role, start, "2023-01-01"), None
    raise AssertionError(kind)


KINDS = ["date", "role", "empty", "self-parent", "extra", "byte", "ends-before"]


@given(
    rows=organisations(),
    variant=VARIANTS,
    faults=st.lists(st.tuples(st.integers(0, 200), st.sampled_from(KINDS)), min_size=1),
    duplicate=st.booleans(),
    unclosed=st.booleans(),
)
def test_every_injected_fault_is_reported_on_its_line(
    tmp_path_factory, rows, variant, faults, duplicate, unclosed
):
    """Each faulty line is reported with its number and nothing is imported; a duplicate row
    and a quote left open at the end are reported on their lines too."""
    rows = list(rows)
    raw: dict[int, bytes] = {}
    faulty: set[int] = set()
    for index, kind in faults:
        index %= len(rows)
        if index in faulty:
            continue
        changed, bad_bytes = _fault(kind, rows[index], rows)
        if bad_bytes is not None:
            raw[index] = variant["delimiter"].join(rows[index]).encode() + bad_bytes
        else:
            rows[index] = changed
        faulty.add(index)
    clean = [i for i in range(len(rows)) if i not in faulty and rows[i][4] == "member"]
    if duplicate and clean:
        rows.append(rows[clean[0]])
        faulty.add(len(rows) - 1)
    if unclosed:
        rows.append(("p-open", "t0", '"Team zonder eind', "", "member", "2024-01-01", ""))
        faulty.add(len(rows) - 1)
    path = _write(tmp_path_factory.mktemp("bad") / "org.csv", rows, raw=raw, **variant)

    with pytest.raises(OrgCsvError) as refused:
        read_organisation_csv(path, org_id="org")

    reported = {int(p.pointer.removeprefix("line ")) for p in refused.value.problems}
    assert {index + 2 for index in faulty} <= reported


def test_a_bad_byte_far_down_is_reported_on_its_own_line(tmp_path):
    """A byte that is not UTF-8 on line 25,002 is reported as line 25,002, not line 1."""
    rows = [(f"p{n}", "t0", "Team", "", "member", "2024-01-01", "") for n in range(25_010)]
    rows[0] = ("m0", "t0", "Team", "", "manager", "2024-01-01", "")
    raw = {25_000: b"p25000,t0,Caf\xe9,,member,2024-01-01,"}
    path = _write(tmp_path / "org.csv", rows, raw=raw)
    with pytest.raises(OrgCsvError) as refused:
        read_organisation_csv(path, org_id="org")
    (problem,) = refused.value.problems
    assert problem.pointer == "line 25002"
    assert "0xE9" in problem.message
    assert "UTF-8" in problem.message


def test_a_value_over_the_csv_field_limit_is_a_named_error(tmp_path):
    """A field over csv's limit is reported on its line, not as a csv traceback."""
    huge = "x" * (csv.field_size_limit() + 10)
    rows = [
        ("m0", "t0", "Team", "", "manager", "2024-01-01", ""),
        ("p1", "t0", f'"{huge}', "", "member", "2024-01-01", ""),
    ]
    with pytest.raises(OrgCsvError) as refused:
        read_organisation_csv(_write(tmp_path / "org.csv", rows), org_id="org")
    (problem,) = refused.value.problems
    assert problem.pointer == "line 3"
    assert "longer than" in problem.message


def test_a_utf16_file_is_named(tmp_path):
    """Excel's 'Unicode text' export is recognised and the way out named."""
    path = tmp_path / "org.csv"
    path.write_bytes("person_id,team_id,role,start\n".encode("utf-16"))
    with pytest.raises(OrgCsvError, match="UTF-16"):
        read_organisation_csv(path, org_id="org")


def test_teams_whose_parents_form_a_circle_are_refused(tmp_path):
    """Two teams each other's parent: a circle, reported on the line that starts it."""
    rows = [
        ("m0", "a", "A", "b", "manager", "2024-01-01", ""),
        ("m1", "b", "B", "a", "manager", "2024-01-01", ""),
        ("p0", "a", "A", "", "member", "2024-01-01", ""),
    ]
    with pytest.raises(OrgCsvError) as refused:
        read_organisation_csv(_write(tmp_path / "org.csv", rows), org_id="org")
    (problem,) = refused.value.problems
    assert problem.pointer == "line 2"
    assert "circle" in problem.message
    assert "a → b → a" in problem.message


def test_two_managers_at_once_are_named_with_both_lines(tmp_path):
    """A second manager for an overlapping period names the earlier line."""
    rows = [
        ("m0", "a", "A", "", "manager", "2024-01-01", ""),
        ("m1", "a", "A", "", "manager", "2024-06-01", ""),
    ]
    with pytest.raises(OrgCsvError) as refused:
        read_organisation_csv(_write(tmp_path / "org.csv", rows), org_id="org")
    (problem,) = refused.value.problems
    assert problem.pointer == "line 3"
    assert "line 2" in problem.message


@pytest.mark.parametrize("one_row_each", [True, False])
def test_a_role_before_the_hiring_day_is_refused_on_its_line(tmp_path, one_row_each):
    """A role that starts before its person's hired_on (22 rows in a newcomer's file) is
    refused like the other inconsistencies, naming the line and the columns; hired_on may be
    on another of the person's lines. Nothing is imported."""
    header = "person_id,team_id,role,start,end,hired_on\n"
    rows = [
        "m0,a,manager,2024-01-01,,2015-03-01",
        "e1,a,member,2019-01-01,,2020-02-01",  # line 3: a role before the first working day
        "e2,a,member,2024-01-01,,2024-01-01",  # on the hiring day itself: fine
    ]
    if not one_row_each:
        rows += ["e3,b,member,2018-05-01,,", "e3,a,member,2024-01-01,,2021-09-01"]  # line 5
    path = tmp_path / "org.csv"
    path.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(OrgCsvError) as refused:
        read_organisation_csv(path, org_id="org")
    found = [(p.pointer, p.message) for p in refused.value.problems]
    assert found[0] == (
        "line 3",
        "start 2019-01-01 is before hired_on 2020-02-01 of person e1: a role starts on or "
        "after the person's first working day",
    )
    if not one_row_each:
        assert found[1][0] == "line 5"
        assert "start 2018-05-01 is before hired_on 2021-09-01 of person e3" in found[1][1]
    assert len(found) == 1 + (not one_row_each)


def test_reading_stops_at_the_limit_and_says_so(tmp_path):
    """A file of bad rows reports MAX_PROBLEMS problems and says reading stopped."""
    rows = [
        (f"p{n}", "t0", "T", "", "head of team", "2024-01-01", "") for n in range(MAX_PROBLEMS + 30)
    ]
    with pytest.raises(OrgCsvError) as refused:
        read_organisation_csv(_write(tmp_path / "org.csv", rows), org_id="org")
    assert len(refused.value.problems) == MAX_PROBLEMS
    assert refused.value.stopped
    assert "reading stopped" in str(refused.value)


@pytest.mark.parametrize("source", ["big.csv", "/dev/zero"], ids=["a-large-file", "a-device"])
def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path, monkeypatch, source):
    """The file is read at most one byte past ``MAX_CSV_BYTES`` (here lowered to 1 KiB): a
    huge file or a device that never ends is refused by name instead of filling the memory."""
    import magcore.cli.orgcsv as orgcsv
    from magcore.errors import InputRefused

    monkeypatch.setattr(orgcsv, "MAX_CSV_BYTES", 1024)
    big = tmp_path / "big.csv"
    big.write_text("person_id,team_id,team_name,role,start\n" + "p,t,T,member,2024-01-01\n" * 100)
    path = big if source == "big.csv" else source
    with pytest.raises(InputRefused, match="larger than 1 KiB"):
        read_organisation_csv(path, org_id="org")
