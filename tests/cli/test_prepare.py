"""``magcore prepare``: both sides prepare from a shell, blind until both published."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from .test_record_form import mag  # noqa: F401 - the fixture

__all__: list[str] = []


def _events(folder: Path) -> int:
    with sqlite3.connect(folder / "magcore.db") as conn:
        return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])


def test_both_sides_prepare_and_see_each_other_only_once_both_published(mag):  # noqa: F811
    run, conv, folder = mag
    (folder / "prep.json").write_text(
        json.dumps({"going_well": "Het project liep goed."}), encoding="utf-8"
    )
    saved = run("prepare", conv, "--as", "e1", "--answers", "prep.json", "--json")
    assert saved.exit_code == 0, saved.output
    assert json.loads(saved.stdout)["conversation"] == conv
    published = run(
        "prepare", conv, "--as", "m1", "--answer", "could_be_better=Meer overleg.", "--publish"
    )
    assert published.exit_code == 0, published.output
    assert "saved and published" in published.output
    # e1 has not published: m1's published preparation stays hidden from e1, even in the
    # subject-access export (blind until published); e1's own answers are there
    own = run("export", "person", "e1", "--as", "e1").stdout
    assert "Het project liep goed." in own
    assert "Meer overleg." not in own
    again = run("prepare", conv, "--as", "e1", "--answers", "prep.json", "--publish")
    assert again.exit_code == 0, again.output
    assert "Meer overleg." in run("export", "person", "e1", "--as", "e1").stdout


def test_a_refused_preparation_changes_nothing(mag):  # noqa: F811
    run, conv, folder = mag
    before = _events(folder)
    unknown = run("prepare", conv, "--as", "e1", "--answer", "shoe_size=44")
    assert unknown.exit_code != 0
    assert "shoe_size" in unknown.output
    hostile = run("prepare", conv, "--as", "e1", "--answer", "going_well=a\u202eb")
    assert hostile.exit_code != 0
    malformed = run("prepare", conv, "--as", "e1", "--answer", "no equals sign")
    assert malformed.exit_code != 0
    assert "FIELD=TEXT" in malformed.output
    nothing = run("prepare", conv, "--as", "e1")
    assert nothing.exit_code != 0
    stranger = run("prepare", conv, "--as", "e2", "--answer", "going_well=Ik ook.")
    assert stranger.exit_code != 0
    assert _events(folder) == before


def test_a_refusal_shows_a_bidirectional_character_it_quotes_as_its_escape(mag):  # noqa: F811
    """A review found that a refusal echoed a field name holding a direction override to the
    terminal as it was, which then shows the line's text in another order (Trojan Source)."""
    run, conv, folder = mag
    (folder / "odd.json").write_text(json.dumps({"shoe\u202e_size": "44"}), encoding="utf-8")
    refused = run("prepare", conv, "--as", "e1", "--answers", "odd.json")
    assert refused.exit_code != 0
    assert "\u202e" not in refused.output
    assert "\\u202e" in refused.output


def test_an_answer_that_is_no_pair_is_named_before_any_store_is_opened(run):
    """A malformed --answer is a usage error (exit 2) naming the option, also where no
    settings file exists yet: the store is opened after the command line is checked."""
    result = run("prepare", "c1", "--as", "e1", "--answer", "foo")
    assert result.exit_code == 2
    assert "--answer" in result.output
    assert "magcore.toml" not in result.output
