"""``magcore demo``: the README's first command, run through the CLI runner."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from magcore.cli import cli
from magcore.cli._app import App
from magcore.demo.names import demo_name
from magcore.plugins import get_plugin_manager

from .htmlcheck import html_problems

amsterdam = pytest.importorskip("magcore_amsterdam.plugin").plugin


@pytest.fixture
def demo_app(tmp_path):
    host = get_plugin_manager(load_entry_points=False, extra=[("magcore-amsterdam", amsterdam)])
    return App(config_path=tmp_path / "magcore.toml", host=host)


def _demo(app, *args):
    return CliRunner().invoke(cli, ["demo", *args], obj=app, catch_exceptions=False)


def test_html_checker_finds_problems():
    """The checker used below does fail on a broken page."""
    assert html_problems("<!DOCTYPE html><html lang=nl><title>x</title><p><b>x</p></html>")
    assert html_problems("<html><title>t</title></html>") == [
        "no <!DOCTYPE html>",
        "<html> has no lang",
    ]


def test_demo_writes_files_that_open(demo_app, tmp_path):
    """The demo prints its folder; the HTML pages are well-formed, the PDF has pages."""
    out = tmp_path / "demo"
    result = _demo(demo_app, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert str(out) in result.stdout
    summary = json.loads((out / "demo-summary.json").read_text())
    files = {name: out / file for name, file in summary["files"].items()}
    assert set(files) >= {
        "participation_html",
        "participation_csv",
        "subject_access_json",
        "subject_access_html",
        "record_html",
        "record_pdf",
        "regulation",
    }
    for name, path in files.items():
        assert path.exists(), name
        if path.suffix == ".html":
            assert html_problems(path.read_text(encoding="utf-8")) == [], name
    regulation = files["regulation"].read_text(encoding="utf-8")
    assert "form/mag-agreement/" in regulation
    participation = files["participation_html"].read_text(encoding="utf-8")
    assert "<td>afdeling</td>" in participation
    assert "<td>department</td>" not in participation
    record = files["record_html"].read_text(encoding="utf-8")
    subject = summary["story"]["exported_person"]
    assert subject not in record, "a record shows the name people wrote, not the id"
    assert demo_name(subject) in record, "the record form's employee_name holds a demo name"
    export = json.loads(files["subject_access_json"].read_text())
    assert export["person"] == summary["story"]["handover_person"]
    assert files["record_pdf"].read_bytes().startswith(b"%PDF-")
    if shutil.which("pdfinfo"):
        info = subprocess.run(
            ["pdfinfo", str(files["record_pdf"])], capture_output=True, text=True, check=True
        ).stdout
        pages = int(
            next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:"))
        )
        assert pages >= 1


def test_demo_tells_the_year(demo_app, tmp_path):
    """The year has every part the story needs: held, not held, agreed, a dissent, a handover."""
    out = tmp_path / "demo"
    summary = json.loads(_demo(demo_app, "--out", str(out), "--json").stdout)["summary"]
    states = summary["conversations_by_state"]
    assert states["agreed"] > states["not_held"] > 0
    assert 200 <= summary["people"] <= 400
    assert summary["self_steering_teams"] >= 1
    assert 0.5 < summary["participation_rate"] < 1
    seen = summary["story"]["new_manager_sees"]
    assert seen["agreements"] >= 1
    assert seen["summary"] is False
    assert summary["audit_log"]["intact"] is True
    import sqlite3

    with sqlite3.connect(out / "magcore.db") as conn:
        types = {row[0] for row in conn.execute("SELECT DISTINCT type FROM events")}
    assert {
        "dissent.added",
        "sharing.granted",
        "manager.changed",
        "preparation.published",
        "conversation.not_held",
        "conversation.agreed",
    } <= types


def test_demo_report_total_is_the_conversations_held(demo_app, tmp_path):
    """Issue 19: the report counts every conversation held, managers' own ones included."""
    from datetime import UTC, date, datetime

    from magcore.access.statistics_report import participation_report
    from magcore.app.service import open_service

    out = tmp_path / "demo"
    summary = json.loads(_demo(demo_app, "--out", str(out), "--json").stdout)["summary"]
    service = open_service(summary["store"])
    try:
        [org_stream] = service.store.streams("org:")
        report = participation_report(
            service.store,
            service.organisation(org_stream.removeprefix("org:")),
            start=date(summary["year"], 1, 1),
            end=date(summary["year"] + 1, 1, 1),
            grain="year",
            levels=("organisation",),
            asker="test",
            at=datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
        )
    finally:
        service.store.close()
    [total] = report.cells
    assert total.suppressed is False
    assert total.conversations == summary["conversations_held"]
    csv_text = (out / "participation.csv").read_text()
    assert "(eigen medewerkers)" in csv_text  # the Dutch page names units in Dutch


@pytest.mark.slow
def test_demo_is_deterministic(demo_app, tmp_path):
    """The same seed writes the same report and summary; another seed does not."""
    first = json.loads(
        _demo(demo_app, "--out", str(tmp_path / "a"), "--people", "80", "--json").stdout
    )
    again = json.loads(
        _demo(demo_app, "--out", str(tmp_path / "b"), "--people", "80", "--json").stdout
    )
    other = json.loads(
        _demo(
            demo_app, "--out", str(tmp_path / "c"), "--people", "80", "--seed", "7", "--json"
        ).stdout
    )

    def comparable(result):
        summary = dict(result["summary"])
        summary.pop("store")
        return summary

    assert comparable(first) == comparable(again)
    assert (tmp_path / "a" / "participation.csv").read_text() == (
        tmp_path / "b" / "participation.csv"
    ).read_text()
    assert comparable(first) != comparable(other)


def test_demo_refuses_a_folder_in_use(demo_app, tmp_path):
    """A non-empty folder that is not an earlier demo is left alone: one-line error."""
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine")
    result = CliRunner().invoke(cli, ["demo", "--out", str(tmp_path / "mine")], obj=demo_app)
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "not empty" in result.stderr
    assert (tmp_path / "mine" / "notes.txt").read_text() == "mine"


def test_demo_unknown_plugin(demo_app, tmp_path):
    """An unknown --plugin names the plugins that do have cycles."""
    result = CliRunner().invoke(
        cli, ["demo", "--out", str(tmp_path / "d"), "--plugin", "nope"], obj=demo_app
    )
    assert result.exit_code == 1
    assert "magcore-amsterdam" in result.stderr


def test_demo_plugin_short_name_and_typo(demo_app, tmp_path):
    """'amsterdam' finds magcore-amsterdam; a typo gets a suggestion, never 'pip install' it."""
    typo = CliRunner().invoke(
        cli, ["demo", "--out", str(tmp_path / "d"), "--plugin", "magcore-amsterdm"], obj=demo_app
    )
    assert typo.exit_code == 1
    assert "did you mean 'magcore-amsterdam'?" in typo.stderr
    assert "pip install" not in typo.stderr
    assert typo.stderr.count("\n") == 1
    short = _demo(demo_app, "--out", str(tmp_path / "s"), "--plugin", "amsterdam", "--json")
    assert short.exit_code == 0, short.output
    assert json.loads(short.stdout)["summary"]["plugin"] == "magcore-amsterdam"


def test_the_demo_store_works_with_every_command_through_its_settings(demo_app, tmp_path):
    """The demo writes a magcore.toml beside its store (its cycle and organisation, which a
    bare --store would not know): a command that needs the organisation works with it."""
    out = tmp_path / "demo"
    result = json.loads(_demo(demo_app, "--out", str(out), "--people", "60", "--json").stdout)
    settings = out / "magcore.toml"
    assert result["settings"] == str(settings)
    app = App(config_path=settings, host=demo_app.host)
    assert (app.config.organisation, app.config.cycle) == ("demo", "mag@1")
    person = result["summary"]["story"]["handover_person"] or "p000001"
    exported = CliRunner().invoke(
        cli,
        ["--config", str(settings), "export", "person", person],
        obj=app,
        catch_exceptions=False,
    )
    assert exported.exit_code == 0, exported.stderr
    assert json.loads(exported.stdout)["person"] == person
