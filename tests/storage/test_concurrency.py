"""Several processes appending to one stream at once: one winner per version, no lost update."""

from __future__ import annotations

import json

import pytest

from magcore.storage.sqlite import SQLiteStore
from tests.support.postgres import postgres_server

from .processes import start

WORKERS = 4
ROUNDS = 40


def run_contest(url, tmp_path, stream="counter:shared"):
    """Let WORKERS processes race for ROUNDS versions of *stream*; return their reports."""
    go = tmp_path / "go"
    processes = [start("contend", url, stream, ROUNDS, go) for _ in range(WORKERS)]
    go.write_text("go")
    reports = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        reports.append(json.loads(out))
    return reports


def check_no_lost_update(reports, events):
    """Exactly one success per version; everyone else got ConflictError; the log agrees."""
    won = sorted(k for r in reports for k in r["won"])
    assert won == list(range(ROUNDS))
    for report in reports:
        assert sorted(report["won"] + report["lost"]) == list(range(ROUNDS))
    assert sum(len(r["lost"]) for r in reports) == (WORKERS - 1) * ROUNDS
    assert [e.version for e in events] == list(range(1, ROUNDS + 1))
    winners = {(r["pid"], k) for r in reports for k in r["won"]}
    assert {(e.data["by"], e.data["round"]) for e in events} == winners


@pytest.mark.slow
def test_sqlite_processes_racing_lose_no_update(tmp_path):
    """Four processes on one SQLite file: versions 1..N, each written by exactly one winner."""
    url = f"sqlite:///{tmp_path / 'race.db'}"
    SQLiteStore.open(url).close()
    reports = run_contest(url, tmp_path)
    store = SQLiteStore.open(url)
    try:
        events = store.read("counter:shared")
        assert store.version("counter:shared") == sum(len(r["won"]) for r in reports)
    finally:
        store.close()
    check_no_lost_update(reports, events)


@pytest.fixture(scope="module")
def postgresql_url():
    """A throwaway PostgreSQL server for this module (tests/support/postgres.py)."""
    with postgres_server() as url:
        yield url


@pytest.mark.slow
@pytest.mark.postgres
def test_postgresql_processes_racing_lose_no_update(tmp_path, postgresql_url):
    """The same race against a real PostgreSQL server through magcore-postgres."""
    postgres = pytest.importorskip("magcore_postgres")
    store = postgres.PostgresStore.open(postgresql_url)
    stream = f"counter:race-{tmp_path.name}"
    try:
        reports = run_contest(postgresql_url, tmp_path, stream)
        events = store.read(stream)
        assert store.version(stream) == sum(len(r["won"]) for r in reports)
    finally:
        store.close()
    check_no_lost_update(reports, events)
