"""Organisation roles beyond member, manager and coach in the organisation CSV: read alike by
both readers, imported into a store and read back the same, and a bad one named on its line."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from magcore import FixedClock, open_service
from magcore.cli.orgcsv import OrgCsvError, read_line_by_line, read_organisation_csv
from magcore.cli.orgcsv_columns import read_columns
from magcore.model.organisation import Role

DAY = date(2025, 6, 2)
CSV = """person_id,team_id,team_name,role,start,end,hired_on
m1,t1,Burgerzaken,manager,2024-01-01,,2020-01-01
e1,t1,Burgerzaken,member,2024-01-01,,2020-01-01
h1,hr,P&O,member,2024-01-01,,2020-01-01
h1,hr,P&O,hr_adviser,2024-01-01,,2020-01-01
h2,hr,P&O,member,2024-01-01,,2020-01-01
h2,hr,P&O,HR_Adviser,2024-01-01,2025-06-02,2020-01-01
h2,hr,P&O,exit_interviewer,2024-03-01,,2020-01-01
"""


def test_both_readers_give_the_same_organisation_with_its_other_roles():
    """Role ids are read in lower case, like the built-in ones (``Member`` is ``member``)."""
    fast = read_columns(org_id="org", name="", text=CSV)
    assert fast is not None, "a clean file is read column by column"
    slow = read_line_by_line("org.csv", org_id="org", text=CSV)
    assert fast == slow
    for org in (fast, slow):
        assert org.holders("hr_adviser", DAY) == ("h1",)  # h2's role ended the day before
        assert org.holders("hr_adviser", date(2025, 6, 1)) == ("h1", "h2")
        assert org.holders("exit_interviewer", DAY) == ("h2",)
        assert org.manager_of("e1", DAY) == "m1"
        assert {str(a.role) for a in org.assignments} == {
            "manager",
            "member",
            "hr_adviser",
            "exit_interviewer",
        }
        assert next(a.role for a in org.assignments if a.person == "m1") is Role.MANAGER


def test_an_import_round_trips_through_the_store(tmp_path):
    """Imported, read back (and read back again after reopening the store): the same
    organisation, roles and all; importing the file again writes nothing."""
    org = read_organisation_csv("org.csv", org_id="org", text=CSV)
    url = f"sqlite:///{tmp_path / 'town.db'}"
    clock = FixedClock(datetime(2025, 6, 2, 9, tzinfo=UTC))
    service = open_service(url, clock=clock)
    assert service.import_organisation(org, actor="hr")
    assert service.organisation("org") == org
    assert service.import_organisation(org, actor="hr") == ()
    service.close()
    again = open_service(url, clock=clock)
    stored = again.organisation("org")
    assert stored == org
    assert stored.holders("hr_adviser", DAY) == ("h1",)
    # A later file in which h1 is no longer an adviser: the role ends, as any role does.
    later = CSV.replace(
        "h1,hr,P&O,hr_adviser,2024-01-01,,", "h1,hr,P&O,hr_adviser,2024-01-01,2025-07-01,"
    )
    again.import_organisation(
        read_organisation_csv("org.csv", org_id="org", text=later), actor="hr"
    )
    assert again.organisation("org").holders("hr_adviser", date(2025, 7, 1)) == ()
    again.close()


@pytest.mark.parametrize("role", ["hr adviser", "1st_line", "hr-adviser"])
def test_a_bad_role_is_named_on_its_line(role):
    text = CSV.replace("h1,hr,P&O,hr_adviser,", f"h1,hr,P&O,{role},")
    assert read_columns(org_id="org", name="", text=text) is None
    with pytest.raises(OrgCsvError) as refused:
        read_organisation_csv("org.csv", org_id="org", text=text)
    (problem,) = refused.value.problems
    assert problem.pointer == "line 5"
    assert f"role {role!r} is not member, manager, coach or another role id" in problem.message
