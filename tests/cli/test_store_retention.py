"""``magcore store retention``: the retention job, run from a scheduler.

Before, the job was a recipe in the operations guide (two library calls), and the privacy
page said retention terms were applied automatically: nothing applied them.
"""

from __future__ import annotations

from typing import Any

from .conftest import data
from .test_privacy import _summaries
from .test_reports_and_exports import held  # noqa: F401 - a fixture

#: A day after e1's conversation (agreed 10 March 2025) passed its five-year term.
LATER = "2031-01-06T09:00:00+00:00"


def _lines(folder: Any) -> list[dict[str, str]]:
    from magcore import open_service

    service = open_service(f"sqlite:///{folder.dir / 'magcore.db'}")
    try:
        return [dict(line) for line in service.store.read_audit()]
    finally:
        service.close()


def test_nothing_is_destroyed_before_the_term_ends(held):  # noqa: F811
    ran = data(held.run("store", "retention", "--json"))
    assert ran == {
        "today": "2025-03-10",
        "dry_run": False,
        "destroyed": 0,
        "by_profile": {},
        "held": 0,
        "again": 0,
        "failed": 0,
    }
    assert _summaries(held.run, "e1") == ["Over loopbaan"]


def test_a_dry_run_says_what_would_go_and_changes_nothing(held, monkeypatch):  # noqa: F811
    monkeypatch.setenv("MAGCORE_NOW", LATER)
    before = len(_lines(held))
    ran = data(held.run("store", "retention", "--dry-run", "--json"))
    assert ran["dry_run"] is True
    assert (ran["destroyed"], ran["by_profile"]) == (1, {"selectielijst-2020": 1})
    assert len(_lines(held)) == before  # nothing written
    assert _summaries(held.run, "e1") == ["Over loopbaan"]
    said = held.run("store", "retention", "--dry-run")
    assert said.exit_code == 0, said.output
    assert "Would destroy 1 conversation(s)" in said.output
    assert held.conversations["e1"] not in said.output  # counts only


def test_the_job_destroys_what_is_due_once_with_its_audit_lines(held, monkeypatch):  # noqa: F811
    monkeypatch.setenv("MAGCORE_NOW", LATER)
    conversation = held.conversations["e1"]
    ran = data(held.run("store", "retention", "--json"))
    assert (ran["destroyed"], ran["by_profile"], ran["again"]) == (
        1,
        {"selectielijst-2020": 1},
        0,
    )
    [line] = [x for x in _lines(held) if x["action"] == "destroy"]
    assert (line["actor"], line["object"], line["purpose"]) == (
        "system",
        f"conversation:{conversation}",
        "retention",
    )
    assert line["origin"].startswith("cli")  # the account that ran the job
    assert _summaries(held.run, "e1") == []  # its record is gone for everyone
    again = data(held.run("store", "retention", "--json"))
    assert (again["destroyed"], again["again"]) == (0, 0)  # destroyed ones are not gone over
    over = data(held.run("store", "retention", "--again", "--json"))
    assert (over["destroyed"], over["again"]) == (0, 1)  # unless asked (an upgraded store)
    assert len([x for x in _lines(held) if x["action"] == "destroy"]) == 1
    said = held.run("store", "retention")
    assert said.exit_code == 0, said.output
    assert "Destroyed 0 conversation(s)" in said.output


def test_a_conversation_that_cannot_be_destroyed_exits_with_1_after_the_others(
    held,  # noqa: F811
    monkeypatch,
):
    from magcore.app import destruction
    from magcore.errors import StorageError

    real = destruction.destroy_conversation

    def refusing(store, conversation, **kwargs):
        raise StorageError("the disk is full")

    monkeypatch.setenv("MAGCORE_NOW", LATER)
    monkeypatch.setattr(destruction, "destroy_conversation", refusing)
    failed = held.run("store", "retention")
    assert failed.exit_code == 1
    assert "1 conversation(s) could not be checked or destroyed" in failed.output
    assert held.conversations["e1"] not in failed.stdout  # the log names it, not the output
    monkeypatch.setattr(destruction, "destroy_conversation", real)
    assert data(held.run("store", "retention", "--json"))["destroyed"] == 1
