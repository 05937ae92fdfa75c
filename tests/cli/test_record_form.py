"""``magcore record`` on a cycle whose record form requires fields (Amsterdam's MAG)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from magcore.cli import cli
from magcore.cli._app import App
from magcore.model.input_policy import MAX_ITEMS, MAX_JSON_BYTES
from magcore.plugins import get_plugin_manager
from tests.support.approve import approve_by_cli

from .conftest import ORG_CSV

amsterdam = pytest.importorskip("magcore_amsterdam.plugin").plugin


@pytest.fixture
def mag(workdir: Path):
    """A folder set up for Amsterdam's MAG with the small test organisation; returns run()."""
    host = get_plugin_manager(load_entry_points=False, extra=[("magcore-amsterdam", amsterdam)])

    def run(*args: str):
        app = App(config_path=workdir / "magcore.toml", host=host)
        return CliRunner().invoke(cli, list(args), obj=app, catch_exceptions=False)

    assert run("init", "--cycle", "mag").exit_code == 0
    (workdir / "org.csv").write_text(ORG_CSV, encoding="utf-8")
    assert run("import-org", "org.csv").exit_code == 0
    approve_by_cli(run)
    requested = json.loads(run("plan", "--request", "--json").stdout)["requested"]
    conv = next(r["conversation"] for r in requested if r["person"] == "e1")
    assert run("schedule", conv, "--on", "2025-03-03T10:00", "--as", "m1").exit_code == 0
    return run, conv, workdir


def _events(folder: Path) -> int:
    with sqlite3.connect(folder / "magcore.db") as conn:
        return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])


def test_flags_fill_the_record_form(mag):
    """--summary, --held-on, --theme and --agreement fill the form's fields of those names."""
    run, conv, _ = mag
    result = run(
        "record",
        conv,
        "--as",
        "m1",
        "--held-on",
        "2025-03-04",
        "--summary",
        "Goed gesprek over werkdruk.",
        "--theme",
        "vitality",
        "--agreement",
        "employee:Zoekt een cursus uit",
        "--json",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["state"] == "record_drafted"
    exported = json.loads(run("export", "records", "--as", "e1").stdout)
    mine = next(r for r in exported if r["id"] == conv)
    assert mine["summary"] == "Goed gesprek over werkdruk."
    assert [a["text"] for a in mine["agreements"]] == ["Zoekt een cursus uit"]


def test_answers_file_gives_other_fields(mag):
    """--answers FILE.json adds fields no flag covers; the flags still fill the rest."""
    run, conv, folder = mag
    (folder / "answers.json").write_text(
        json.dumps({"learning_hours": 8, "employee_view": "Ik ben tevreden."}), encoding="utf-8"
    )
    result = run(
        "record", conv, "--as", "m1", "--summary", "Kort.", "--answers", "answers.json", "--json"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["state"] == "record_drafted"
    # The employee's own export shows the record as stored: the file's fields beside the flags'.
    export = json.loads(run("export", "person", "e1").stdout)
    (mine,) = [c for c in export["conversations_about_you"] if c["id"] == conv]
    answers = mine["record"]["answers"]
    assert answers["learning_hours"] == 8
    assert answers["employee_view"] == "Ik ben tevreden."
    assert answers["summary"] == mine["record"]["summary"] == "Kort."


@pytest.mark.parametrize(
    ("extra", "expected", "code"),
    [
        ((), "Korte samenvatting", 1),
        (("--summary", "x", "--answers", "missing.json"), "does not exist", 2),
        (("--summary", "x", "--answers", "list.json"), "one JSON object", 2),
        (("--summary", "x", "--answers", "bad.json"), "not a JSON file", 2),
        (("--summary", "x", "--answers", "wrong.json"), "learning_hours", 1),
        (("--summary", "x", "--answers", "bignum.json"), "not a JSON file", 2),
        (("--summary", "x", "--answers", "latin1.json"), "not a JSON file", 2),
        (("--summary", "x", "--answers", "huge.json"), "larger than 1 MiB", 2),
        (("--summary", "x", "--answers", "/dev/zero"), "larger than 1 MiB", 2),
        (("--summary", "Versie A", "--answers", "other.json"), "given twice, differently", 1),
    ],
    ids=[
        "form-needs-summary",
        "no-file",
        "not-an-object",
        "not-json",
        "wrong-type",
        "a-5000-digit-number",
        "not-utf8",
        "over-1-mib",
        "a-device-without-end",
        "two-summaries",
    ],
)
def test_bad_record_changes_nothing(mag, extra, expected, code):
    """A record the form refuses: one line, non-zero exit, and the conversation stays scheduled
    (it is not left marked as held)."""
    run, conv, folder = mag
    (folder / "list.json").write_text("[1, 2]", encoding="utf-8")
    (folder / "bad.json").write_text("{summary:", encoding="utf-8")
    (folder / "wrong.json").write_text('{"learning_hours": "veel"}', encoding="utf-8")
    (folder / "bignum.json").write_text('{"learning_hours": ' + "9" * 5000 + "}", encoding="utf-8")
    (folder / "latin1.json").write_bytes('{"employee_view": "één"}'.encode("latin-1"))
    (folder / "huge.json").write_text('{"employee_view": "' + "x" * (2 << 20) + '"}')
    (folder / "other.json").write_text('{"summary": "Versie B"}', encoding="utf-8")
    before = _events(folder)
    result = run("record", conv, "--as", "m1", *extra)
    assert result.exit_code == code
    assert result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1, result.stderr
    assert expected in result.stderr
    assert _events(folder) == before
    agree = run("agree", conv, "--as", "e1")
    assert "while it is scheduled" in agree.stderr
    assert "there is no record yet" in agree.stderr


def test_regulation_covers_only_the_cycles_own_forms(workdir: Path):
    """Installing another municipality's plugin changes neither MAG's regulation text nor the
    policy hash the works council consented to."""
    tilburg = pytest.importorskip("magcore_tilburg.plugin").plugin

    def render(*plugins):
        host = get_plugin_manager(load_entry_points=False, extra=list(plugins))
        app = App(config_path=workdir / "magcore.toml", host=host)
        args = ["policy", "render", "--cycle", "mag", "--json"]
        result = CliRunner().invoke(cli, args, obj=app, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    alone = render(("magcore-amsterdam", amsterdam))
    together = render(("magcore-amsterdam", amsterdam), ("magcore-tilburg", tilburg))
    assert "form/mag-agreement/" in alone["text"]
    assert "tilburg" not in together["text"]
    assert together["hash"] == alone["hash"]


@pytest.mark.parametrize(
    ("answers", "summary"),
    [
        ({f"q{i}": "x" for i in range(MAX_ITEMS + 1)}, "Kort."),
        ({f"q{i}": "a" * 60_000 for i in range(16)}, "s" * 60_000),
    ],
    ids=["too-many-fields", "too-much-text"],
)
def test_answers_file_too_large_as_a_whole(mag, answers, summary):
    """A file under 1 MiB whose fields are too many, or whose texts with the summary are over
    the command's cap (MAX_ITEMS, MAX_COMMAND_BYTES): one error naming /answers, no event."""
    run, conv, folder = mag
    (folder / "large.json").write_text(json.dumps(answers), encoding="utf-8")
    assert (folder / "large.json").stat().st_size <= MAX_JSON_BYTES
    before = _events(folder)
    result = run("record", conv, "--as", "m1", "--summary", summary, "--answers", "large.json")
    assert result.exit_code == 1, result.output
    assert "/answers" in result.stderr
    assert "Traceback" not in result.output
    assert _events(folder) == before
