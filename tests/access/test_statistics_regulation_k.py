"""The regulation's minimum group size is the service's, not the caller's.

An attacker review found that ``participation_report(..., k=1, regulation_k=1)`` published a
team-year cell of 2 people: the caller stated the regulation's minimum itself. Now a caller
may ask for a larger minimum, never state a smaller regulation.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from magcore.access import statistics_report
from magcore.access.regulation import regulation_source
from magcore.access.statistics import (
    DEFAULT_K,
    MinimumGroupError,
    ParticipationFact,
    RegulationMinimumError,
    check_minimum,
)
from magcore.access.statistics_report import participation_report
from magcore.model.organisation import Organisation, Team
from magcore.storage.memory import MemoryStore

from ..sharing.support import mag_cycle

YEAR = 2025
ASK = {
    "start": date(YEAR, 1, 1),
    "end": date(YEAR + 1, 1, 1),
    "grain": "year",
    "asker": "researcher",
    "at": datetime(2026, 2, 1, tzinfo=UTC),
    "require_audit": False,
}


def _facts() -> list[ParticipationFact]:
    """A big team of 12 and a small one of 2, one conversation each."""
    sizes = {"groot": 12, "klein": 2}
    return [
        ParticipationFact(
            conversation=f"c-{team}-{i}",
            people={f"{team}-{i}"},
            unit=team,
            held_on=date(YEAR, 3, 3),
        )
        for team, size in sizes.items()
        for i in range(size)
    ]


@pytest.fixture
def organisation(monkeypatch: pytest.MonkeyPatch) -> Organisation:
    monkeypatch.setattr(statistics_report, "facts_from_store", lambda *a, **kw: _facts())
    return Organisation(
        id="gemeente",
        teams={
            "groot": Team(id="groot", name="Groot"),
            "klein": Team(id="klein", name="Klein"),
        },
    )


def test_a_caller_cannot_state_a_smaller_regulation(organisation: Organisation) -> None:
    store = MemoryStore()
    with (
        pytest.warns(DeprecationWarning, match="regulation_k"),
        pytest.raises(RegulationMinimumError, match="regulation sets a minimum group size of 5"),
    ):
        participation_report(store, organisation, k=1, regulation_k=1, **ASK)
    assert not store.read(f"statistics:{YEAR}")  # nothing decided, nothing shown
    *_, line = store.read_audit()
    assert (line["action"], line["result"], line["actor"]) == ("report", "refused", "researcher")
    # the regulation's own minimum still answers, and hides the team of 2
    report = participation_report(store, organisation, **ASK)
    assert report.k == DEFAULT_K
    assert report.cell("klein", str(YEAR)).suppressed
    assert report.cell("klein", str(YEAR)).conversations is None


def test_a_caller_may_still_raise_the_floor(organisation: Organisation) -> None:
    with pytest.warns(DeprecationWarning, match="regulation_k"):
        report = participation_report(MemoryStore(), organisation, regulation_k=13, **ASK)
    assert report.k == 13
    assert report.cell("groot", str(YEAR)).suppressed  # 12 people is below 13
    with pytest.raises(MinimumGroupError), pytest.warns(DeprecationWarning, match="regulation_k"):
        participation_report(MemoryStore(), organisation, k=8, regulation_k=13, **ASK)


@pytest.mark.parametrize("regulation_k", [0, 1, 4, True, "5", 4.5])
def test_check_minimum_refuses_a_lower_regulation(regulation_k: object) -> None:
    with pytest.raises(RegulationMinimumError):
        check_minimum(None, regulation_k)  # type: ignore[arg-type]
    with pytest.raises(RegulationMinimumError):
        check_minimum(1, regulation_k)  # type: ignore[arg-type]
    assert check_minimum(None, 7) == 7


def test_a_regulation_cannot_be_rendered_with_a_smaller_minimum() -> None:
    with pytest.raises(MinimumGroupError):
        regulation_source(mag_cycle(), k=2)
    assert regulation_source(mag_cycle(), k=10)["research_k"] == 10
