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
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import Any

from ..model.organisation import Assignment, Organisation, Person, Return, Role, Team
from ..model.orgroles import as_org_role
from ..model.orgtables import PeopleTable, RoleTable, trusted_organisation, trusted_team
from .organisation import OrganisationEvent, OrgState, _sort_key
from .orgchanges import OrgChange
from .orgcolumns import _date, _day, stored_email, stored_emails

__all__ = [
    "SNAPSHOT_FORMAT",
    "ImportTracker",
    "imported_state",
    "read_snapshot",
    "read_snapshot_tables",
    "snapshot_parts",
]

#: The layout of the snapshot; a snapshot of another format is not read (the events are).
SNAPSHOT_FORMAT = 1
#: People (roles, announcements) per part: each part is one short JSON text.
PART = 20_000

_ISO: dict[date, str] = {}
"""ISO texts of dates, by date: a snapshot repeats a few thousand dates a million times."""


def _iso(day: date | None) -> str | None:
    if day is None:
        return None
    text = _ISO.get(day)
    if text is None:
        text = day.isoformat()
        if len(_ISO) < 50_000:
            _ISO[day] = text
    return text


def _pieces(items: list[Any]) -> Iterator[list[Any]]:
    size = PART
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _dumps(data: Mapping[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def snapshot_parts(state: OrgState) -> Iterator[str]:
    """*state* as the snapshot's parts, each a JSON text of plain columns: a head (the
    organisation, its teams and managers, how many parts follow), then people, their roles and
    what was announced, :data:`PART` at a time (made as they are taken)."""
    people = list(state.people.values())
    others = [a for pid, held in state.roles.items() if pid not in state.people for a in held]
    joined, left = list(state.joined.items()), list(state.left.items())
    count = sum(-(-len(items) // PART) for items in (people, others, joined, left))
    managers = [a for held in state.managers.values() for a in held]
    yield _dumps(
        {
            "format": SNAPSHOT_FORMAT,
            "id": state.id,
            "name": state.name,
            "events": state.events,
            "parts": count,
            "teams": [
                [t.id, t.name, t.department, t.parent, t.self_steering]
                for t in state.teams.values()
            ],
            "managers": [[a.person, a.team, _iso(a.start), _iso(a.end)] for a in managers],
        }
    )
    no_roles: list[Assignment] = []
    for some in _pieces(people):
        held = [a for p in some for a in state.roles.get(p.id, no_roles)]
        yield _dumps(
            {
                "people": [p.id for p in some],
                "hired_on": [_iso(p.hired_on) for p in some],
                "left_on": [_iso(p.left_on) for p in some],
                "email": [p.email for p in some],
                "returns": {
                    p.id: [[_iso(back.on), back.absent_days] for back in p.returns]
                    for p in some
                    if p.returns
                },
                "roles": _role_columns(held),
            }
        )
    for held in _pieces(others):  # roles of people no longer in it (not made by imports)
        yield _dumps({"roles": _role_columns(held)})
    for some_joined in _pieces(joined):
        yield _dumps({"joined": [[p for p, _ in some_joined], [_iso(d) for _, d in some_joined]]})
    for some_left in _pieces(left):
        yield _dumps({"left": [[p for p, _ in some_left], [_iso(d) for _, d in some_left]]})


def _role_columns(held: list[Assignment]) -> list[list[Any]]:
    return [
        [a.person for a in held],
        [a.team for a in held],
        [str(a.role) for a in held],
        [_iso(a.start) for a in held],
        [_iso(a.end) for a in held],
    ]


def _head(org_id: str, texts: Iterator[str]) -> dict[str, Any] | None:
    """The snapshot's first part, if it is of this format and of organisation *org_id*."""
    head = json.loads(next(texts, "null"))
    if not isinstance(head, dict) or head.get("format") != SNAPSHOT_FORMAT:
        return None
    return head if head.get("id") == org_id else None


def read_snapshot(org_id: str, parts: Iterable[str]) -> OrgState | None:
    """The :class:`OrgState` a snapshot's parts hold (every value checked as it is built), or
    ``None`` when it is of another format or organisation, or parts are missing."""
    texts = iter(parts)
    head = _head(org_id, texts)
    if head is None:
        return None
    state = OrgState(id=org_id, name=head["name"])
    state.events = int(head["events"])
    for tid, name, department, parent, steering in head["teams"]:
        state.teams[tid] = Team(
            id=tid, name=name, department=department, parent=parent, self_steering=steering
        )
    for person, team, start, end in head["managers"]:
        state.managers.setdefault(team, []).append(
            Assignment(
                person=person, team=team, role=Role.MANAGER, start=_date(start), end=_day(end)
            )
        )
    names = {team: team for team in state.teams}
    read = 0
    for text in texts:
        _read_part(state, json.loads(text), names)
        read += 1
    if read != head["parts"]:
        return None  # replaced while it was read: fold the events instead
    for group in (state.roles, state.managers):
        for held in group.values():
            if len(held) > 1:
                held.sort(key=_sort_key)
    return state


_ROLES = {r.value: r for r in Role}


def read_snapshot_tables(org_id: str, parts: Iterable[str]) -> Organisation | None:
    """The organisation a snapshot's parts hold, column by column (no value per person), or
    ``None`` when it is of another format or organisation, parts are missing, or it holds roles
    of people no longer in it (then :func:`read_snapshot` and a fold make it)."""
    texts = iter(parts)
    head = _head(org_id, texts)
    if head is None:
        return None
    teams = {
        tid: trusted_team(tid, name, department, parent, bool(steering))
        for tid, name, department, parent, steering in head["teams"]
    }
    ids: list[str] = []
    hired: list[date | None] = []
    left: list[date | None] = []
    email: list[str | None] = []
    returns: dict[str, tuple[Return, ...]] = {}
    roles: list[list[Any]] = [[], [], [], [], []]
    for person, team, start, end in head["managers"]:
        for column, value in zip(
            roles, (person, team, Role.MANAGER, _date(start), _day(end)), strict=True
        ):
            column.append(value)
    read = 0
    for text in texts:
        read += 1
        data = json.loads(text)
        if "people" not in data:
            if "roles" in data:
                return None  # roles of people no longer in it: fold value by value
            continue  # what was announced: not part of the organisation's value
        ids.extend(data["people"])
        hired.extend(map(_day, data["hired_on"]))
        left.extend(map(_day, data["left_on"]))
        # a snapshot made before the stricter e-mail rules may hold an address they refuse
        email.extend(stored_emails(data["email"]))
        for pid, backs in data["returns"].items():
            returns[pid] = tuple(Return(on=_date(o), absent_days=n) for o, n in backs)
        person, team, kind, start, end = data["roles"]
        roles[0].extend(person)
        roles[1].extend(team)
        roles[2].extend([_ROLES.get(k) or as_org_role(k) for k in kind])
        roles[3].extend(map(_date, start))
        roles[4].extend(map(_day, end))
    if read != head["parts"]:
        return None  # replaced while it was read
    people = PeopleTable.trusted(ids, hired, left, email, returns)
    table = RoleTable.trusted(*roles)
    return trusted_organisation(org_id, head["name"], people, teams, table)


def _read_part(state: OrgState, data: Mapping[str, Any], names: dict[str, str]) -> None:
    """Fold one part of a snapshot into *state*."""
    people = state.people
    if "people" in data:
        returns: Mapping[str, list[list[Any]]] = data["returns"]
        for pid, hired, left, email in zip(
            data["people"], data["hired_on"], data["left_on"], data["email"], strict=True
        ):
            back = returns.get(pid)
            people[pid] = Person(
                id=pid,
                hired_on=_day(hired),
                left_on=_day(left),
                email=stored_email(email),
                returns=()
                if back is None
                else [Return(on=_date(o), absent_days=n) for o, n in back],
            )
    if "roles" in data:
        roles = state.roles
        for person, team, kind, start, end in zip(*data["roles"], strict=True):
            known = people.get(person)
            if known is not None:
                person = known.id  # one copy of each id (a million ids are 60 MB each time)
            held = roles.get(person)
            if held is None:
                held = roles[person] = []
            held.append(
                Assignment(
                    person=person,
                    team=names.setdefault(team, team),
                    role=kind,
                    start=_date(start),
                    end=_day(end),
                )
            )
    if "joined" in data:
        ids, days = data["joined"]
        state.joined.update(zip(_same_ids(people, ids), map(_day, days), strict=True))
    if "left" in data:
        ids, days = data["left"]
        state.left.update(zip(_same_ids(people, ids), map(_date, days), strict=True))


def _same_ids(people: Mapping[str, Person], ids: list[str]) -> Iterator[str]:
    """*ids*, each as the copy the person of that id holds (if any)."""
    for pid in ids:
        known = people.get(pid)
        yield pid if known is None else known.id


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
