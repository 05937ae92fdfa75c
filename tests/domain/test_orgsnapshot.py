"""The organisation snapshot an import writes is what its changes fold into: checked against a
replay of the events for any files imported in any order (leaves, rehires, returns, removals)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from magcore import Assignment, Organisation, Person, Team
from magcore.domain import orgsnapshot
from magcore.domain.organisation import OrgState, canonical
from magcore.domain.orgchanges import changes
from magcore.domain.orgsnapshot import (
    SNAPSHOT_FORMAT,
    ImportTracker,
    imported_state,
    read_snapshot,
    snapshot_parts,
)
from magcore.events import Event
from magcore.model.organisation import Return

TODAY = date(2026, 12, 3)
START = date(2024, 1, 1)
PEOPLE = [f"p{i}" for i in range(8)]
TEAMS = ["t0", "t1", "t2"]


@st.composite
def org_files(draw: st.DrawFn) -> Organisation:
    """An HR export: people maybe missing, leaving, rehired, back after an absence; moves,
    managers, a renamed organisation."""
    people, assignments = [], []
    for index, person in enumerate(PEOPLE):
        if draw(st.integers(0, 5)) == 0:
            continue
        # Rehired (odd people) or back after an absence (even people), not both: a later hire
        # date than a return is refused by the fold itself.
        rehired = index % 2 == 1 and draw(st.integers(0, 4)) == 0
        hired = date(2026, 9, 1 + index) if rehired else date(2023, 1, 1 + index)
        left = date(2026, 1 + index, 1) if not rehired and draw(st.booleans()) else None
        returns = ()
        if index % 2 == 0 and draw(st.booleans()):
            returns = (Return(on=date(2025, 6, 1 + index), absent_days=draw(st.integers(30, 32))),)
        email = draw(st.sampled_from([None, f"{person}@example.org"]))
        people.append(Person(id=person, hired_on=hired, left_on=left, email=email, returns=returns))
        team = draw(st.sampled_from(TEAMS))
        start = hired if rehired else START
        assignments.append(Assignment(person=person, team=team, role="member", start=start))
        if draw(st.integers(0, 3)) == 0:
            # a coach, or an organisation role beyond the built-in ones
            other = draw(st.sampled_from(["coach", "hr_adviser", "exit_interviewer"]))
            assignments.append(Assignment(person=person, team=team, role=other, start=start))
    present = [p.id for p in people]
    for team in TEAMS:
        if present and draw(st.booleans()):
            manager = draw(st.sampled_from(present))
            assignments.append(Assignment(person=manager, team=team, role="manager", start=START))
    teams = [Team(id=t, name=draw(st.sampled_from(["", "Zorg"])), parent=None) for t in TEAMS]
    if draw(st.booleans()):
        teams = teams[:2]
        assignments = [a for a in assignments if a.team != "t2"]
    return Organisation.build(
        id="org",
        name=draw(st.sampled_from(["", "Gemeente Voorbeeld"])),
        people=people,
        teams=teams,
        assignments=assignments,
    )


def _import(log: list[Event], before: OrgState | None, org: Organisation) -> OrgState:
    """Import *org* after *log* (whose fold is *before*); return the state the snapshot holds."""
    goal = OrgState.of(org)
    tracked = ImportTracker()
    for change in changes(before, org, today=TODAY, target=goal):
        tracked.note(change)
        log.append(
            Event(
                stream="org:org",
                version=len(log) + 1,
                type=change.type,
                at=datetime(2026, 12, 3, tzinfo=UTC),
                actor="hr",
                data=change.data,
            )
        )
    parts = snapshot_parts(imported_state(before, goal, tracked, len(log)))
    state = read_snapshot("org", parts)
    assert state is not None
    return state


def _same(snapshot: OrgState, replayed: OrgState) -> None:
    assert canonical(snapshot.organisation()) == canonical(replayed.organisation())
    assert snapshot.organisation() == replayed.organisation()
    assert snapshot.people == replayed.people  # returns after absences included
    assert snapshot.joined == replayed.joined
    assert snapshot.left == replayed.left
    assert snapshot.events == replayed.events


@given(
    files=st.lists(org_files(), min_size=1, max_size=4),
    order=st.lists(st.integers(0, 3), min_size=1, max_size=8),
)
def test_the_snapshot_of_every_import_is_the_replay_of_its_events(files, order):
    """Whatever files are imported in whatever order: the snapshot written with each import
    equals the fold of every event so far, and the next import computed from the snapshot
    gives the same changes as one computed from the replay."""
    log: list[Event] = []
    snapshot: OrgState | None = None
    for index in order:
        org = files[index % len(files)]
        if snapshot is not None:
            replayed = OrgState.replay("org", log)
            assert changes(snapshot, org, today=TODAY) == changes(replayed, org, today=TODAY)
        before = len(log)
        state = _import(log, snapshot, org)
        if len(log) == before:
            continue  # nothing changed: nothing (and no snapshot) is written
        snapshot = state
        _same(snapshot, OrgState.replay("org", log))


def test_a_snapshot_of_another_format_or_organisation_is_not_read():
    org = Organisation.build(
        id="org",
        people=[Person(id="p1", hired_on=START)],
        teams=[Team(id="t1")],
        assignments=[Assignment(person="p1", team="t1", role="member", start=START)],
    )
    parts = list(snapshot_parts(OrgState.of(org)))
    assert read_snapshot("org", parts) is not None
    assert read_snapshot("other", parts) is None
    newer = parts[0].replace(f'"format":{SNAPSHOT_FORMAT}', f'"format":{SNAPSHOT_FORMAT + 1}', 1)
    assert read_snapshot("org", [newer, *parts[1:]]) is None
    assert read_snapshot("org", parts[:-1]) is None  # a part missing (replaced meanwhile)


def test_a_large_organisation_is_written_and_read_in_parts(monkeypatch):
    """With parts of 3, 10 people, their roles and announcements take several parts each."""
    monkeypatch.setattr(orgsnapshot, "PART", 3)
    people = [Person(id=f"p{i}", hired_on=START, left_on=date(2026, 1, 1 + i)) for i in range(10)]
    org = Organisation.build(
        id="org",
        people=people,
        teams=[Team(id="t1")],
        assignments=[
            Assignment(person=p.id, team="t1", role="member", start=START) for p in people
        ],
    )
    state = OrgState.of(org)
    state.joined = {p.id: p.hired_on for p in people}
    state.left = {p.id: p.left_on for p in people if p.left_on}
    parts = list(snapshot_parts(state))
    assert len(parts) == 1 + 4 * 3  # the head; people with their roles, joined, left
    again = read_snapshot("org", parts)
    assert again is not None
    _same(again, state)
    # Roles of someone not among the people (no import makes them) are kept all the same.
    state.roles["gone"] = [Assignment(person="gone", team="t1", role="coach", start=START)]
    again = read_snapshot("org", list(snapshot_parts(state)))
    assert again is not None
    assert again.roles == state.roles
    assert again.people == state.people
