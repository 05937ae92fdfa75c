"""Back at work after a long absence: an organisation change (``person.returned``, with the
absence's length and never its reason) that starts a conversation of an ``on_event`` kind."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from magcore import Assignment, CycleDefinition, Organisation, Person, Team, plan
from magcore.access.regulation import render_regulation
from magcore.domain.changes import OrgChange, changes_in
from magcore.domain.organisation import OrgState, replay_organisation
from magcore.domain.orgchanges import ReturnToWork, apply_change, changes
from magcore.errors import DefinitionError, NotFoundError
from magcore.events import Event
from magcore.model.cycle import OrgTrigger
from magcore.model.organisation import Return

START = date(2024, 1, 1)
YEAR = (date(2025, 1, 1), date(2026, 1, 1))


def _kind(kind_id: str, **cadence: object) -> dict:
    return {
        "id": kind_id,
        "name": {"nl": "Terugkeergesprek", "en": "Return conversation", "fy": "Weromkommen"},
        "pattern": "employee_manager",
        "cadence": {"kind": "on_event", "event": "returned", **cadence},
        "initiators": ["manager", "employee"],
        "preparers": ["employee"],
    }


CYCLE = CycleDefinition.from_json(
    {
        "id": "back",
        "version": 1,
        "name": "Back at work",
        "kinds": [_kind("return", delay_days=0, window_days=14, min_absent_days=28)],
    }
)


def _org(*returns: tuple[str, date, int], left: dict[str, date] | None = None) -> Organisation:
    hired = {"m1": date(2015, 1, 1), "e1": date(2019, 1, 1), "e2": date(2020, 1, 1)}
    backs: dict[str, list[Return]] = {}
    for person, day, days in returns:
        backs.setdefault(person, []).append(Return(on=day, absent_days=days))
    return Organisation.build(
        id="org",
        people=[
            Person(id=p, hired_on=h, left_on=(left or {}).get(p), returns=backs.get(p, ()))
            for p, h in hired.items()
        ],
        teams=[Team(id="t1")],
        assignments=[
            Assignment(person="m1", team="t1", role="manager", start=START),
            Assignment(person="e1", team="t1", role="member", start=START),
            Assignment(person="e2", team="t1", role="member", start=START),
        ],
    )


def test_a_long_absence_starts_one_return_conversation_with_its_window():
    """Back on 3 March after 60 days: one conversation, due 14 days later, with the manager;
    back after 10 days (shorter than the kind's 28): none."""
    org = _org(("e1", date(2025, 3, 3), 60), ("e2", date(2025, 4, 1), 10))
    [due] = plan(org, CYCLE, *YEAR)
    assert (due.person, due.window_start, due.due) == ("e1", date(2025, 3, 3), date(2025, 3, 17))
    assert due.trigger == OrgChange(on=date(2025, 3, 3), person="e1", event="returned")
    assert due.trigger.absent_days == 60
    assert due.manager == "m1"
    no_threshold = CycleDefinition.from_json(
        {**CYCLE.to_json(), "kinds": [_kind("return", window_days=14)]}
    )
    assert sorted(d.person for d in plan(org, no_threshold, *YEAR)) == ["e1", "e2"]


def test_the_threshold_belongs_to_returned_only_and_is_named_when_wrong():
    with pytest.raises(DefinitionError) as wrong:
        CycleDefinition.from_json(
            {
                **CYCLE.to_json(),
                "kinds": [
                    {
                        **_kind("x", window_days=7, min_absent_days=3),
                        "cadence": {
                            "kind": "on_event",
                            "event": "left",
                            "window_days": 7,
                            "min_absent_days": 3,
                        },
                    }
                ],
            }
        )
    assert "min_absent_days" in str(wrong.value)
    with pytest.raises(DefinitionError, match="min_absent_days"):
        CycleDefinition.from_json(
            {**CYCLE.to_json(), "kinds": [_kind("x", window_days=7, min_absent_days=0)]}
        )
    assert CycleDefinition.from_json(CYCLE.to_json()) == CYCLE


def test_a_return_is_recorded_once_and_refused_with_the_field_named():
    org = _org()
    back = apply_change(org, ReturnToWork(person="e1", on=date(2025, 6, 2), absent_days=45))
    assert back.people["e1"].returns == (Return(on=date(2025, 6, 2), absent_days=45),)
    assert (
        apply_change(back, ReturnToWork(person="e1", on=date(2025, 6, 2), absent_days=45)) == back
    )
    with pytest.raises(NotFoundError, match="person"):
        apply_change(org, ReturnToWork(person="nobody", on=date(2025, 6, 2), absent_days=45))
    with pytest.raises(DefinitionError, match="absent_days"):
        apply_change(org, ReturnToWork(person="e1", on=date(2025, 6, 2), absent_days=0))
    gone = _org(left={"e1": date(2025, 5, 1)})
    with pytest.raises(DefinitionError) as not_employed:
        apply_change(gone, ReturnToWork(person="e1", on=date(2025, 6, 2), absent_days=45))
    assert not_employed.value.pointer == "/on"
    [event] = changes(OrgState.of(org), back, today=date(2025, 6, 2))
    assert (event.type, dict(event.data)) == (
        "person.returned",
        {"person": "e1", "on": "2025-06-02", "absent_days": 45},
    )


def _import(log: list[Event], org: Organisation) -> None:
    state = OrgState.replay(org.id, log) if log else None
    for change in changes(state, org, today=date(2026, 12, 3)):
        log.append(
            Event(
                stream=f"org:{org.id}",
                version=len(log) + 1,
                type=change.type,
                at=datetime(2026, 12, 3, tzinfo=UTC),
                actor="hr",
                data=change.data,
            )
        )


def _record(log: list[Event], change: ReturnToWork) -> None:
    org = replay_organisation(log)
    assert org is not None
    _import(log, apply_change(org, change))


MARCH, SEPTEMBER = date(2025, 3, 3), date(2025, 9, 1)
FILES = {
    "before": _org(),
    "back-in-march": _org(("e1", MARCH, 60)),
    "back-in-march-longer": _org(("e1", MARCH, 90)),
    "back-in-september": _org(("e1", SEPTEMBER, 40)),
    "short-absence": _org(("e2", date(2025, 5, 5), 5)),
    "back-in-march-short": _org(("e1", MARCH, 10)),
}
SINGLE = {
    "record-march": ReturnToWork(person="e1", on=MARCH, absent_days=60),
    "record-e2-long": ReturnToWork(person="e2", on=date(2025, 10, 6), absent_days=120),
}


@given(st.lists(st.sampled_from(sorted(FILES) + sorted(SINGLE)), min_size=1, max_size=7))
def test_each_return_gets_exactly_one_conversation_whatever_the_order(order):
    """Import HR files and record single changes in any order, any number of times: each
    return after a long enough absence that was told gets exactly one conversation; the stream
    tells each return once; the conversations are the same with the stream's changes added."""
    log: list[Event] = []
    _import(log, FILES["before"])
    for name in order:
        if name in FILES:
            _import(log, FILES[name])
        else:
            _record(log, SINGLE[name])
    org = replay_organisation(log)
    assert org is not None
    told: dict[tuple[str, str], list[int]] = {}
    for e in log:
        if e.type == "person.returned":
            told.setdefault((e.data["person"], e.data["on"]), []).append(e.data["absent_days"])
    for lengths in told.values():  # once per return; again only when told it was longer
        assert lengths == sorted(set(lengths))
    longest: dict[tuple[str, date], int] = {}
    for name in order:
        for person, day, days in _told(name):
            longest[person, day] = max(days, longest.get((person, day), 0))
    expected = {key for key, days in longest.items() if days >= 28}
    due = plan(org, CYCLE, *YEAR)
    assert Counter((d.person, d.trigger.on) for d in due) == Counter(dict.fromkeys(expected, 1))
    recorded = [
        OrgChange(
            on=date.fromisoformat(e.data["on"]),
            person=e.data["person"],
            event=OrgTrigger.RETURNED,
            absent_days=e.data["absent_days"],
        )
        for e in reversed(log)
        if e.type == "person.returned"
    ]
    assert plan(org, CYCLE, *YEAR, changes=recorded) == due
    assert {(c.person, c.on) for c in changes_in(org, [OrgTrigger.RETURNED])} == {
        (p, date.fromisoformat(d)) for p, d in told
    }


def _told(name: str) -> list[tuple[str, date, int]]:
    if name in SINGLE:
        change = SINGLE[name]
        return [(change.person, change.on, change.absent_days)]
    return [
        (person.id, back.on, back.absent_days)
        for person in FILES[name].people.values()
        for back in person.returns
    ]


def test_the_regulation_names_the_return_trigger_in_each_language():
    texts = {lang: render_regulation(CYCLE, language=lang).text for lang in ("nl", "en", "fy")}
    assert "weer aan het werk komt na een afwezigheid van minstens 28 dagen" in texts["nl"]
    assert "comes back to work after an absence of at least 28 days" in texts["en"]
    assert "wer oan it wurk komt nei in ôfwêzigens fan op syn minst 28 dagen" in texts["fy"]
    plain = CycleDefinition.from_json({**CYCLE.to_json(), "kinds": [_kind("r", window_days=9)]})
    assert "na een lange afwezigheid" in render_regulation(plain, language="nl").text


def test_the_changes_of_a_period_include_returns_in_that_period_only():
    org = _org(("e1", MARCH, 60), ("e1", SEPTEMBER, 40))
    inside = changes_in(org, [OrgTrigger.RETURNED], since=date(2025, 6, 1), until=YEAR[1])
    assert [(c.on, c.absent_days) for c in inside] == [(SEPTEMBER, 40)]
    # planning a period asks only for changes whose window ends in it
    assert [d.trigger.on for d in plan(org, CYCLE, date(2025, 3, 10), date(2025, 3, 20))] == [MARCH]
    assert plan(org, CYCLE, date(2025, 3, 18), date(2025, 3, 20)) == ()
