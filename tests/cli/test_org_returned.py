"""``magcore org change returned`` and the import's ``returned_on``/``absent_days`` columns."""

from __future__ import annotations

import sqlite3

from .conftest import ORG_CSV, data


def _returned(db) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        return [
            (row[0], row[1])
            for row in conn.execute(
                "SELECT stream, type FROM events WHERE type = 'person.returned' ORDER BY position"
            )
        ]


def _with_return_of_e3(absent_days: int) -> str:
    """The test organisation's CSV with e3 back on 2026-01-12 after *absent_days* days."""
    header, *rows = ORG_CSV.strip().splitlines()
    lines = [header + ",returned_on,absent_days"] + [
        row + (f",2026-01-12,{absent_days}" if row.startswith("e3,") else ",,") for row in rows
    ]
    return "\n".join(lines) + "\n"


def test_org_change_returned_records_the_return_and_names_what_is_missing(ready):
    result = data(
        ready.run(
            "org",
            "change",
            "returned",
            "--person",
            "e2",
            "--on",
            "2026-04-06",
            "--absent-days",
            "70",
            "--json",
        )
    )
    assert result["events"] == [
        {"type": "person.returned", "person": "e2", "on": "2026-04-06", "absent_days": 70}
    ]
    again = ready.run(
        "org", "change", "returned", "--person", "e2", "--on", "2026-04-06", "--absent-days", "70"
    )
    assert "Nothing changed" in again.stdout
    missing = ready.run("org", "change", "returned", "--person", "e2")
    assert missing.exit_code != 0
    assert "--absent-days" in missing.stderr
    zero = ready.run("org", "change", "returned", "--person", "e2", "--absent-days", "0")
    assert zero.exit_code != 0
    assert "--absent-days" in zero.stderr
    for huge in ("36526", "99999999999999999999999"):  # more than a hundred years
        refused = ready.run(
            "org", "change", "returned", "--person", "e2", "--on", "2026-05-04",
            "--absent-days", huge,
        )  # fmt: skip
        assert refused.exit_code == 2
        assert "--absent-days" in refused.stderr
    assert len(_returned(ready.dir / "magcore.db")) == 1


def test_the_import_reads_a_return_from_its_columns_once(ready):
    (ready.dir / "back.csv").write_text(_with_return_of_e3(45))
    result = data(ready.run("import-org", "back.csv", "--json"))
    assert result["changes"] == {"person.returned": 1}
    assert data(ready.run("import-org", "back.csv", "--json"))["changes"] == {}
    # the next file no longer says it: the return stays history, nothing is taken back
    assert data(ready.run("import-org", "org.csv", "--json"))["changes"] == {}
    bad = _with_return_of_e3(45).replace(",2026-01-12,45", ",2026-01-12,")
    (ready.dir / "bad.csv").write_text(bad)
    refused = ready.run("import-org", "bad.csv")
    assert refused.exit_code != 0
    assert "returned_on and absent_days go together" in refused.output
    assert len(_returned(ready.dir / "magcore.db")) == 1


def test_the_import_refuses_an_absence_of_more_than_a_hundred_years(ready):
    (ready.dir / "long.csv").write_text(_with_return_of_e3(36526))
    result = ready.run("import-org", "long.csv")
    assert result.exit_code != 0
    assert "absent_days" in result.stderr
    assert _returned(ready.dir / "magcore.db") == []
