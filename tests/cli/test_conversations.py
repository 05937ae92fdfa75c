"""``magcore plan``, ``due``, ``schedule``, ``record``, ``agree`` and ``dissent``."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from magcore.cli._common import operator

from .conftest import data


def _events(ready) -> int:
    with sqlite3.connect(ready.dir / "magcore.db") as conn:
        return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])


def _request(ready) -> dict[str, str]:
    """Request this year's conversations; person → conversation id."""
    result = data(
        ready.run("plan", "--from", "2025-01-01", "--to", "2026-01-01", "--request", "--json")
    )
    return {r["person"]: r["conversation"] for r in result["requested"]}


def test_plan_lists_who_is_due(ready):
    """Everyone with a manager is due one yearly conversation with that manager."""
    result = data(ready.run("plan", "--from", "2025-01-01", "--to", "2026-01-01", "--json"))
    due = {item["person"]: item["manager"] for item in result["due"]}
    assert due == {"e1": "m1", "e2": "m1", "e3": "m2", "e4": "m2", "m1": "boss", "m2": "boss"}
    assert result["requested"] == []


def test_plan_filters_by_manager_and_team(ready):
    """--manager and --team narrow the plan."""
    by_manager = data(
        ready.run("plan", "--from", "2025-01-01", "--to", "2026-01-01", "--manager", "m2", "--json")
    )
    assert {i["person"] for i in by_manager["due"]} == {"e3", "e4"}
    by_team = data(
        ready.run("plan", "--from", "2025-01-01", "--to", "2026-01-01", "--team", "t1", "--json")
    )
    assert {i["person"] for i in by_team["due"]} == {"e1", "e2"}


def test_plan_request_is_idempotent(ready):
    """--request requests each due conversation once; a second run requests nothing."""
    first = _request(ready)
    assert set(first) == {"e1", "e2", "e3", "e4", "m1", "m2"}
    assert _request(ready) == {}


def test_plan_request_names_the_conversations(ready):
    """Without --json, --request prints each new conversation's id (schedule needs it)."""
    result = ready.run("plan", "--from", "2025-01-01", "--to", "2026-01-01", "--request")
    assert result.exit_code == 0, result.output
    ids = data(ready.run("export", "records", "--as", "m1", "--json"))
    assert ids, "m1 takes part in the requested conversations"
    for record in ids:
        assert record["id"] in result.stdout
    assert "magcore schedule" in result.stdout
    again = ready.run("plan", "--from", "2025-01-01", "--to", "2026-01-01", "--request")
    assert "requested before" in again.stdout


def test_plan_bad_period(ready):
    """A period that ends before it starts is a one-line usage error."""
    result = ready.run("plan", "--from", "2025-05-01", "--to", "2025-01-01")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "must be after" in result.stderr


def test_due_groups_by_manager_and_team(ready):
    """due lists who has not had their conversation, grouped as asked."""
    by_manager = data(ready.run("due", "--on", "2025-12-31", "--json"))
    assert {k: sorted(r["person"] for r in v) for k, v in by_manager["groups"].items()} == {
        "boss": ["m1", "m2"],
        "m1": ["e1", "e2"],
        "m2": ["e3", "e4"],
    }
    by_team = data(ready.run("due", "--on", "2025-12-31", "--by", "team", "--json"))
    assert sorted(by_team["groups"]) == ["(no team)", "t1", "t2"]
    assert sorted(r["person"] for r in by_team["groups"]["(no team)"]) == ["m1", "m2"]


def test_full_conversation_through_the_cli(ready):
    """schedule → record → agree by both → dissent; due no longer lists the employee."""
    conv = _request(ready)["e1"]
    scheduled = data(
        ready.run("schedule", conv, "--on", "2025-03-05T10:00", "--as", "m1", "--json")
    )
    assert scheduled["state"] == "scheduled"
    recorded = data(
        ready.run(
            "record",
            conv,
            "--as",
            "m1",
            "--held-on",
            "2025-03-05",
            "--summary",
            "Goed gesprek over werkdruk en een cursus.",
            "--agreement",
            "employee: Zoekt een cursus uit",
            "--agreement",
            "Over drie maanden praten",
            "--json",
        )
    )
    assert recorded["state"] == "record_drafted"
    assert recorded["revision"] == 1
    first = data(ready.run("agree", conv, "--as", "e1", "--json"))
    assert first["state"] == "record_drafted"
    assert first["confirmed_by"] == ["e1"]
    second = data(ready.run("agree", conv, "--as", "m1", "--json"))
    assert second["state"] == "agreed"
    dissent = ready.run("dissent", conv, "Ik zie de werkdruk anders.", "--as", "e1")
    assert dissent.exit_code == 0
    assert "note of disagreement" in dissent.stdout
    due = data(ready.run("due", "--on", "2025-12-31", "--manager", "m1", "--json"))
    assert "m1" not in due["groups"], "e1's was held, e2's requested: nobody is left due"


def test_due_leaves_out_a_requested_conversation(ready):
    """A conversation requested (not yet held) answers the due one: due and plan --request
    agree on what is still to do."""
    _request(ready)
    due = data(ready.run("due", "--on", "2025-12-31", "--json"))
    assert due["groups"] == {}


def test_record_on_paper(ready):
    """--paper registers a held conversation with its agreements on paper."""
    conv = _request(ready)["e3"]
    result = data(
        ready.run("record", conv, "--paper", "--held-on", "2025-02-01", "--as", "m2", "--json")
    )
    assert result["state"] == "record_drafted"


@pytest.mark.parametrize(
    ("args", "expected", "code"),
    [
        (
            ("record", "{conv}", "--as", "stranger", "--summary", "x"),
            "stranger does not take part",
            1,
        ),
        (("record", "{conv}", "--as", "m1", "--agreement", "employee:   "), "must not be empty", 1),
        (
            ("record", "{conv}", "--as", "m1", "--held-on", "2025-02-30"),
            "'2025-02-30' is not a date",
            2,
        ),
        (("record", "nope", "--as", "m1"), "unknown conversation 'nope'", 1),
        (("agree", "{conv}", "--as", "m1"), "there is no record yet", 1),
        (("dissent", "{conv}", "Niet eens", "--as", "e1"), "note of disagreement is not", 1),
        (("schedule", "{conv}", "--on", "tomorrow", "--as", "m1"), "is not a date and time", 2),
    ],
    ids=[
        "unknown-person",
        "empty-agreement",
        "wrong-date",
        "unknown-conversation",
        "agree-too-early",
        "dissent-too-early",
        "bad-moment",
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(ready, args, expected, code):
    """Bad input: a one-line error, a non-zero exit and the same number of events."""
    conv = _request(ready)["e1"]
    before = _events(ready)
    result = ready.run(*(a.format(conv=conv) for a in args))
    assert result.exit_code == code
    assert result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1, result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.output
    assert _events(ready) == before


def _due_lines(ready: Any) -> list[Any]:
    from magcore import open_service

    service = open_service(f"sqlite:///{ready.dir / 'magcore.db'}")
    try:
        return [x for x in service.store.read_audit() if x["action"] == "list-due"]
    finally:
        service.close()


def test_due_comes_through_the_gateway_with_an_audit_line(ready):
    """The organisation's list for planning, asked by whoever runs the command; with --as, a
    manager's own (the people they manage); each with its line (there was none)."""
    data(ready.run("due", "--on", "2025-12-31", "--json"))
    [line] = _due_lines(ready)
    assert line["actor"].startswith("cli")
    assert (line["purpose"], line["result"]) == ("planning", "allowed")
    assert line["origin"] == operator()  # the account that ran the command: cli:<login>
    assert line["origin"].startswith("cli")
    mine = data(ready.run("due", "--on", "2025-12-31", "--as", "m1", "--json"))
    assert {k: sorted(r["person"] for r in v) for k, v in mine["groups"].items()} == {
        "m1": ["e1", "e2"]
    }
    last = _due_lines(ready)[-1]
    assert (last["actor"], last["object"]) == ("m1", "listing:m1/due")
    assert last["purpose"] == "conversation"
    assert ready.run("due", "--as", "nobody").exit_code == 2


def test_due_as_the_hr_adviser_of_the_settings_lists_the_organisation(ready):
    """--as someone the [roles] table makes HR adviser gives the organisation's list for
    planning, under their name; --as someone who manages nobody and plans nothing is told so,
    naming --as (it printed 'Nobody is due', as if nobody were)."""
    config = ready.dir / "magcore.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + '\n[roles]\ne4 = ["hr_adviser"]\nextern = ["hr_adviser"]\n',
        encoding="utf-8",
    )
    planned = data(ready.run("due", "--on", "2025-12-31", "--as", "e4", "--json"))
    everyone = data(ready.run("due", "--on", "2025-12-31", "--json"))
    assert planned["groups"] == everyone["groups"]
    # an HR adviser from outside the organisation too (it never held them)
    outside = data(ready.run("due", "--on", "2025-12-31", "--as", "extern", "--json"))
    assert outside["groups"] == everyone["groups"]
    line = [entry for entry in _due_lines(ready) if entry["actor"] == "e4"][-1]
    assert (line["purpose"], line["result"]) == ("planning", "allowed")
    refused = ready.run("due", "--on", "2025-12-31", "--as", "e1")
    assert refused.exit_code == 2
    assert "--as" in refused.output
    assert "manages nobody" in refused.output


def test_next_years_request_carries_open_agreements_and_audits_every_event(ready, monkeypatch):
    """``plan --request`` for the next year brings each person's open agreements into their
    new conversation (sealed as any content), writes one audit line per stored event, and a
    rerun requests nothing."""
    from collections import Counter

    from magcore import open_service

    conv = _request(ready)["e1"]
    data(
        ready.run(
            "record",
            conv,
            "--as",
            "m1",
            "--held-on",
            "2025-03-05",
            "--agreement",
            "employee: Zoekt een cursus uit",
            "--agreement",
            "Over drie maanden praten",
            "--json",
        )
    )
    data(ready.run("agree", conv, "--as", "e1", "--json"))
    assert data(ready.run("agree", conv, "--as", "m1", "--json"))["state"] == "agreed"
    with sqlite3.connect(ready.dir / "magcore.db") as db:
        events_before = db.execute("SELECT max(position) FROM events").fetchone()[0]
    monkeypatch.setenv("MAGCORE_NOW", "2026-01-05T09:00:00+00:00")
    period = ("--from", "2026-01-01", "--to", "2027-01-01")
    result = data(ready.run("plan", *period, "--request", "--json"))
    new = {r["person"]: r["conversation"] for r in result["requested"]}
    assert set(new) == {"e1", "e2", "e3", "e4", "m1", "m2"}
    service = open_service(f"sqlite:///{ready.dir / 'magcore.db'}")
    try:
        carried = {p: service._load(c).carried_forward for p, c in new.items()}
        lines = Counter(x["object"] for x in service.store.read_audit())
    finally:
        service.close()
    assert [(a.text, a.carried_from.split("#")[0]) for a in carried["e1"]] == [
        ("Zoekt een cursus uit", conv),
        ("Over drie maanden praten", conv),
    ]
    assert all(carried[p] == () for p in new if p != "e1")
    with sqlite3.connect(ready.dir / "magcore.db") as db:
        stored = db.execute(
            "SELECT stream, version, data FROM events WHERE position > ?", (events_before,)
        ).fetchall()
    assert all(lines[f"{stream}/{version}"] == 1 for stream, version, _ in stored)
    assert len(stored) == len(new)  # the cycle and its forms were kept before: only requests
    assert not any("cursus" in text for _, _, text in stored)  # sealed, not in clear
    assert ready.run("audit", "verify").exit_code == 0
    assert data(ready.run("plan", *period, "--request", "--json"))["requested"] == []
