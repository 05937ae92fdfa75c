"""Organisation changes as events: an import records what changed, the fold gives it back."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from magcore import Assignment, DefinitionError, NotFoundError, Organisation, Person, Team
from magcore.domain.organisation import OrganisationEvent, OrgState, canonical, replay_organisation
from magcore.domain.orgchanges import ChangeManager, Join, Leave, Move, apply_change, changes
from magcore.events import Event

TODAY = date(2026, 12, 3)
START = date(2024, 1, 1)
PEOPLE = [f"p{i}" for i in range(8)]
TEAMS = ["t0", "t1", "t2"]
HIRED = {p: date(2023, 1, 1 + i) for i, p in enumerate(PEOPLE)}
LEAVES = {p: date(2026, 1 + i, 1) for i, p in enumerate(PEOPLE)}
MOVES = {p: date(2025, 1 + i, 15) for i, p in enumerate(PEOPLE)}


def _import(log: list[Event], org: Organisation, today: date = TODAY) -> list[Event]:
    state = OrgState.replay(org.id, log) if log else None
    found = changes(state, org, today=today)
    new = [
        Event(
            stream=f"org:{org.id}",
            version=len(log) + i,
            type=c.type,
            at=datetime(2026, 12, 3, tzinfo=UTC),
            actor="hr",
            data=c.data,
        )
        for i, c in enumerate(found, start=1)
    ]
    log.extend(new)
    return new


@st.composite
def org_files(draw: st.DrawFn) -> Organisation:
    """One HR export: who is in it, in which team (maybe after a move), who left, managers."""
    people, assignments = [], []
    for person in PEOPLE:
        if draw(st.integers(0, 5)) == 0:
            continue  # not in this file
        left = draw(st.booleans())
        people.append(
            Person(id=person, hired_on=HIRED[person], left_on=LEAVES[person] if left else None)
        )
        first = draw(st.sampled_from(TEAMS))
        moved = draw(st.sampled_from([None, *[t for t in TEAMS if t != first]]))
        end = MOVES[person] if moved else None
        assignments.append(
            Assignment(person=person, team=first, role="member", start=START, end=end)
        )
        if moved:
            assignments.append(
                Assignment(person=person, team=moved, role="member", start=MOVES[person])
            )
    present = [p.id for p in people]
    for team in TEAMS:
        if present and draw(st.booleans()):
            manager = draw(st.sampled_from(present))
            assignments.append(Assignment(person=manager, team=team, role="manager", start=START))
    name = draw(st.sampled_from(["", "Gemeente Voorbeeld"]))
    return Organisation.build(
        id="org",
        name=name,
        people=people,
        teams=[Team(id=t, parent="t0" if t != "t0" else None) for t in TEAMS],
        assignments=assignments,
    )


@given(
    files=st.lists(org_files(), min_size=1, max_size=4),
    order=st.lists(st.integers(0, 3), min_size=1, max_size=8),
)
def test_replay_equals_the_last_import_and_a_leave_is_announced_once(files, order):
    """Whatever files are imported in whatever order, how often: the fold is the last file, and
    everyone who left in any imported file has exactly one ``person.left``."""
    log: list[Event] = []
    imported: list[Organisation] = []
    for index in order:
        org = files[index % len(files)]
        _import(log, org)
        imported.append(org)
        assert canonical(replay_organisation(log)) == canonical(org)
        assert _import(log, org) == []  # the same file again writes nothing
    lefts = Counter(e.data["person"] for e in log if e.type == OrganisationEvent.LEFT)
    leavers = {p.id for org in imported for p in org.people.values() if p.left_on}
    assert lefts == Counter(dict.fromkeys(leavers, 1))
    for event in log:
        assert event.type in set(OrganisationEvent)
        date.fromisoformat(event.data["on"])  # every event has its effective day


def _base() -> Organisation:
    return Organisation.build(
        id="org",
        name="Gemeente Voorbeeld",
        people=[Person(id=p, hired_on=HIRED[p]) for p in ("p0", "p1", "p2", "p3")],
        teams=[Team(id="t0"), Team(id="t1", parent="t0")],
        assignments=[
            Assignment(person="p0", team="t0", role="manager", start=START),
            Assignment(person="p1", team="t1", role="manager", start=START),
            Assignment(person="p2", team="t1", role="member", start=START),
            Assignment(person="p3", team="t1", role="member", start=START),
        ],
    )


def test_single_changes_are_the_events_an_import_of_them_gives():
    """Each kind of change gives its own event with its effective day."""
    log: list[Event] = []
    first = _import(log, _base())
    assert {e.type for e in first} == {"organisation.renamed", "team.added", "person.joined"}
    joined = {e.data["person"]: e.data["on"] for e in first if e.type == "person.joined"}
    assert joined["p2"] == HIRED["p2"].isoformat()

    org = _base()
    cases = [
        (Move(person="p2", team="t0", on=date(2026, 3, 1)), "person.moved"),
        (Leave(person="p3", on=date(2026, 4, 1)), "person.left"),
        (ChangeManager(team="t1", manager="p2", on=date(2026, 5, 1)), "manager.changed"),
        (Join(person="p9", team="t1", on=date(2026, 6, 1)), "person.joined"),
    ]
    for change, kind in cases:
        org = apply_change(org, change)
        (event,) = _import(log, org)
        assert event.type == kind
        assert event.data["on"] == change.on.isoformat()
    moved = next(e for e in log if e.type == "person.moved")
    assert (moved.data["team"], moved.data["from_team"]) == ("t0", "t1")
    manager = next(e for e in log if e.type == "manager.changed")
    assert (manager.data["manager"], manager.data["previous"]) == ("p2", "p1")
    assert canonical(replay_organisation(log)) == canonical(org)


def test_a_withdrawn_leave_is_a_change_and_its_return_no_second_leave():
    log: list[Event] = []
    _import(log, _base())
    left = apply_change(_base(), Leave(person="p3", on=date(2026, 4, 1)))
    assert [e.type for e in _import(log, left)] == ["person.left"]
    withdrawn = _import(log, _base())
    assert [(e.type, dict(e.data["changes"])) for e in withdrawn] == [
        ("person.changed", {"left_on": None})
    ]
    assert [e.type for e in _import(log, left)] == ["person.changed"]


def test_rehire_after_a_leave_is_a_new_join_and_its_leave_a_new_leave():
    log: list[Event] = []
    left = apply_change(_base(), Leave(person="p3", on=date(2025, 1, 1)))
    _import(log, left)
    rehired = dict(left.people)
    rehired["p3"] = Person(id="p3", hired_on=date(2025, 6, 1))
    back = Organisation.build(
        id="org",
        name=left.name,
        people=rehired.values(),
        teams=left.teams.values(),
        assignments=left.assignments,
    )
    assert [e.type for e in _import(log, back)] == ["person.joined"]
    again = apply_change(back, Leave(person="p3", on=date(2026, 1, 1)))
    assert [e.type for e in _import(log, again)] == ["person.left"]
    assert canonical(replay_organisation(log)) == canonical(again)


def test_people_and_teams_no_longer_in_the_file_are_removed_and_can_come_back():
    log: list[Event] = []
    _import(log, _base())
    smaller = Organisation.build(
        id="org",
        name="Gemeente Voorbeeld",
        people=[Person(id=p, hired_on=HIRED[p]) for p in ("p0", "p2")],
        teams=[Team(id="t0")],
        assignments=[
            Assignment(person="p0", team="t0", role="manager", start=START),
            Assignment(person="p2", team="t0", role="member", start=START),
        ],
    )
    kinds = [e.type for e in _import(log, smaller)]
    assert kinds.count("person.removed") == 2
    assert kinds[-1] == "team.removed"
    assert canonical(replay_organisation(log)) == canonical(smaller)
    back = [e.type for e in _import(log, _base())]
    assert back.count("person.restored") == 2
    assert "person.joined" not in back


def test_bad_single_changes_name_the_field():
    org = _base()
    with pytest.raises(NotFoundError, match="person"):
        apply_change(org, Leave(person="nobody", on=TODAY))
    with pytest.raises(NotFoundError, match="team"):
        apply_change(org, Move(person="p2", team="nowhere", on=TODAY))
    with pytest.raises(NotFoundError, match="manager"):
        apply_change(org, ChangeManager(team="t1", manager="nobody", on=TODAY))
    with pytest.raises(DefinitionError) as error:
        apply_change(org, Join(person="p2", team="t1", on=TODAY))
    assert error.value.pointer == "/person"
    with pytest.raises(DefinitionError) as error:
        apply_change(org, Leave(person="p2", on=date(2020, 1, 1)))
    assert error.value.pointer == "/on"


def test_another_organisation_is_refused():
    state = OrgState.of(_base())
    other = Organisation.build(id="other", people=[], teams=[], assignments=[])
    with pytest.raises(DefinitionError) as error:
        changes(state, other, today=TODAY)
    assert error.value.pointer == "/id"


def test_streams_written_before_as_snapshots_still_fold():
    """A legacy ``organisation.imported`` snapshot, a legacy manager change and a legacy move."""
    org = _base()
    at = datetime(2025, 1, 1, tzinfo=UTC)
    legacy = [
        Event(
            stream="org:org",
            version=1,
            type="organisation.imported",
            at=at,
            actor="hr",
            data=org.to_json(),
        ),
        Event(
            stream="org:org",
            version=2,
            type="manager.changed",
            at=at,
            actor="hr",
            data={"team": "t1", "manager": "p2", "previous": "p1", "on": "2025-06-01"},
        ),
        Event(
            stream="org:org",
            version=3,
            type="person.moved",
            at=at,
            actor="hr",
            data={"person": "p3", "team": "t0", "on": "2025-07-01"},
        ),
    ]
    expected = org.change_manager("t1", "p2", date(2025, 6, 1)).move_person(
        "p3", "t0", date(2025, 7, 1)
    )
    assert canonical(replay_organisation(legacy)) == canonical(expected)
    log = list(legacy)
    assert _import(log, expected) == []


def test_a_corrected_hire_date_is_a_change_not_a_join_also_after_a_snapshot():
    """A hire date corrected in the file is ``person.changed``, for people first known from a
    snapshot (never announced as joined) too."""
    org = _base()
    at = datetime(2025, 1, 1, tzinfo=UTC)
    snapshot = Event(
        stream="org:org",
        version=1,
        type="organisation.imported",
        at=at,
        actor="hr",
        data=org.to_json(),
    )
    for log in ([snapshot], []):
        if not log:
            _import(log, org)
        people = dict(org.people)
        people["p2"] = Person(id="p2", hired_on=date(2023, 3, 3))
        corrected = Organisation.build(
            id="org",
            name=org.name,
            people=people.values(),
            teams=org.teams.values(),
            assignments=org.assignments,
        )
        (event,) = _import(log, corrected)
        assert event.type == "person.changed"
        assert dict(event.data["changes"]) == {"hired_on": "2023-03-03"}
