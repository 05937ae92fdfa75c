"""``magcore measure``: open a round from the organisation, answer with codes, close, compare."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from magcore import hookimpl
from magcore.cli import cli
from magcore.cli._app import App
from magcore.plugins import get_plugin_manager
from tests.cli.conftest import cycle_plugin
from tests.cli.htmlcheck import html_problems
from tests.support.measurement import QUESTIONNAIRE_JSON

ORG = "person_id,team_id,team_name,role,start\n" + "".join(
    f"{team}-p{n},{team},Team {team},member,2024-01-01\n"
    for team, size in (("big", 6), ("small", 3))
    for n in range(size)
)


class Questionnaires:
    @hookimpl
    def magcore_register_questionnaires(self, register: Any) -> None:
        register(QUESTIONNAIRE_JSON)


@pytest.fixture
def measure(workdir: Path) -> Callable[..., Result]:
    """``magcore`` in an initialised folder with the organisation above imported."""
    host = get_plugin_manager(
        load_entry_points=False,
        extra=[
            ("test-cycles", cycle_plugin("employee-manager.json")),
            ("test-questionnaires", Questionnaires()),
        ],
    )

    def invoke(*args: str) -> Result:
        app = App(config_path=workdir / "magcore.toml", host=host)
        return CliRunner().invoke(cli, list(args), obj=app, catch_exceptions=False)

    assert invoke("init").exit_code == 0
    (workdir / "org.csv").write_text(ORG, encoding="utf-8")
    imported = invoke("import-org", "org.csv")
    assert imported.exit_code == 0, imported.output
    return invoke


def _codes(path: Path) -> list[str]:
    return [line.split(",")[1] for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_baseline_and_follow_up_from_the_command_line(
    measure: Callable[..., Result], workdir: Path
) -> None:
    """Codes for the six members, answers counted once, and a comparison with a page."""
    rounds = []
    for phase, answer in (("baseline", "sometimes"), ("follow_up", "often")):
        codes = workdir / f"{phase}.csv"
        opened = measure(
            "measure", "open", "--series", "s1", "--unit", "big", "--phase", phase,
            "--questionnaire", "team-q", "--codes", str(codes), "--as", "hr", "--json",
        )  # fmt: skip
        assert opened.exit_code == 0, opened.output
        info = json.loads(opened.stdout)
        assert (info["eligible"], info["k"]) == (6, 5)
        assert codes.stat().st_mode & 0o077 == 0
        for code in _codes(codes):
            done = measure(
                "measure", "answer", info["round"], "--token", code,
                "--answers", json.dumps({"help": answer}),
            )  # fmt: skip
            assert done.exit_code == 0, done.output
        again = measure("measure", "answer", info["round"], "--token", code, "--answers", "{}")
        assert again.exit_code != 0
        assert "token" in again.output
        closed = measure("measure", "close", info["round"], "--as", "hr", "--json")
        assert json.loads(closed.stdout)["respondents"] == 6
        rounds.append(info["round"])
    page = workdir / "report.html"
    compared = measure("measure", "compare", "s1", "--as", "or", "--html", str(page), "--json")
    assert compared.exit_code == 0, compared.output
    result = json.loads(compared.stdout)
    assert [r["round"] for r in result["rounds"]] == rounds
    assert [r["statements"][0]["counts"] for r in result["rounds"]] == [
        {"sometimes": 6},
        {"often": 6},
    ]
    assert html_problems(page.read_text(encoding="utf-8")) == []
    assert page.with_suffix(".png").exists()
    lower = measure("measure", "compare", "s1", "--as", "or", "--min-group", "2")
    assert lower.exit_code != 0
    assert "below the 5" in lower.output


def test_a_team_of_three_cannot_be_measured(measure: Callable[..., Result], workdir: Path) -> None:
    """The organisation says three people: refused, no codes written, whatever is asked."""
    codes = workdir / "codes.csv"
    refused = measure(
        "measure", "open", "--series", "s1", "--unit", "small", "--phase", "baseline",
        "--questionnaire", "team-q", "--codes", str(codes), "--as", "hr",
    )  # fmt: skip
    assert refused.exit_code != 0
    assert "has 3 people" in refused.output
    assert not codes.exists()


def test_the_code_may_be_typed_unseen(measure: Callable[..., Result], workdir: Path) -> None:
    """Without --token the code is asked for (hidden), and counts like any other."""
    codes = workdir / "codes.csv"
    opened = measure(
        "measure", "open", "--series", "s2", "--unit", "big", "--phase", "baseline",
        "--questionnaire", "team-q", "--codes", str(codes), "--as", "hr", "--json",
    )  # fmt: skip
    round_id = json.loads(opened.stdout)["round"]
    host = get_plugin_manager(
        load_entry_points=False,
        extra=[
            ("test-cycles", cycle_plugin("employee-manager.json")),
            ("test-questionnaires", Questionnaires()),
        ],
    )
    app = App(config_path=workdir / "magcore.toml", host=host)
    code = _codes(codes)[0]
    typed = CliRunner().invoke(
        cli,
        ["measure", "answer", round_id, "--answers", '{"help": "often"}'],
        obj=app,
        input=code + "\n",
        catch_exceptions=False,
    )
    assert typed.exit_code == 0, typed.output
    assert code not in typed.output
    again = measure("measure", "answer", round_id, "--token", code, "--answers", "{}")
    assert "unknown or used" in again.output


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ("[" * 5000 + "]" * 5000, "nests deeper"),
        ('{"help": ' + "9" * 5000 + "}", "not JSON"),
        ("@latin1.json", "not UTF-8"),
        ("@/dev/zero", "larger than 1 MiB"),
        ("@missing.json", "cannot read"),
    ],
    ids=["deep", "a-5000-digit-number", "not-utf8", "a-device-without-end", "no-file"],
)
def test_answers_that_are_no_json_are_refused_by_name(
    measure: Callable[..., Result], workdir: Path, answers: str, expected: str
) -> None:
    """--answers goes through the input policy: a clear error, never a traceback (the runner
    lets exceptions through), and no round is needed to find out."""
    (workdir / "latin1.json").write_bytes('{"help": "één"}'.encode("latin-1"))
    result = measure("measure", "answer", "r1", "--token", "t", "--answers", answers)
    assert result.exit_code != 0
    assert expected in result.output


def test_compare_takes_any_language_tag(measure: Callable[..., Result], workdir: Path) -> None:
    """--language follows the one rule for language tags: NL and nl-NL read as nl, fy is there
    too, and a value that is not a tag is refused by name (before: only nl or en exactly)."""
    codes = workdir / "codes.csv"
    opened = measure(
        "measure", "open", "--series", "s1", "--unit", "big", "--phase", "baseline",
        "--questionnaire", "team-q", "--codes", str(codes), "--as", "hr", "--json",
    )  # fmt: skip
    info = json.loads(opened.stdout)
    for code in _codes(codes):
        measure(
            "measure", "answer", info["round"], "--token", code, "--answers", '{"help": "often"}'
        )
    assert measure("measure", "close", info["round"], "--as", "hr").exit_code == 0
    shown = {
        language: measure("measure", "compare", "s1", "--as", "or", "--language", language)
        for language in ("nl", "NL", "nl-NL", "en", "en_GB", "fy")
    }
    assert all(result.exit_code == 0 for result in shown.values()), shown
    assert shown["NL"].stdout == shown["nl-NL"].stdout == shown["nl"].stdout
    assert shown["en_GB"].stdout == shown["en"].stdout != shown["nl"].stdout
    assert shown["fy"].stdout not in (shown["nl"].stdout, shown["en"].stdout)
    page = workdir / "page.html"
    html = measure(
        "measure", "compare", "s1", "--as", "or", "--language", "NL", "--html", str(page)
    )
    assert html.exit_code == 0
    assert '<html lang="nl">' in page.read_text(encoding="utf-8")
    refused = measure("measure", "compare", "s1", "--as", "or", "--language", "dutch")
    assert refused.exit_code == 2
    assert "'dutch' is not a language tag" in refused.stderr
