"""Input at the edges: dates outside the supported range, ids and settings files that are not
what they claim. Each is one error line naming the option (or file), and nothing is stored."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from magcore.model.input_policy import MAX_DATE, MIN_DATE


def _state(db: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """Every event and every audit line of the SQLite store *db*."""
    conn = sqlite3.connect(db)
    try:
        events = conn.execute("SELECT * FROM events ORDER BY 1").fetchall()
        audit = conn.execute("SELECT * FROM audit ORDER BY seq").fetchall()
    finally:
        conn.close()
    return events, audit


def _one_line(result, code: int, *needles: str) -> None:
    assert result.exit_code == code, result.output
    assert result.stderr.startswith("error: "), result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in result.stderr, result.stderr


DATE_CASES = [
    ("plan", "--from", "9999-01-01"),
    ("plan", "--from", "0001-01-01"),
    ("plan", "--from", "2025-01-01", "--to", "9999-12-31"),
    ("plan", "--from", "9999-01-01", "--request"),
    ("due", "--on", "9999-12-31"),
    ("due", "--on", "0001-06-01"),
    ("report", "--from", "0001-01-01"),
    ("report", "--from", "9999-01-01"),
    ("report", "--from", "2025-01-01", "--to", "9999-01-01"),
]


@pytest.mark.parametrize("args", DATE_CASES, ids=[" ".join(a) for a in DATE_CASES])
def test_a_date_outside_the_supported_range_names_the_option(ready, args):
    db = ready.dir / "magcore.db"
    before = _state(db)
    result = ready.run(*args)
    option = args[-2] if args[-1] != "--request" else args[-3]
    _one_line(
        result,
        2,
        f"'{option}'",
        f"outside the supported dates {MIN_DATE.isoformat()} to {MAX_DATE.isoformat()}",
    )
    assert _state(db) == before


def test_the_edges_of_the_supported_range_work(ready):
    """The first and the last supported day plan and count without an error."""
    for args in (
        ("plan", "--from", MAX_DATE.isoformat(), "--json"),
        ("plan", "--from", MIN_DATE.isoformat(), "--json"),
        ("due", "--on", MAX_DATE.isoformat(), "--within", "3660", "--json"),
        ("due", "--on", MIN_DATE.isoformat(), "--json"),
        ("report", "--from", "9000-01-01", "--grain", "year", "--json"),
        ("report", "--from", MIN_DATE.isoformat(), "--json"),
    ):
        result = ready.run(*args)
        assert result.exit_code == 0, (args, result.output)


def test_a_schedule_outside_the_supported_range_names_the_option(ready):
    db = ready.dir / "magcore.db"
    before = _state(db)
    result = ready.run("schedule", "c1", "--on", "9999-12-31T23:59", "--as", "m1")
    _one_line(result, 2, "'--on'", "outside the supported dates")
    assert _state(db) == before


@pytest.mark.parametrize("now", ["9999-12-31T23:59+00:00", "0001-01-01T00:00+00:00"])
def test_a_clock_outside_the_supported_range_names_magcore_now(ready, monkeypatch, now):
    db = ready.dir / "magcore.db"
    before = _state(db)
    monkeypatch.setenv("MAGCORE_NOW", now)
    for args in (("plan",), ("plan", "--request"), ("due",)):
        result = ready.run(*args)
        _one_line(result, 1, "MAGCORE_NOW", "outside the supported dates")
    assert _state(db) == before


@pytest.mark.parametrize(
    "organisation",
    ["\u202eorg", "../o", "", "o\x1b[31m", "org\ud800"],
    ids=["bidi", "path", "empty", "escape", "surrogate"],
)
def test_init_refuses_an_organisation_that_is_not_an_id(run, workdir, organisation):
    result = run("init", "--organisation", organisation)
    _one_line(result, 2, "'--organisation'", "is not a valid id")
    assert sorted(p.name for p in workdir.iterdir()) == []


def test_init_takes_an_organisation_id(run, workdir):
    assert run("init", "--organisation", "gemeente-7").exit_code == 0
    assert 'organisation = "gemeente-7"' in (workdir / "magcore.toml").read_text("utf-8")


@pytest.mark.parametrize("opening", ["[", "{x="], ids=["arrays", "tables"])
def test_a_deeply_nested_settings_file_is_named(run, workdir, opening):
    """A settings file nested 5,000 levels deep: one line naming the file, no RecursionError."""
    closing = "]" if opening == "[" else "}"
    (workdir / "deep.toml").write_text(
        "store = " + opening * 5000 + "1" + closing * 5000 + "\n",
        encoding="utf-8",
    )
    result = run("--config", "deep.toml", "plan")
    _one_line(result, 1, "deep.toml")


@pytest.mark.parametrize("organisation", ["../o", "gemeente\u202e7", "", "org x"])
def test_a_hand_edited_organisation_setting_is_an_id(run, workdir, organisation):
    """``organisation`` in magcore.toml is an id, as ``init --organisation`` checks it: a file
    edited by hand is refused by name before any store is opened."""
    assert run("init", "--organisation", "gemeente-7").exit_code == 0
    config = workdir / "magcore.toml"
    text = config.read_text("utf-8").replace('"gemeente-7"', f'"{organisation}"')
    config.write_text(text, encoding="utf-8")
    _one_line(run("plan"), 1, "magcore.toml", "organisation")


PERIOD_CASES = [
    ("plan", "--from", "1900-01-01", "--to", "9000-12-31"),
    ("plan", "--from", "2025-01-01", "--to", "2075-02-01", "--request"),
    ("report", "--from", "1900-01-01", "--to", "9000-01-01", "--grain", "year"),
]


@pytest.mark.parametrize("args", PERIOD_CASES, ids=[" ".join(a) for a in PERIOD_CASES])
def test_a_period_over_50_years_names_the_option(ready, args):
    """A plan or a report over 7,000 years used to run for hours; now it is one line."""
    db = ready.dir / "magcore.db"
    before = _state(db)
    result = ready.run(*args)
    _one_line(result, 2, "--to", "longer than 50 years")
    assert _state(db) == before


def test_fifty_years_are_planned(ready):
    result = ready.run("plan", "--from", "2025-01-01", "--to", "2075-01-01", "--json")
    assert result.exit_code == 0, result.output


def test_a_report_from_the_29th_of_february_is_a_named_error(ready):
    """The default end (a year later) used to be 29 February of a year without one."""
    result = ready.run("report", "--from", "2024-02-29")
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert result.stderr.startswith("error: "), result.stderr


NUMBER_CASES = [
    (("report", "--min-group", "9" * 30), "'--min-group'"),
    (("report", "--min-group", "0"), "'--min-group'"),
    (("measure", "compare", "s1", "--as", "m1", "--min-group", "1000001"), "'--min-group'"),
    (("dispatch", "--once", "--poll", "nan"), "'--poll'"),
    (("dispatch", "--once", "--poll", "1e308"), "'--poll'"),
    (("dispatch", "--once", "--backoff", "inf"), "'--backoff'"),
    (("dispatch", "--once", "--backoff", "nan"), "'--backoff'"),
    (("dispatch", "--once", "--attempts", "9" * 30), "'--attempts'"),
    (("demo", "--seed", "-1"), "'--seed'"),
    (("demo", "--seed", str(2**63)), "'--seed'"),
]


@pytest.mark.parametrize(
    ("args", "option"), NUMBER_CASES, ids=[" ".join(a[:3]) for a, _ in NUMBER_CASES]
)
def test_a_number_option_out_of_its_range_names_the_option(ready, args, option):
    """``nan`` passed click's ranges (it is neither below nor above a bound), and a
    30-digit minimum group size was taken; each is now refused by name before anything runs."""
    db = ready.dir / "magcore.db"
    before = _state(db)
    result = ready.run(*args)
    _one_line(result, 2, option)
    assert _state(db) == before
