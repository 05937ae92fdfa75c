"""Weert's organisation-level vitality view: the four criteria, counted over a whole unit."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from magcore_vitality import PLUGIN, definition
from magcore_vitality.organisation_view import QUESTIONNAIRE_ID, open_organisation_round
from magcore_vitality.plugin import plugin

import magcore
from magcore import FixedClock
from magcore.app import measurement
from magcore.domain.measurement import GroupTooSmallError
from magcore.model.organisation import Assignment, Organisation, Person, Role, Team

SIZES = {"burgerzaken": 4, "ict": 3, "groen": 4}


def _organisation() -> Organisation:
    """Three small teams (each below five) in one department."""
    people = {f"{t}-{n}": t for t, size in SIZES.items() for n in range(size)}
    return Organisation(
        id="weert",
        people={p: Person(id=p) for p in people},
        teams={"gemeente": Team(id="gemeente", name="Gemeente")}
        | {t: Team(id=t, name=t, parent="gemeente") for t in SIZES},
        assignments=[
            Assignment(person=p, team=t, role=Role.MEMBER, start=date(2024, 1, 1))
            for p, t in people.items()
        ],
    )


def test_the_questionnaire_covers_the_four_vng_criteria() -> None:
    """Two statements per criterion, each criterion a theme of the vitality cycle."""
    host = magcore.get_plugin_manager(load_entry_points=False, extra=[(PLUGIN, plugin)])
    q = measurement.questionnaires(host)[QUESTIONNAIRE_ID]
    assert Counter(s.group for s in q.statements) == dict.fromkeys(
        (t.id for t in definition().themes), 2
    )


def test_small_teams_are_counted_together_at_the_organisation_level(tmp_path: Path) -> None:
    """No team of 3 or 4 can be measured on its own; the organisation of 11 can, and its view
    survives a restart with counts only, none below five."""
    host = magcore.get_plugin_manager(load_entry_points=False, extra=[(PLUGIN, plugin)])
    url = f"sqlite:///{tmp_path / 'weert.db'}"
    clock = FixedClock(datetime(2026, 2, 2, 9, 0, tzinfo=UTC))
    svc = magcore.open_service(url, clock=clock, host=host, organisation="weert", dispatch="off")
    svc.import_organisation(_organisation(), actor="hr")
    with pytest.raises(GroupTooSmallError):
        measurement.open_round(
            svc, series="ict", unit="ict", phase="baseline",
            questionnaire=QUESTIONNAIRE_ID, actor="hr",
        )  # fmt: skip
    opened = open_organisation_round(
        svc, unit="gemeente", series="weert-2026", phase="baseline", actor="hr"
    )
    assert opened.round.eligible == sum(SIZES.values())
    for number, handout in enumerate(opened.handouts):
        answer = "often" if number < 6 else "rarely"
        measurement.answer(svc, opened.round.id, handout.token, {"work-is-sustainable": answer})
    measurement.close_round(svc, opened.round.id, actor="hr")
    svc.close()

    again = magcore.open_service(url, clock=clock, host=host, organisation="weert")
    view = measurement.comparison(again, "weert-2026", asker="strategic-planning")
    (column,) = view.columns
    cell = column.cell("work-is-sustainable")
    assert cell is not None
    assert (dict(cell.counts), cell.rest) == ({"mostly_true": 6, "less_true": 5}, None)
    assert all(n >= 5 for n in view.numbers())
    again.close()
