"""``magcore store``: check, backup, restore, migrate and copy, and clear errors on damage."""

from __future__ import annotations

import json
import sqlite3
from urllib.parse import quote, urlsplit

import psycopg
import pytest
from click.testing import CliRunner

from magcore.cli import cli
from magcore.cli._app import App
from magcore.plugins import get_plugin_manager

from .conftest import data, make_host


def test_check_backup_damage_restore(ready):
    """A whole store checks; after its middle is overwritten every command refuses it with one
    line naming the file; restoring the backup (--replace) makes it whole again."""
    db = ready.dir / "magcore.db"
    whole = data(ready.run("store", "check", "--json"))
    assert whole["ok"] is True
    assert whole["events"] > 0
    backup = data(ready.run("store", "backup", "backup.db", "--json"))
    assert backup["events"] == whole["events"]
    assert backup["audit_entries"] == whole["audit_entries"]

    damaged = bytearray(db.read_bytes())
    page = 4096
    middle = len(damaged) // page // 2
    damaged[middle * page : (middle + 2) * page] = b"\x17" * (2 * page)
    db.write_bytes(bytes(damaged))

    for command in (("store", "check"), ("audit", "verify"), ("plan",)):
        result = ready.run(*command)
        assert result.exit_code == 1, command
        assert str(db) in result.stderr
        assert "Traceback" not in result.stderr
    check = ready.run("store", "check")
    assert "magcore store restore" in check.stderr

    restored = data(ready.run("store", "restore", "backup.db", "--replace", "--json"))
    assert restored["ok"] is True
    assert restored["events"] == whole["events"]
    assert restored["moved_aside"]
    assert data(ready.run("store", "check", "--json"))["ok"] is True


def test_an_emptied_store_is_refused_and_migrate_does_not_recreate_it(ready):
    """An emptied file is refused by every command, 'store migrate' included; it stays empty."""
    db = ready.dir / "magcore.db"
    db.write_bytes(b"")
    for command in (("store", "check"), ("store", "migrate"), ("audit", "verify")):
        result = ready.run(*command)
        assert result.exit_code == 1, command
        assert "is empty" in result.stderr
    assert db.read_bytes() == b""


def test_a_deleted_audit_head_is_one_error_line(ready):
    """audit verify on a store without its audit head: one error line naming it, no traceback."""
    conn = sqlite3.connect(ready.dir / "magcore.db")
    conn.execute("DELETE FROM audit_head")
    conn.commit()
    conn.close()
    result = ready.run("audit", "verify")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ")
    assert "audit head" in result.stderr
    assert result.stderr.count("\n") == 1


def test_copy_to_a_new_store_and_refuse_an_existing_one(ready):
    """store copy FROM TO fills a new SQLite store that then checks whole; a used one is refused."""
    source = f"sqlite:///{ready.dir / 'magcore.db'}"
    target = f"sqlite:///{ready.dir / 'copy.db'}"
    copied = data(ready.run("store", "copy", source, target, "--json"))
    assert copied["rows"]["events"] > 0
    again = ready.run("store", "copy", source, target)
    assert again.exit_code == 1
    assert "new, empty store" in again.stderr
    checked = data(ready.run("--store", target, "store", "check", "--json"))
    assert checked["ok"] is True


def test_copy_takes_the_key_file_along_so_the_encrypted_copy_opens(ready):
    """The copy gets the source's key file (mode 0600): its keyed audit lines verify and the
    encrypted record reads back; a target key file with other keys is refused first."""
    plan = ready.run("plan", "--from", "2025-01-01", "--to", "2026-01-01", "--request", "--json")
    conv = next(r["conversation"] for r in data(plan)["requested"] if r["person"] == "e1")
    summary = "Goed gesprek over werkdruk en een cursus."
    recorded = ready.run(
        "record", conv, "--as", "m1", "--held-on", "2025-03-05", "--summary", summary
    )
    assert recorded.exit_code == 0, recorded.output
    source = f"sqlite:///{ready.dir / 'magcore.db'}"
    target = f"sqlite:///{ready.dir / 'copy.db'}"
    copied = data(ready.run("store", "copy", source, target, "--json"))
    keys = ready.dir / "copy.db.keys"
    assert copied["keys"]["copied_to"] == str(keys)
    source_keys = json.loads((ready.dir / "magcore.db.keys").read_text())
    # the same keys; the record of witnessed audit logs stays with the original, and the copy's
    # key file records the copy's own log (witnessed at its place by `store copy`)
    source_chains = set(source_keys.pop("witnessed_chains"))
    copy_keys = json.loads(keys.read_text())
    copy_chains = set(copy_keys.pop("witnessed_chains"))
    assert copy_keys == source_keys
    assert len(source_chains) == len(copy_chains) == 2
    assert len(source_chains & copy_chains) == 1  # the first line alone: the same log
    assert keys.stat().st_mode & 0o777 == 0o600
    assert data(ready.run("--store", target, "store", "check", "--json"))["ok"] is True
    (ready.dir / "magcore.db").unlink()
    (ready.dir / "magcore.db.keys").unlink()
    exported = ready.run("--store", target, "export", "records", "--as", "e1", "--json")
    assert exported.exit_code == 0, exported.output
    assert summary in exported.stdout

    other = ready.dir / "other.db.keys"
    other.write_text("{}")
    other.chmod(0o600)
    refused = ready.run("store", "copy", target, f"sqlite:///{ready.dir / 'other.db'}")
    assert refused.exit_code == 1
    assert "other keys" in refused.stderr
    assert not (ready.dir / "other.db").exists()
    assert other.read_text() == "{}"


def test_a_refused_copy_leaves_no_new_file(ready):
    """A copy that cannot start (an unknown table) removes the store it created for itself."""
    source_path = ready.dir / "magcore.db"
    conn = sqlite3.connect(source_path)
    conn.execute("CREATE TABLE person_keys (person TEXT PRIMARY KEY)")
    conn.commit()
    conn.close()
    result = ready.run("store", "copy", f"sqlite:///{source_path}", "sqlite:///new.db")
    assert result.exit_code == 1
    assert "person_keys" in result.stderr
    assert not (ready.dir / "new.db").exists()


def test_import_org_lists_every_problem_beyond_five(ready):
    """With more than five problems each is printed on its own line, then the one error line."""
    from magcore.model.orgroles import org_role_problem

    rows = "".join(f"p{n},t1,,,,head of team,2024-01-01,,,\n" for n in range(8))
    header = "person_id,team_id,team_name,department,parent_team_id,role,start,end,hired_on,left_on"
    (ready.dir / "bad.csv").write_text(header + "\n" + rows)
    result = ready.run("import-org", "bad.csv")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[:8] == [f"line {n + 2}: {org_role_problem('head of team')}" for n in range(8)]
    assert "is not member, manager, coach or another role id" in lines[0]
    assert lines[8].startswith("error: bad.csv: 8 problems, nothing imported")


@pytest.mark.postgres
def test_backup_of_a_postgresql_store_explains_pg_dump(workdir, postgresql_url):
    """For PostgreSQL the backup command says how to use pg_dump (exit 1), without the password."""
    plugin = pytest.importorskip("magcore_postgres.plugin")
    schema = "cli_backup"
    with psycopg.connect(postgresql_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    url = f"{postgresql_url}?options={quote(f'-csearch_path={schema}')}"
    host = get_plugin_manager(load_entry_points=False, extra=[("magcore-postgres", plugin)])
    try:
        host.hooks.open_store(url).close()  # creates the schema
        app = App(config_path=workdir / "magcore.toml", host=host)
        result = CliRunner().invoke(
            cli, ["--store", url, "store", "backup", "b.db"], obj=app, catch_exceptions=False
        )
        assert result.exit_code == 1
        assert "pg_dump" in result.stderr
        password = urlsplit(postgresql_url).password
        assert password
        assert password not in result.stderr
        assert not (workdir / "b.db").exists()
    finally:
        with psycopg.connect(postgresql_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def test_store_without_a_settings_file_uses_the_defaults_for_the_rest(ready, workdir, monkeypatch):
    """`--store` names a store when there is no settings file (the demo's, a copy): the other
    settings keep their defaults; without `--store` the missing file is still an error."""
    other = workdir / "elsewhere"
    other.mkdir()
    monkeypatch.chdir(other)
    target = f"sqlite:///{ready.dir / 'magcore.db'}"
    app = App(config_path=other / "magcore.toml", host=make_host("employee-manager.json"))
    runner = CliRunner()
    checked = runner.invoke(cli, ["--store", target, "audit", "verify"], obj=app)
    assert checked.exit_code == 0, checked.output
    assert "intact" in checked.output
    app = App(config_path=other / "magcore.toml", host=make_host("employee-manager.json"))
    missing = runner.invoke(cli, ["audit", "verify"], obj=app)
    assert missing.exit_code != 0, missing.output
    assert "magcore init" in missing.output


@pytest.fixture
def shared_key_folder(workdir, monkeypatch):
    """One key folder for every store of the test (``MAGCORE_KEY_FOLDER``), from the start."""
    folder = workdir / "keys"
    folder.mkdir()
    monkeypatch.setenv("MAGCORE_KEY_FOLDER", str(folder))
    return folder


def test_a_copy_under_a_shared_key_folder_lives_beside_its_original(shared_key_folder, ready):
    """`store copy` with one key folder for both: the original takes lines first, then the
    copy, then the original again; neither is taken for the other set back (both verify)."""
    source = f"sqlite:///{ready.dir / 'magcore.db'}"
    target = f"sqlite:///{ready.dir / 'copy.db'}"
    copied = data(ready.run("store", "copy", source, target, "--json"))
    assert copied["keys"]["shared"] == str(shared_key_folder / "magcore-keys.json")
    period = ("--from", "2025-01-01", "--to", "2026-01-01", "--request")
    for store in (source, target, source):
        planned = ready.run("--store", store, "plan", *period)
        assert planned.exit_code == 0, planned.output
    for store in (source, target):
        verified = ready.run("--store", store, "audit", "verify")
        assert verified.exit_code == 0, verified.output


def _agreed_by_cli(ready) -> str:
    """e1's conversation requested, recorded with two agreements and agreed by both."""
    conv = data(
        ready.run("plan", "--from", "2025-01-01", "--to", "2026-01-01", "--request", "--json")
    )["requested"]
    (e1,) = [r["conversation"] for r in conv if r["person"] == "e1"]
    ready.run(
        "record",
        e1,
        "--as",
        "m1",
        "--held-on",
        "2025-03-05",
        "--summary",
        "Goed gesprek.",
        "--agreement",
        "employee: Zoekt een cursus uit",
        "--agreement",
        "Over drie maanden",
    )
    for person in ("e1", "m1"):
        assert ready.run("agree", e1, "--as", person).exit_code == 0
    return e1


def _rows(db) -> list[tuple]:
    conn = sqlite3.connect(db)
    rows = [
        *conn.execute("SELECT * FROM conversations ORDER BY id"),
        *conn.execute("SELECT * FROM agreements ORDER BY conversation, position"),
        *conn.execute("SELECT * FROM conversation_people ORDER BY conversation, person"),
        *conn.execute("SELECT count(*) FROM audit"),
    ]
    conn.close()
    return rows


def test_repair_read_models_writes_back_edited_rows(ready):
    """store check names the edited rows and points at repair-read-models; the repair puts
    them right with one audit line; afterwards check and audit verify pass, and a second
    repair changes nothing."""
    e1 = _agreed_by_cli(ready)
    db = ready.dir / "magcore.db"
    conn = sqlite3.connect(db)
    conn.execute("UPDATE conversations SET subject = 'e2' WHERE id = ?", (e1,))
    conn.execute("DELETE FROM agreements WHERE conversation = ? AND position = 1", (e1,))
    conn.execute(
        "INSERT INTO agreements VALUES (?, 5, 'a9', 'e2', 'employee', 'open', NULL, NULL)", (e1,)
    )
    conn.commit()
    conn.close()
    check = ready.run("store", "check")
    assert check.exit_code == 1
    assert "magcore store repair-read-models" in check.stderr

    repaired = data(ready.run("store", "repair-read-models", "--json"))
    assert repaired["ok"] is True
    assert repaired["changed"] is True
    assert repaired["conversations"] == {"inserted": [], "replaced": [e1], "deleted": []}
    assert repaired["agreements"]["inserted"] == [f"{e1}#a2"]
    assert repaired["agreements"]["deleted"] == [f"{e1}#a9"]
    assert repaired["problems"] == []
    assert data(ready.run("store", "check", "--json"))["ok"] is True
    verified = ready.run("audit", "verify")
    assert verified.exit_code == 0, verified.output
    conn = sqlite3.connect(db)
    (reason,) = conn.execute(
        "SELECT reason FROM audit WHERE action = 'read-models.repaired'"
    ).fetchone()
    conn.close()
    assert e1 in reason
    assert "cursus" not in reason

    again = ready.run("store", "repair-read-models")
    assert again.exit_code == 0
    assert "nothing was changed" in again.stdout


def test_repair_read_models_refuses_a_store_whose_events_were_edited(ready):
    """An edited event (its audit line no longer matches): refused with one error line, exit
    1, and not one row or audit line written."""
    e1 = _agreed_by_cli(ready)
    db = ready.dir / "magcore.db"
    conn = sqlite3.connect(db)
    conn.execute("UPDATE conversations SET subject = 'e2' WHERE id = ?", (e1,))
    conn.execute(
        "UPDATE events SET actor = 'e2' WHERE stream = ? AND version = 1", (f"conversation:{e1}",)
    )
    conn.commit()
    conn.close()
    before = _rows(db)
    result = ready.run("store", "repair-read-models")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: the read models of ")
    assert "audit log does not verify" in result.stderr
    assert result.stderr.count("\n") == 1
    assert _rows(db) == before


def test_repair_read_models_refuses_without_the_key_file(ready):
    """Without the key file the chain cannot be verified with its keys: refused, nothing
    written, the key file named as the reason."""
    e1 = _agreed_by_cli(ready)
    db = ready.dir / "magcore.db"
    conn = sqlite3.connect(db)
    conn.execute("UPDATE conversations SET subject = 'e2' WHERE id = ?", (e1,))
    conn.commit()
    conn.close()
    keys = ready.dir / "magcore.db.keys"
    assert keys.exists()
    keys.rename(ready.dir / "aside.keys")
    before = _rows(db)
    result = ready.run("store", "repair-read-models")
    assert result.exit_code == 1
    assert "no key provider is found" in result.stderr
    assert _rows(db) == before
