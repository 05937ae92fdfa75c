"""``magcore init`` and ``magcore import-org``."""

from __future__ import annotations

import sqlite3
import tomllib
from pathlib import Path

import pytest

from .conftest import ORG_CSV, App, CliRunner, cli, data, make_host


def _events(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])


def test_init_creates_store_and_settings(run, workdir):
    """init writes magcore.toml with the only installed cycle and creates the SQLite file."""
    result = data(run("init", "--json"))
    settings = tomllib.loads((workdir / "magcore.toml").read_text())
    assert settings == {
        "store": "sqlite:///magcore.db",
        "cycle": "example-yearly@1",
        "organisation": "org",
    }
    assert (workdir / "magcore.db").exists()
    assert result["cycle"] == "example-yearly@1"


def test_init_refuses_to_overwrite(run):
    """A second init without --force is a one-line error and exit 1."""
    assert run("init").exit_code == 0
    result = run("init")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: ")
    assert "--force" in result.stderr


def test_init_with_several_cycles_needs_a_choice(workdir):
    """With several cycles installed and no terminal, init asks for --cycle by name."""
    host = make_host("employee-manager.json", "free-dialogue.json")
    app = App(config_path=workdir / "magcore.toml", host=host)
    result = CliRunner().invoke(cli, ["init"], obj=app)
    assert result.exit_code == 1
    assert "--cycle" in result.stderr
    assert "example-yearly" in result.stderr
    assert "['" not in result.stderr, "a plain list, not a Python one"
    app = App(config_path=workdir / "magcore.toml", host=host)
    result = CliRunner().invoke(cli, ["init", "--cycle", "example-yearly"], obj=app)
    assert result.exit_code == 0, result.output
    assert 'cycle = "example-yearly@1"' in (workdir / "magcore.toml").read_text()


def test_init_with_several_cycles_asks_on_a_terminal(workdir, monkeypatch):
    """With several cycles installed and a terminal, init asks which one (as the docs say)."""
    from magcore.cli import setup

    monkeypatch.setattr(setup, "_can_ask", lambda: True)
    host = make_host("employee-manager.json", "free-dialogue.json")
    app = App(config_path=workdir / "magcore.toml", host=host)
    result = CliRunner().invoke(cli, ["init"], obj=app, input="example-yearly@1\n")
    assert result.exit_code == 0, result.output
    assert "Which cycle?" in result.output
    assert 'cycle = "example-yearly@1"' in (workdir / "magcore.toml").read_text()


def test_init_with_several_cycles_and_no_terminal_says_why_it_did_not_ask(workdir):
    """Without a terminal the error says nobody can be asked, and names --cycle."""
    host = make_host("employee-manager.json", "free-dialogue.json")
    app = App(config_path=workdir / "magcore.toml", host=host)
    result = CliRunner().invoke(cli, ["init"], obj=app)
    assert result.exit_code == 1
    assert "nobody can be asked (standard input is not a terminal); choose one with --cycle" in (
        result.stderr
    )
    assert not (workdir / "magcore.toml").exists()


def test_init_unknown_cycle(run, workdir):
    """An unknown cycle is refused and nothing is written."""
    result = run("init", "--cycle", "nope")
    assert result.exit_code == 1
    assert "unknown cycle 'nope'" in result.stderr
    assert not (workdir / "magcore.toml").exists()


def test_commands_without_init_say_so(run):
    """Any store command before init names the missing settings file in one line."""
    result = run("due")
    assert result.exit_code == 1
    assert "magcore init" in result.stderr
    assert result.stderr.count("\n") == 1


def test_import_org(ready):
    """A good CSV imports everyone, with managers and teams."""
    (ready.dir / "again.csv").write_text(ORG_CSV)
    result = data(ready.run("import-org", "again.csv", "--json"))
    assert result == {
        "organisation": "org",
        "people": 7,
        "teams": 3,
        "managers": 3,
        "self_steering_teams": 0,
        "changes": {},
        "not_in_this_file": [],
    }


def test_import_org_records_what_changed_and_nothing_twice(ready):
    """A changed file records its changes as events; importing it again records nothing."""
    changed = ORG_CSV.replace(
        "e4,t2,Team Zuid,Afdeling,dept,member,2024-01-01,,2023-04-01,",
        "e4,t2,Team Zuid,Afdeling,dept,member,2024-01-01,,2023-04-01,2026-02-01",
    ).replace(
        "e2,t1,Team Noord,Afdeling,dept,member,2024-01-01,,2021-09-01,",
        "e2,t1,Team Noord,Afdeling,dept,member,2024-01-01,2026-03-01,2021-09-01,\n"
        "e2,t2,Team Zuid,Afdeling,dept,member,2026-03-01,,2021-09-01,",
    )
    (ready.dir / "changed.csv").write_text(changed)
    before = _events(ready.dir / "magcore.db")
    result = data(ready.run("import-org", "changed.csv", "--json"))
    assert result["changes"] == {"person.left": 1, "person.moved": 1}
    assert _events(ready.dir / "magcore.db") == before + 2
    again = ready.run("import-org", "changed.csv")
    assert "Nothing changed since the last import" in again.stdout
    assert _events(ready.dir / "magcore.db") == before + 2


def test_org_change_records_one_change(ready):
    """``magcore org change`` records one dated change; a bad one names the option."""
    db = ready.dir / "magcore.db"
    before = _events(db)
    result = data(
        ready.run("org", "change", "leave", "--person", "e3", "--on", "2026-05-01", "--json")
    )
    assert result["events"] == [{"type": "person.left", "person": "e3", "on": "2026-05-01"}]
    moved = ready.run(
        "org", "change", "move", "--person", "e1", "--team", "t2", "--on", "2026-06-01"
    )
    assert moved.exit_code == 0, moved.output
    assert "Recorded person.moved: person e1, team t2, from_team t1, on 2026-06-01." in moved.stdout
    assert _events(db) == before + 2
    unknown = ready.run("org", "change", "leave", "--person", "nobody")
    assert unknown.exit_code == 1
    assert "person" in unknown.stderr
    assert "nobody" in unknown.stderr
    assert unknown.stderr.count("\n") == 1
    missing = ready.run("org", "change", "move", "--person", "e1")
    assert missing.exit_code != 0
    assert "--team" in missing.stderr
    assert _events(db) == before + 2


def test_import_org_names_who_is_not_in_the_new_file(ready):
    """Each import replaces the organisation: people missing from the new file are named."""
    (ready.dir / "part.csv").write_text(
        "\n".join(line for line in ORG_CSV.splitlines() if not line.startswith(("e3,", "e4,")))
    )
    result = ready.run("import-org", "part.csv")
    assert result.exit_code == 0, result.output
    assert "2 people from it are not in part.csv: e3, e4." in result.stdout
    assert data(ready.run("import-org", "part.csv", "--json"))["not_in_this_file"] == []


@pytest.mark.parametrize(
    ("csv_text", "expected"),
    [
        (ORG_CSV.replace(",role,", ",rol,"), "missing column 'role'"),
        (
            ORG_CSV.replace(
                "e3,t2,Team Zuid,Afdeling,dept,member,2024-01-01",
                "e3,t2,Team Zuid,Afdeling,dept,member,2024-13-01",
            ),
            "line 7: start '2024-13-01' is not a date",
        ),
        (
            ORG_CSV.replace(
                "e4,t2,Team Zuid,Afdeling,dept,member", "e4,t2,Team Zuid,Afdeling,dept,Head of team"
            ),
            "line 8: role 'head of team' is not member, manager, coach or another role id",
        ),
        (
            ORG_CSV.replace(
                "m2,t2,Team Zuid,Afdeling,dept,manager,2024-01-01,,2019-06-01,",
                "e1,t2,Team Zuid,Afdeling,dept,member,2024-01-01,,2022-01-01,",
            ),
            "line 5: person e1 has other hired_on/left_on dates",
        ),
        (
            ORG_CSV + "e5,t2,,,,member,2024-01-01,,,\ne6,t9,,,nowhere,member,2024-01-01,,,\n",
            "unknown parent 'nowhere'",
        ),
        (
            ORG_CSV + "e5,t2,Team Zuid, Noord,Afdeling,dept,member,2024-01-01,,,\n",
            "line 9: more values than the 10 columns: put quotes around",
        ),
        (
            ORG_CSV.replace(",role,", ",rol,").replace(",start,", ",begin,"),
            "missing columns 'role', 'start'",
        ),
    ],
    ids=[
        "missing-column",
        "wrong-date",
        "bad-role",
        "conflicting-person",
        "unknown-team",
        "separator-in-value",
        "missing-columns",
    ],
)
def test_import_org_bad_csv_changes_nothing(ready, csv_text, expected):
    """Bad input: one error line naming the line and the problem; the store is unchanged."""
    db = ready.dir / "magcore.db"
    before = _events(db)
    (ready.dir / "bad.csv").write_text(csv_text)
    result = ready.run("import-org", "bad.csv")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("error: bad.csv: ")
    assert "nothing imported" in result.stderr
    assert expected in result.stderr
    assert _events(db) == before


def test_import_org_all_bad_lines_are_named(ready):
    """Several bad rows are all reported with their line numbers."""
    bad = ORG_CSV.replace("2020-02-01", "2020-02-30").replace("e4,t2", "e4,")
    (ready.dir / "bad.csv").write_text(bad)
    result = ready.run("import-org", "bad.csv")
    assert "2 problems" in result.stderr
    assert "line 5: hired_on '2020-02-30' is not a date" in result.stderr
    assert "line 8: team_id is empty" in result.stderr


def test_import_org_semicolons_and_bom(ready):
    """A Dutch spreadsheet export (semicolons, byte-order mark) imports the same."""
    (ready.dir / "nl.csv").write_bytes(b"\xef\xbb\xbf" + ORG_CSV.replace(",", ";").encode())
    assert data(ready.run("import-org", "nl.csv", "--json"))["people"] == 7


def test_import_org_missing_file(ready):
    """A file that does not exist is a usage error on one line."""
    result = ready.run("import-org", "nope.csv")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1
