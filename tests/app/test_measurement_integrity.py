"""A measurement's ballot tables changed outside magcore are found; a refused opening leaves
nothing; a round's label passes the input policy. On the memory, SQLite and PostgreSQL stores."""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

import magcore
from magcore.app import measurement
from magcore.app.maintenance import check_store
from magcore.domain.measurement import CountsIntegrityError, stream_of
from magcore.errors import InputRefused, StorageError
from magcore.storage.ballots import BallotBoxes
from tests.support.measurement import QUESTIONNAIRE, service

Tamper = Callable[[str], None]


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, str]:
    """(kind, url): a memory store, a new SQLite file, or a new schema on the test server."""
    if request.param == "memory":
        return "memory", "memory://"
    if request.param == "sqlite":
        return "sqlite", f"sqlite:///{tmp_path / 'm.db'}"
    import psycopg

    (tmp_path / "keys").mkdir(mode=0o700)
    monkeypatch.setenv("MAGCORE_KEY_FOLDER", str(tmp_path / "keys"))
    base = os.environ.get("MAGCORE_TEST_PG_URL") or request.getfixturevalue("postgresql_url")
    schema = f"measure_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    joiner = "&" if "?" in base else "?"
    return "postgres", f"{base}{joiner}options={quote(f'-csearch_path={schema}')}"


def _sql(kind: str, url: str, svc: magcore.Service, statement: str) -> None:
    """Run *statement* on the ballot tables as a database administrator would (no magcore)."""
    if kind == "sqlite":
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        with conn:
            conn.execute(statement)
        conn.close()
        return
    import psycopg

    tables = {"ballot_tokens": "magcore_ballot_tokens", "ballot_counts": "magcore_ballot_counts"}
    for plain, prefixed in tables.items():
        statement = statement.replace(plain, prefixed)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement)


def _memory_boxes(svc: magcore.Service) -> Any:
    """The memory store's boxes, as a debugger (or a stray plugin) could change them."""
    return getattr(svc.store, "inner", svc.store).__dict__["_ballot_boxes"]


def _boxes(svc: magcore.Service) -> BallotBoxes:
    store = svc.store
    assert isinstance(store, BallotBoxes)
    return store


def _opened(url: str) -> tuple[magcore.Service, measurement.OpenedRound]:
    svc = service(url, {"t": 12})
    opened = measurement.open_round(
        svc, series="s", unit="t", phase="baseline", questionnaire=QUESTIONNAIRE, actor="hr",
        round_id="r-1",
    )  # fmt: skip
    return svc, opened


def test_counts_changed_after_closing_are_refused_and_named(backend: tuple[str, str]) -> None:
    """7 said rarely, 5 often; someone sets the counts to 5 and 7 in the ballot table: the
    report refuses them naming the round, and the store check names the round."""
    kind, url = backend
    svc, opened = _opened(url)
    for number, handout in enumerate(opened.handouts):
        answer = "rarely" if number < 7 else "often"
        measurement.answer(svc, "r-1", handout.token, {"help": answer})
    measurement.close_round(svc, "r-1", actor="hr")
    (column,) = measurement.comparison(svc, "s", asker="or").columns
    assert dict(column.cells[0].counts) == {"rarely": 7, "often": 5}
    assert check_store(svc.store).problems == ()
    if kind == "memory":
        cell = _memory_boxes(svc)["r-1"].counts["help"]
        cell.update(rarely=5, often=7)
    else:
        svc.close()
        _sql(
            kind,
            url,
            svc,
            "UPDATE ballot_counts SET n = CASE option WHEN 'rarely' THEN 5 ELSE 7 END",
        )
        svc = service(url)
    with pytest.raises(CountsIntegrityError) as raised:
        measurement.comparison(svc, "s", asker="or")
    assert raised.value.round_id == "r-1"
    assert "do not match those it was closed on" in str(raised.value)
    problems = check_store(svc.store).problems
    assert [p for p in problems if p.startswith("measurement round r-1:")] == [
        "measurement round r-1: its counts do not match those it was closed on"
    ]
    svc.close()


def test_a_stuffed_ballot_box_is_found_and_not_closed(backend: tuple[str, str]) -> None:
    """A token hash added while the round is open (a ballot someone could cast without being
    given a code) makes more ballots and codes than people: the store check names the round,
    and closing it is refused."""
    kind, url = backend
    svc, opened = _opened(url)
    measurement.answer(svc, "r-1", opened.handouts[0].token, {"help": "often"})
    assert check_store(svc.store).problems == ()
    extra = "0" * 64
    if kind == "memory":
        _memory_boxes(svc)["r-1"].hashes.add(extra)
    else:
        svc.close()
        _sql(kind, url, svc, f"INSERT INTO ballot_tokens (box, hash) VALUES ('r-1', '{extra}')")
        svc = service(url)
    expected = (
        "measurement round r-1: its ballot box holds 1 ballots and 12 unused codes, but 12 "
        "codes were handed out"
    )
    assert [p for p in check_store(svc.store).problems if p.startswith("measurement")] == [expected]
    with pytest.raises(CountsIntegrityError, match="r-1"):
        measurement.close_round(svc, "r-1", actor="hr")
    assert measurement.load_round(svc, "r-1").state.value == "open"
    svc.close()


HOSTILE_LABELS = {
    "nul": "0-meting\x00",
    "escape": "\x1b]0;pwned\x07\x1b[31mrood",
    "bell": "maart\x07",
    "bidi-override": "Team \u202eteem\u202c",
    "line-separator": "\u2028x",
    "one-megabyte": "A" * 1_000_000,
}


@pytest.mark.parametrize("label", HOSTILE_LABELS.values(), ids=HOSTILE_LABELS.keys())
def test_a_label_passes_the_input_policy_before_anything_is_written(
    backend: tuple[str, str], label: str
) -> None:
    _, url = backend
    svc = service(url, {"t": 6})
    with pytest.raises(InputRefused) as raised:
        measurement.open_round(
            svc, series="s", unit="t", phase="baseline", questionnaire=QUESTIONNAIRE,
            actor="hr", round_id="r-1", label=label,
        )  # fmt: skip
    assert [p.pointer for p in raised.value.problems] == ["/label"]
    assert not svc.store.read(stream_of("r-1"))
    assert _boxes(svc).ballot_state("r-1") is None
    svc.close()


def test_an_opening_that_cannot_be_written_leaves_no_ballot_box(
    backend: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store refuses the round's opening event: its ballot box goes too, so the same round
    can be opened afterwards."""
    _, url = backend
    svc = service(url, {"t": 6})

    def refuse(*args: object, **kwargs: object) -> None:
        raise StorageError("disk full")

    with monkeypatch.context() as patched:
        patched.setattr(svc.store, "append", refuse)
        with pytest.raises(StorageError, match="disk full"):
            measurement.open_round(
                svc, series="s", unit="t", phase="baseline", questionnaire=QUESTIONNAIRE,
                actor="hr", round_id="r-1", label="0-meting",
            )  # fmt: skip
    assert _boxes(svc).ballot_state("r-1") is None
    opened = measurement.open_round(
        svc, series="s", unit="t", phase="baseline", questionnaire=QUESTIONNAIRE, actor="hr",
        round_id="r-1", label="0-meting",
    )  # fmt: skip
    assert len(opened.handouts) == 6
    svc.close()
