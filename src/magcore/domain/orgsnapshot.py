"""A compact snapshot of an organisation's stream: what its events fold into, in one text.

Folding a million ``person.joined`` events back (parsing a million JSON objects, one at a
time) takes a minute; the snapshot holds the same :class:`OrgState` column by column (the ids
in one list, the hire dates in the next...), so it is read with one query and one
``json.loads``. An import writes it in the transaction that appends its changes
(:func:`imported_state` says what the changes fold into without folding them); a service
reads it and folds only the events after it. The snapshot is a cache, never the record: the
events stay what is audited and replayed, a test checks the snapshot against a replay, and a
snapshot that is missing, stale or of an unknown format only means the events are folded.

Pure: no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from ..model.organisation import Assignment, Person, Return, Role, Team
from .organisation import OrganisationEvent, OrgState, _date, _sort_key
from .orgchanges import OrgChange

__all__ = ["SNAPSHOT_FORMAT", "ImportTracker", "imported_state", "read_snapshot", "snapshot_text"]

#: The layout of the snapshot text; a snapshot of another format is not read (the events are).
SNAPSHOT_FORMAT = 1


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _day(text: str | None) -> date | None:
    return None if text is None else _date(text)


def snapshot_text(state: OrgState) -> str:
    """*state* as the snapshot's JSON text (columns of plain values)."""
    people = list(state.people.values())
    returns = {
        p.id: [[back.on.isoformat(), back.absent_days] for back in p.returns]
        for p in people
        if p.returns
    }
    roles = [a for held in state.roles.values() for a in held]
    managers = [a for held in state.managers.values() for a in held]
    data: dict[str, Any] = {
        "format": SNAPSHOT_FORMAT,
        "id": state.id,
        "name": state.name,
        "events": state.events,
        "people": [p.id for p in people],
        "hired_on": [_iso(p.hired_on) for p in people],
        "left_on": [_iso(p.left_on) for p in people],
        "email": [p.email for p in people],
        "returns": returns,
        "teams": [
            [t.id, t.name, t.department, t.parent, t.self_steering] for t in state.teams.values()
        ],
        "roles": [
            [a.person for a in roles],
            [a.team for a in roles],
            [a.role.value for a in roles],
            [a.start.isoformat() for a in roles],
            [_iso(a.end) for a in roles],
        ],
        "managers": [[a.person, a.team, a.start.isoformat(), _iso(a.end)] for a in managers],
        "joined": [list(state.joined), [_iso(d) for d in state.joined.values()]],
        "left": [list(state.left), [d.isoformat() for d in state.left.values()]],
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def read_snapshot(org_id: str, text: str) -> OrgState | None:
    """The :class:`OrgState` a snapshot text holds (every value checked as it is built), or
    ``None`` when it is of another format or of another organisation."""
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("format") != SNAPSHOT_FORMAT:
        return None
    if data.get("id") != org_id:
        return None
    state = OrgState(id=org_id, name=data["name"])
    state.events = int(data["events"])
    returns: Mapping[str, list[list[Any]]] = data["returns"]
    people = state.people
    for pid, hired, left, email in zip(
        data["people"], data["hired_on"], data["left_on"], data["email"], strict=True
    ):
        back = returns.get(pid)
        people[pid] = Person(
            id=pid,
            hired_on=_day(hired),
            left_on=_day(left),
            email=email,
            returns=() if back is None else [Return(on=_date(o), absent_days=n) for o, n in back],
        )
    for tid, name, department, parent, steering in data["teams"]:
        state.teams[tid] = Team(
            id=tid, name=name, department=department, parent=parent, self_steering=steering
        )
    names: dict[str, str] = {}
    roles = state.roles
    by_value = {r.value: r for r in Role}
    person_ids, teams, kinds, starts, ends = data["roles"]
    for person, team, kind, start, end in zip(person_ids, teams, kinds, starts, ends, strict=True):
        held = roles.get(person)
        if held is None:
            held = roles[person] = []
        held.append(
            Assignment(
                person=person,
                team=names.setdefault(team, team),
                role=by_value[kind],
                start=_date(start),
                end=_day(end),
            )
        )
    for person, team, start, end in data["managers"]:
        state.managers.setdefault(team, []).append(
            Assignment(person=person, team=team, role=Role.MANAGER, start=_date(start), end=_day(end))
        )
    for group in (roles, state.managers):
        for held in group.values():
            if len(held) > 1:
                held.sort(key=_sort_key)
    state.joined = {p: _day(d) for p, d in zip(*data["joined"], strict=True)}
    state.left = {p: _date(d) for p, d in zip(*data["left"], strict=True)}
    return state


class ImportTracker:
    """What an import's changes announce, noted as they are written (for
    :func:`imported_state`): who arrived (joined or restored), whose employment was announced,
    whose leave."""

    def __init__(self) -> None:
        self.arrived: set[str] = set()
        self.joined: dict[str, date | None] = {}
        self.left: dict[str, date] = {}

    def note(self, change: OrgChange) -> None:
        """Note one change (every change of the import, in order)."""
        kind = change.type
        if kind is OrganisationEvent.JOINED or kind is OrganisationEvent.RESTORED:
            person = change.data["person"]
            self.arrived.add(person)
            if kind is OrganisationEvent.JOINED:
                self.joined[person] = _day(change.data["record"]["hired_on"])
        elif kind is OrganisationEvent.LEFT:
            self.left[change.data["person"]] = _date(change.data["on"])


def imported_state(
    before: OrgState | None, goal: OrgState, tracked: ImportTracker, events: int
) -> OrgState:
    """What *before* (the stream folded, ``None``: empty) with an import's changes folds into,
    without folding them: *goal* (``OrgState.of`` the imported organisation) with what the
    stream announced (*tracked* by the import, *before*'s earlier announcements) and the
    returns after long absences the stream told before (a file without them does not take them
    back). *events*: the stream's version afterwards. Shares *goal*'s values."""
    people: dict[str, Person] = goal.people
    joined: dict[str, date | None] = tracked.joined
    left: dict[str, date] = tracked.left
    if before is not None:
        joined = {**before.joined, **tracked.joined}
        left = {**before.left, **tracked.left}
        kept = _kept_returns(before.people.values(), goal.people, tracked.arrived)
        if kept:
            people = {**goal.people, **kept}
    state = OrgState(
        id=goal.id,
        name=goal.name,
        people=people,
        teams=goal.teams,
        roles=goal.roles,
        managers=goal.managers,
        joined=joined,
        left=left,
    )
    state.events = events
    return state


def _kept_returns(
    earlier: Iterable[Person], now: Mapping[str, Person], arrived: set[str]
) -> dict[str, Person]:
    """The people of *now* whose earlier returns stay (merged with the file's, per day the
    longest absence), those who did not arrive anew."""
    kept: dict[str, Person] = {}
    for old in earlier:
        if not old.returns or old.id in arrived:
            continue
        new = now.get(old.id)
        if new is None:
            continue
        merged = Person(
            id=new.id,
            hired_on=new.hired_on,
            left_on=new.left_on,
            email=new.email,
            returns=(*old.returns, *new.returns),
        )
        if merged != new:
            kept[new.id] = merged
    return kept
