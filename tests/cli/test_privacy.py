"""``magcore privacy restrict|lift|erase``: the privacy officer named in ``[roles]`` of
magcore.toml decides; anyone else is refused with one line and nothing changes."""

from __future__ import annotations

import json

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
    assert "nothing is restricted" in lifted.output
    assert _summaries(officer.run, "m1") == ["Over loopbaan"]


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
    """The manager and the employee are no privacy officer: one line naming why, no
    traceback, and the record reads as before."""
    result = officer.run("privacy", *args)
    assert result.exit_code != 0
    assert "privacy officer decides" in result.output
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
