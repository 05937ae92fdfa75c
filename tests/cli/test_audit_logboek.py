"""``magcore audit logboek``: the audit log as Logboek Dataverwerkingen records, from the shell."""

from __future__ import annotations

import json
import os
import sqlite3
import stat

import pytest

pytest.importorskip("opentelemetry.sdk")


@pytest.fixture
def ready(ready):
    """The small organisation with its conversations of 2025 requested."""
    result = ready.run("plan", "--from", "2025-01-01", "--to", "2026-01-01", "--request")
    assert result.exit_code == 0, result.output
    return ready


def _records(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _values(record):
    return {a["key"]: a["value"] for a in record["attributes"]}


def test_export_names_people_by_pseudonym_and_is_audited(ready):
    target = ready.dir / "logboek.jsonl"
    result = ready.run("audit", "logboek", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert "records written" in result.output
    records = _records(target)
    subjects = [_values(r).get("dpl.core.data_subject_id") for r in records]
    assert any(subjects)
    assert "e1" not in subjects  # a person of the organisation, never in clear by default
    again = ready.dir / "again.jsonl"
    assert ready.run("audit", "logboek", "-o", str(again)).exit_code == 0
    last = _values(_records(again)[-1])
    assert last["dpl.magcore.object"].startswith("audit:logboek/")  # the first export's line
    assert ready.run("audit", "verify").exit_code == 0


def test_clear_ids_and_own_register(ready):
    result = ready.run(
        "audit", "logboek", "--clear-ids", "--register", "https://hr.example.nl/register"
    )
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    values = [_values(r) for r in records]
    assert all(
        v["dpl.core.processing_activity_id"].startswith("https://hr.example.nl/register#")
        for v in values
    )
    subjects = {v.get("dpl.core.data_subject_id") for v in values}
    assert subjects & {"e1", "e2", "e3", "e4", "m1", "m2", "boss"}


def test_after_exports_only_later_lines(ready):
    everything = [json.loads(x) for x in ready.run("audit", "logboek").stdout.splitlines()]
    later = [
        json.loads(x) for x in ready.run("audit", "logboek", "--after", "3").stdout.splitlines()
    ]
    assert _values(later[0])["dpl.magcore.audit_seq"] == 4
    assert len(later) == len(everything) + 1 - 3  # plus the first export's own line


def _audit(db):
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT * FROM audit ORDER BY seq").fetchall()
    finally:
        conn.close()


def _refused(result, option):
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: Invalid value for '{option}': "), result.stderr
    assert result.stderr.count("\n") == 1, result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("--after", "99999999999999999999999"),
        ("--after", str(2**63)),
        ("--as", "\x1b[31mx"),
        ("--as", "\u202ex"),
        ("--as", "../x"),
        ("--as", ""),
        ("--register", "https://hr.example.nl/\ud800"),
        ("--register", "https://hr.example.nl/\u202eregister"),
        ("--register", "https://hr.example.nl/\x1b[2J"),
        ("--register", "not a url"),
        ("--register", "http://[::1"),
    ],
    ids=[
        "after-huge",
        "after-2**63",
        "as-escape",
        "as-bidi",
        "as-path",
        "as-empty",
        "register-surrogate",
        "register-bidi",
        "register-escape",
        "register-no-url",
        "register-bad-url",
    ],
)
def test_bad_options_are_refused_before_anything_is_written(ready, args):
    """--after beyond SQLite's integers, --as that is not an id, --register that is not a clean
    address: one line naming the option, no audit line, no output file."""
    db = ready.dir / "magcore.db"
    before = _audit(db)
    target = ready.dir / "logboek.jsonl"
    result = ready.run("audit", "logboek", "--clear-ids", "-o", str(target), *args)
    _refused(result, args[0])
    assert _audit(db) == before
    assert not target.exists()


def test_the_largest_after_exports_nothing(ready):
    result = ready.run("audit", "logboek", "--clear-ids", "--after", str(2**63 - 1))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX file modes")
def test_the_file_is_for_its_owner_only(ready):
    """Review of 2026-12-06: ``-o`` wrote the Logboek (who was read, for what, of whom; with
    ``--clear-ids`` every person in clear) with the umask's mode, ``0644`` on most systems,
    while every export of personal data is ``0600``; and it wrote through a link left at the
    path."""
    elsewhere = ready.dir / "elsewhere.txt"
    elsewhere.write_text("kept\n", encoding="utf-8")
    target = ready.dir / "logboek.jsonl"
    target.symlink_to(elsewhere)
    old = os.umask(0o022)
    try:
        result = ready.run("audit", "logboek", "--clear-ids", "-o", str(target))
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert not target.is_symlink()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert elsewhere.read_text(encoding="utf-8") == "kept\n"
    assert _records(target)
