"""Privacy operations: retention, destruction, restriction, subject access and the data inventory.

* **Retention** is a per-municipality :class:`RetentionProfile` of the form "destroy N years after
  event X". magcore ships ``ap-advice`` (2 years after employment ends, the Dutch DPA's advice) and
  ``selectielijst-2020`` (5 years after completion, *Selectielijst gemeenten 2020*); plugins add
  others through ``magcore_register_retention_rules``.
* **Destruction** destroys a conversation's key (or, in a store without keys, replaces its
  events) and appends one content-free tombstone event with an audit line, so that the
  destruction is provable without its content; the export says when and why it happened.
* **Restriction** (AVG art. 18) is an event in the employee's stream; while it holds, only the
  privacy officer reads the record (see :mod:`magcore.access`).
* **Subject access** (AVG art. 15): :func:`subject_access_export` gathers everything held about
  one person, including what others wrote about them, as JSON; :func:`export_html` renders it
  as readable HTML.
* **Data inventory**: :func:`data_inventory` lists every recorded field with its category,
  purpose, who may see it, retention and sensitivity, for a DPIA.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, tzinfo
from typing import Any

from ..clock import Clock, FixedClock, SystemClock
from ..domain.conversation import stream_of
from ..domain.goals import GOAL_STREAM, GoalEvent, goal_stream, replay_goal
from ..domain.sharing import SharingChoice, person_stream
from ..domain.sharing import replay as replay_sharing
from ..errors import ConsentError
from ..events import thaw
from ..model.days import local_day
from ..model.input_policy import check_id
from ..model.organisation import Organisation
from ..storage.base import AuditRecord, Store
from .decision import PRIVACY_OFFICER, SUBJECT_ACCESS
from .reading import (
    ConversationView,
    ReadPolicy,
    read_conversation,
    read_goal,
)

__all__ = ["EXPORT_FORMAT", "subject_access_export"]

#: The ``format`` of a subject-access export (``schemas/subject-access-export.schema.json``).
EXPORT_FORMAT = "magcore.subject-access-export"


# -- subject access ----------------------------------------------------------------------------


def _view_json(view: ConversationView) -> dict[str, Any]:
    def stamp(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": view.id,
        "destroyed": view.destroyed,
        "metadata": thaw(view.metadata) if view.metadata else None,
        "record": None
        if view.summary is None
        else {"summary": view.summary, "answers": thaw(view.answers), "themes": list(view.themes)},
        "agreements": [
            {
                "id": a.id,
                "text": a.text,
                "owner": a.owner.value,
                "due": a.due.isoformat() if a.due else None,
                "theme": a.theme,
                "status": a.status.value,
                "carried_from": a.carried_from,
            }
            for a in view.agreements
        ],
        "topics": [{"author": t.author, "text": t.text, "theme": t.theme} for t in view.topics],
        "preparations": [
            {"author": p.author, "answers": thaw(p.answers), "published_at": stamp(p.published_at)}
            for p in view.preparations.values()
        ],
        "dissents": [
            {
                "author": d.author,
                "text": d.text,
                "at": stamp(d.at),
                "about_revision": d.about_revision,
            }
            for d in view.dissents
        ],
        "responses": [
            {"author": r.author, "about": r.about, "text": r.text, "at": stamp(r.at)}
            for r in view.responses
        ],
        "private_notes": [
            {"author": n.author, "text": n.text, "at": stamp(n.at)} for n in view.private_notes
        ],
    }


def subject_access_export(
    store: Store,
    person: str,
    *,
    requester: str,
    clock: Clock | None = None,
    zone: tzinfo | str | None = None,
    policy: ReadPolicy | None = None,
    organisation: Organisation | None = None,
    origin: str = "api",
    policy_for: Callable[[str], ReadPolicy] | None = None,
) -> dict[str, Any]:
    """Everything held about *person* (AVG art. 15), as plain JSON data.

    Holds: the person's employment facts, their sharing choices and restrictions, every
    conversation about them in full (including what others wrote about them, private notes
    included), their goals in full, the conversations they took part in and the goals they work
    on for someone else by reference only (no content: that is the other person's data), and
    the audit lines about their record and goals. A conversation destroyed at the end of its
    retention term or erased on request is there, marked ``destroyed``, with ``erased``: when,
    on which ground (``retention``, with the profile, or ``request``), its cycle and kind and
    the day it was held; a goal erased with its owner is in ``erased_goals`` the same way.
    Nothing of their content is left to show, nor anything it could be worked out from: the
    tombstone's key ids are left out, an audit line about a destroyed conversation names
    the part read but not the special theme or field (``record/themes/erased``), and a
    sharing choice about a destroyed conversation is there, marked ``conversation_destroyed``,
    without the theme it showed (``what``: ``theme:erased``). The
    *requester* must be the person or the privacy officer; every read is audited, a refused
    request too (before the error). The result validates against
    ``schemas/subject-access-export.schema.json``
    (:data:`EXPORT_FORMAT`, version 1).

    The moment of the export (of its reads and audit lines) is *clock*'s, the service's; its
    day is a day in *zone*, the installation's time zone.
    """
    check_id(person, pointer="/person")
    check_id(requester, pointer="/requester")
    now = (clock or SystemClock()).now()
    at_now = FixedClock(now)  # one moment for every read of the export
    policy = policy or ReadPolicy()
    day = local_day(now, zone)
    if requester != person and PRIVACY_OFFICER not in policy.directory.roles_of(requester, day):
        store.append_audit(
            [
                AuditRecord(
                    at=now.isoformat(),
                    actor=requester,
                    action="read",
                    object=person_stream(person),
                    result="denied",
                    origin=origin,
                    reason="denied because a subject-access request is made by the employee "
                    "or the privacy officer",
                    purpose=SUBJECT_ACCESS,
                )
            ]
        )
        raise ConsentError(
            f"{requester} may not ask for {person}'s data: only they or the privacy officer may"
        )
    person_events = store.read(person_stream(person))
    sharing = replay_sharing(person, person_events)
    about: list[dict[str, Any]] = []
    took_part: list[dict[str, Any]] = []
    seen: set[str] = set()
    for row in store.conversations(participant=person) + store.conversations(subject=person):
        if row.id in seen:
            continue
        seen.add(row.id)
        if row.subject == person:
            view = read_conversation(
                store,
                row.id,
                viewer=requester,
                purpose=SUBJECT_ACCESS,
                clock=at_now,
                zone=zone,
                policy=policy,
                origin=origin,
                policy_for=policy_for,
            )
            entry = _view_json(view)
            if view.erased is not None:  # that it existed, when and why it went: no content
                entry["erased"] = {
                    **view.erased.to_json(),
                    "cycle": row.cycle,
                    "kind": row.kind,
                    "held_on": _iso(row.held_on),
                }
            about.append(entry)
        else:
            took_part.append(
                {"id": row.id, "kind": row.kind, "state": row.state, "held_on": _iso(row.held_on)}
            )
    owned, working_on = _goals_of(store, person)
    goals = []
    erased_goals: list[dict[str, Any]] = []
    for goal_id in owned:
        goal_view = read_goal(
            store,
            goal_id,
            viewer=requester,
            purpose=SUBJECT_ACCESS,
            clock=at_now,
            zone=zone,
            policy=policy,
            origin=origin,
            policy_for=policy_for,
        )
        if goal_view.goal is not None:
            goals.append(goal_view.goal.to_json())
        elif goal_view.erased is not None:
            erased_goals.append({"id": goal_id, "erased": goal_view.erased.to_json()})
    streams = (
        {person_stream(person)}
        | {stream_of(c["id"]) for c in about}
        | {goal_stream(g) for g in owned}
    )
    destroyed = {str(c["id"]) for c in about if c["destroyed"]}
    gone = {stream_of(c) for c in destroyed}
    audit = [
        _erased_parts(dict(entry), gone)
        for entry in store.read_audit()
        if entry["object"].partition("/")[0] in streams
    ]
    employment = None
    if organisation is not None and person in organisation.people:
        facts = organisation.people[person]
        employment = {"hired_on": _iso(facts.hired_on), "left_on": _iso(facts.left_on)}
        if facts.email:  # personal data the organisation holds: part of the answer (art. 15)
            employment["email"] = facts.email
    return {
        "format": EXPORT_FORMAT,
        "format_version": 1,
        "person": person,
        "generated_at": now.isoformat(),
        "requested_by": requester,
        "legal_basis": "AVG art. 15",
        "employment": employment,
        "sharing_choices": [_choice_json(c, destroyed) for _, c in sorted(sharing.choices.items())],
        "restrictions": [
            {"type": e.type, "at": e.at.isoformat(), "conversation": e.data.get("conversation")}
            for e in person_events
            if e.type.startswith("privacy.")
        ],
        "conversations_about_you": sorted(about, key=lambda c: c["id"]),
        "conversations_you_took_part_in": sorted(took_part, key=lambda c: c["id"]),
        "goals": goals,
        "erased_goals": erased_goals,
        "goals_you_work_on": [{"id": g, "status": status} for g, status in working_on],
        "access_log": audit,
    }


#: The part of an audit line's object that names a record's content: a special-category
#: theme it was about, a special or themed field it answered (``record/themes/health``).
_CONTENT_NAMED = re.compile(r"/(themes|answers)/[^/]+")


def _erased_parts(entry: dict[str, Any], gone: set[str]) -> dict[str, Any]:
    """*entry* with the theme or field its object names left out (``…/themes/erased``) when
    it is about a destroyed conversation (in *gone*): the audit log keeps that a part was
    read, the export does not say again what the destroyed record was about."""
    head, slash, rest = entry["object"].partition("/")
    if head in gone and slash:
        entry["object"] = head + _CONTENT_NAMED.sub(r"/\1/erased", slash + rest)
    return entry


#: What a choice about a destroyed conversation says it showed when that was one theme.
_ERASED_THEME = "theme:erased"


def _choice_json(choice: SharingChoice, destroyed: set[str]) -> dict[str, Any]:
    """*choice* as JSON; when it is about one conversation that was destroyed (in
    *destroyed*), marked ``conversation_destroyed`` and without the theme it showed
    (``theme:erased``): that the choice was made, to whom, for what purpose and when stay,
    not what the destroyed record was about."""
    entry = choice.to_json()
    if choice.conversation is not None and choice.conversation in destroyed:
        entry["conversation_destroyed"] = True
        if choice.theme is not None:
            entry["what"] = _ERASED_THEME
    return entry


def _goals_of(store: Store, person: str) -> tuple[list[str], list[tuple[str, str]]]:
    """The ids of *person*'s own goals, and (id, status) of the goals they work on for others."""
    owned: list[str] = []
    working_on: list[tuple[str, str]] = []
    for stream in store.streams(f"{GOAL_STREAM}:"):
        events = store.read(stream)
        if not events or events[0].type != GoalEvent.SET:
            continue  # destroyed: nothing about anyone is left
        goal = replay_goal(events)
        if goal.owner == person:
            owned.append(goal.id)
        elif person in goal.collaborators or any(n.author == person for n in goal.progress):
            working_on.append((goal.id, goal.status.value))
    return owned, working_on


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None
