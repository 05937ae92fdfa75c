"""``magcore privacy restrict|lift|erase|due``: the privacy officer named in ``[roles]`` of
magcore.toml decides; anyone else is refused with one line and nothing changes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import data
from .test_reports_and_exports import held  # noqa: F401 - a fixture


@pytest.fixture
def officer(held):  # noqa: F811 - the fixture above
    """The held store with m2 named privacy officer in magcore.toml."""
    config = held.dir / "magcore.toml"
    config.write_text(
        config.read_text(encoding="utf-8") + '\n[roles]\nm2 = ["privacy_officer"]\n',
        encoding="utf-8",
    )
    return held


def _summaries(run, actor):
    """The summaries *actor* reads of e1's conversations."""
    records = json.loads(run("export", "records", "--as", actor).stdout)
    return [r["summary"] for r in records if r["subject"] == "e1"]


def test_the_officer_restricts_and_lifts_a_conversation(officer):
    conv = officer.conversations["e1"]
    restricted = data(
        officer.run(
            "privacy", "restrict", "e1", "--as", "m2", "--reason", "juistheid betwist",
            "--conversation", conv, "--json",
        )
    )  # fmt: skip
    assert restricted == {"person": "e1", "everything": False, "conversations": [conv]}
    assert _summaries(officer.run, "m1") == []  # restricted: not even listed
    lifted = officer.run("privacy", "lift", "e1", "--as", "m2", "--conversation", conv)
    assert lifted.exit_code == 0, lifted.output
    assert f"the restriction of conversation {conv} is lifted" in lifted.output
    assert "nothing is restricted" in lifted.output
    assert _summaries(officer.run, "m1") == ["Over loopbaan"]


def test_lift_says_when_nothing_was_restricted(officer):
    """Lifting what is not restricted changes nothing and is no error: it says so, where it
    used to print what a lifting prints."""
    conv = officer.conversations["e1"]
    args = ("privacy", "lift", "e1", "--as", "m2", "--conversation", conv)
    nothing = officer.run(*args)
    assert nothing.exit_code == 0, nothing.output
    assert f"conversation {conv} was not restricted: nothing changed" in nothing.output
    assert "is lifted" not in nothing.output
    assert data(officer.run(*args, "--json"))["lifted"] is False
    officer.run("privacy", "restrict", "e1", "--as", "m2", "--reason", "bezwaar")
    whole = officer.run("privacy", "lift", "e1", "--as", "m2", "--json")
    assert data(whole) == {"person": "e1", "everything": False, "conversations": [], "lifted": True}
    again = officer.run("privacy", "lift", "e1", "--as", "m2")
    assert again.exit_code == 0
    assert "the whole record was not restricted: nothing changed" in again.output


def test_the_officer_erases_after_confirming(officer):
    refused = officer.run(
        "privacy", "erase", "e1", "--as", "m2", "--ground", "request", input="n\n"
    )
    assert refused.exit_code == 1
    assert _summaries(officer.run, "e1") == ["Over loopbaan"]
    erased = data(
        officer.run(
            "privacy", "erase", "e1", "--as", "m2", "--ground", "request",
            "--reference", "ZAAK-2025-0012", "--yes", "--json",
        )
    )  # fmt: skip
    assert erased["keys_destroyed"] >= 1
    assert f"conversation:{officer.conversations['e1']}" in erased["records"]
    assert _summaries(officer.run, "e1") == []


@pytest.mark.parametrize(
    "args",
    [
        ("restrict", "e1", "--as", "m1", "--reason", "r"),
        ("lift", "e1", "--as", "e1"),
        ("erase", "e1", "--as", "e1", "--ground", "request", "--yes"),
    ],
)
def test_anyone_else_is_refused_in_one_line(officer, args):
    """The manager and the employee are no privacy officer: one line naming why and the
    option at fault, no traceback, and the record reads as before."""
    result = officer.run("privacy", *args)
    assert result.exit_code != 0
    assert "privacy officer decides" in result.output
    assert "--as must name a privacy officer" in result.output
    assert "Traceback" not in result.output
    assert _summaries(officer.run, "e1") == ["Over loopbaan"]


def test_without_roles_in_the_settings_nobody_is_the_officer(held):  # noqa: F811
    result = held.run("privacy", "restrict", "e1", "--as", "m2", "--reason", "r")
    assert result.exit_code != 0
    assert "privacy officer decides" in result.output
    assert "[roles] table of magcore.toml" in result.output


def test_a_reference_in_words_names_the_option_and_erases_nothing(officer):
    result = officer.run(
        "privacy", "erase", "e1", "--as", "m2", "--ground", "request",
        "--reference", "na een burn-out", "--yes",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--reference" in result.output
    assert "burn-out" not in result.output
    assert _summaries(officer.run, "e1") == ["Over loopbaan"]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('[roles]\nm2 = ["privacy_oficer"]\n', "roles.m2: unknown role 'privacy_oficer'"),
        ('[roles]\n"not an id!" = ["privacy_officer"]\n', "is not a person id"),
        ('[roles]\nm2 = "privacy_officer"\n', "must be a list of role names"),
        ('roles = "m2"\n', "roles must be a table"),
    ],
)
def test_a_malformed_roles_table_is_named(held, table, message):  # noqa: F811
    config = held.dir / "magcore.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n" + table, encoding="utf-8")
    result = held.run("privacy", "lift", "e1", "--as", "m2")
    assert result.exit_code != 0
    assert message in result.output


def _listing_lines(folder: Any) -> list[tuple[str, str, str]]:
    """The audit lines of the lists of conversations due for destruction: actor, result,
    purpose."""
    from magcore import open_service

    service = open_service(f"sqlite:///{folder.dir / 'magcore.db'}")
    try:
        return [
            (line["actor"], line["result"], line["purpose"])
            for line in service.store.read_audit()
            if line["action"] == "list-destruction-due"
        ]
    finally:
        service.close()


def test_the_officer_lists_what_is_due_for_destruction(officer, monkeypatch):
    """e1's conversation was agreed on 10 March 2025: due five years later
    (selectielijst-2020). Ids, profile and day only; each listing is an audit line."""
    conv = officer.conversations["e1"]
    early = officer.run("privacy", "due", "--as", "m2")
    assert early.exit_code == 0, early.output
    assert "Nothing is due for destruction on 2025-03-10." in early.output
    monkeypatch.setenv("MAGCORE_NOW", "2031-01-06T09:00:00+00:00")
    listed = data(officer.run("privacy", "due", "--as", "m2", "--json"))
    assert listed == {
        "on": "2031-01-06",
        "due": [{"conversation": conv, "profile": "selectielijst-2020", "due": "2030-03-10"}],
    }
    shown = officer.run("privacy", "due", "--as", "m2")
    assert shown.exit_code == 0, shown.output
    assert conv in shown.output
    assert "Over loopbaan" not in shown.output
    assert _listing_lines(officer) == [("m2", "allowed", "retention")] * 3


@pytest.mark.parametrize("actor", ["m1", "e1", "nobody"])
def test_anyone_else_gets_no_list_and_the_refusal_is_audited(officer, monkeypatch, actor):
    monkeypatch.setenv("MAGCORE_NOW", "2031-01-06T09:00:00+00:00")
    result = officer.run("privacy", "due", "--as", actor)
    assert result.exit_code == 1
    assert "privacy officer" in result.output
    assert "--as must name a privacy officer in the [roles] table" in result.output
    assert officer.conversations["e1"] not in result.output
    assert "Traceback" not in result.output
    assert _listing_lines(officer) == [(actor, "denied", "retention")]


def test_an_as_that_is_no_id_is_named(officer):
    result = officer.run("privacy", "due", "--as", "not an id!")
    assert result.exit_code == 2
    assert "--as" in result.output
    assert _listing_lines(officer) == []
