"""Anonymous team measurements through the service, on the memory and SQLite stores."""

from __future__ import annotations

import inspect
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from magcore.access.statistics import MinimumGroupError
from magcore.app import measurement
from magcore.domain.measurement import GroupTooSmallError, RoundStateError
from magcore.errors import DefinitionError, RecordInvalidError
from tests.support.measurement import QUESTIONNAIRE, service

STATEMENTS = QUESTIONNAIRE.statement_ids
OPTIONS = QUESTIONNAIRE.option_ids


@pytest.fixture(params=["memory", "sqlite"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A memory store or a new SQLite file."""
    return "memory://" if request.param == "memory" else f"sqlite:///{tmp_path / 'm.db'}"


def _open(svc, unit: str = "big", phase: str = "baseline", **kwargs):  # type: ignore[no-untyped-def]
    return measurement.open_round(
        svc,
        series="s-1",
        unit=unit,
        phase=phase,
        questionnaire=QUESTIONNAIRE,
        actor="hr",
        **kwargs,
    )


def test_the_caller_cannot_say_how_many_people_are_eligible() -> None:
    """Opening a round takes no number of people: only the organisation says who is there."""
    assert not {"eligible", "people", "size"} & set(
        inspect.signature(measurement.open_round).parameters
    )


def test_a_small_team_is_refused_whatever_the_minimum_asked(url: str) -> None:
    """A team of 4 cannot open (k = 5); a team of 6 cannot either with k = 7; k below 5 is
    refused as a parameter."""
    svc = service(url, {"small": 4, "big": 6})
    with pytest.raises(GroupTooSmallError, match="has 4 people"):
        _open(svc, unit="small")
    with pytest.raises(GroupTooSmallError, match="at least 7"):
        _open(svc, unit="big", k=7)
    with pytest.raises(MinimumGroupError):
        _open(svc, unit="small", k=3)
    assert measurement.rounds(svc) == []
    svc.close()


def test_codes_are_one_per_eligible_person_and_count_once(url: str) -> None:
    """Six members get six codes; a code counts once; a refused answer counts nothing."""
    svc = service(url, {"big": 6})
    opened = _open(svc)
    assert [h.person for h in opened.handouts] == [f"big-p{n}" for n in range(6)]
    assert len({h.token for h in opened.handouts}) == 6
    first, *rest = opened.handouts
    measurement.answer(svc, opened.round.id, first.token, {"help": "often"})
    with pytest.raises(RecordInvalidError, match="token"):
        measurement.answer(svc, opened.round.id, first.token, {"help": "often"})
    with pytest.raises(RecordInvalidError, match="token"):
        measurement.answer(svc, opened.round.id, "made-up", {"help": "often"})
    with pytest.raises(RecordInvalidError, match="/help"):
        measurement.answer(svc, opened.round.id, rest[0].token, {"help": "excellent"})
    for handout in rest:
        measurement.answer(svc, opened.round.id, handout.token, {"help": "often"})
    closed = measurement.close_round(svc, opened.round.id, actor="hr")
    assert closed.respondents == 6
    with pytest.raises(RoundStateError):
        measurement.answer(svc, opened.round.id, first.token, {"help": "often"})
    result = measurement.comparison(svc, "s-1", asker="or")
    assert dict(result.columns[0].cells[0].counts) == {"often": 6}
    svc.close()


def test_a_follow_up_needs_a_baseline_of_the_same_unit(url: str) -> None:
    """A series starts with one baseline; a follow-up measures the same unit."""
    svc = service(url, {"big": 6, "other": 7})
    with pytest.raises(DefinitionError, match="no baseline"):
        _open(svc, phase="follow_up")
    _open(svc)
    with pytest.raises(DefinitionError, match="baseline already"):
        _open(svc)
    with pytest.raises(DefinitionError, match="measures unit big"):
        _open(svc, unit="other", phase="follow_up")
    svc.close()


def test_the_round_survives_a_restart_and_answers_leave_no_event_or_audit_line(
    tmp_path: Path,
) -> None:
    """Open and half answered, the service stops; after a restart the other codes still work,
    and only opening, closing and reading the report leave events or audit lines."""
    url = f"sqlite:///{tmp_path / 'm.db'}"
    svc = service(url, {"big": 10})
    opened = _open(svc)
    audit_before = svc.store.audit_head().count
    position_before = max(p for p, _ in svc.store.read_all())
    for handout in opened.handouts[:5]:
        measurement.answer(svc, opened.round.id, handout.token, {"help": "often"})
    assert svc.store.audit_head().count == audit_before
    assert max(p for p, _ in svc.store.read_all()) == position_before
    svc.close()

    again = service(url)
    for handout in opened.handouts[5:]:
        measurement.answer(again, opened.round.id, handout.token, {"help": "rarely"})
    measurement.close_round(again, opened.round.id, actor="hr")
    again.close()

    third = service(url)
    result = measurement.comparison(third, "s-1", asker="or-secretaris")
    (column,) = result.columns
    assert column.respondents == 10
    help_cell, share_cell = column.cells
    assert (dict(help_cell.counts), help_cell.rest) == ({"often": 5, "rarely": 5}, None)
    assert share_cell.hidden
    actions = [e["action"] for e in third.store.read_audit()]
    assert [a for a in actions if a.startswith("measurement.")] == [
        "measurement.opened",
        "measurement.open",
        "measurement.closed",
        "measurement.close",
        "measurement.report",
    ]
    third.close()


def _ballot_rows(path: Path) -> Iterator[tuple[str, tuple[object, ...]]]:
    with sqlite3.connect(path) as conn:
        for table in ("ballot_boxes", "ballot_tokens", "ballot_counts"):
            for row in conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2"):
                yield table, tuple(row)


@settings(max_examples=8, deadline=None)
@given(
    st.lists(
        st.dictionaries(st.sampled_from(STATEMENTS), st.sampled_from(OPTIONS)),
        min_size=5,
        max_size=9,
    ),
    st.randoms(use_true_random=False),
)
def test_no_stored_row_holds_anything_linkable_to_a_person(ballots, rnd) -> None:  # type: ignore[no-untyped-def]
    """Property: the stored ballot rows hold no person, no code, no time, and are the same
    whoever answered which, in whichever order (before and after closing)."""
    dumps = []
    with tempfile.TemporaryDirectory() as folder:
        for attempt in range(2):
            path = Path(folder) / f"m{attempt}.db"
            svc = service(f"sqlite:///{path}", {"big": len(ballots)})
            opened = _open(svc, round_id="r-1")
            handouts = list(opened.handouts)
            rnd.shuffle(handouts)
            order = list(ballots) if attempt == 0 else list(reversed(ballots))
            for handout, ballot in zip(handouts, order, strict=True):
                measurement.answer(svc, "r-1", handout.token, ballot)
            open_rows = list(_ballot_rows(path))
            measurement.close_round(svc, "r-1", actor="hr")
            svc.close()
            rows = list(_ballot_rows(path))
            text = repr(open_rows + rows)
            for handout in opened.handouts:
                assert handout.person not in text
                assert handout.token not in text
            assert "2026" not in text
            assert not [r for table, r in rows if table == "ballot_tokens"]
            dumps.append((open_rows, rows))
    assert dumps[0] == dumps[1]
