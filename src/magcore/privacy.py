"""Privacy operations: retention, destruction, restriction, subject access and the data inventory.

* **Retention** is a per-municipality :class:`RetentionProfile` of the form "destroy N years after
  event X". magcore ships ``ap-advice`` (2 years after employment ends, the Dutch DPA's advice) and
  ``selectielijst-2020`` (5 years after completion, *Selectielijst gemeenten 2020*); plugins add
  others through ``magcore_register_retention_rules``.
* **Destruction** replaces a conversation's events by one content-free tombstone event and writes
  an audit line, so that the destruction is provable without its content.
* **Restriction** (AVG art. 18) is an event in the employee's stream; while it holds, only the
  privacy officer reads the record (see :mod:`magcore.access`).
* **Subject access** (AVG art. 15): :func:`subject_access_export` gathers everything held about
  one person, including what others wrote about them, as JSON; :func:`export_html` renders it
  as readable HTML.
* **Data inventory**: :func:`data_inventory` lists every recorded field with its category,
  purpose, who may see it, retention and sensitivity, for a DPIA.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Protocol, runtime_checkable

import attrs

from .access import PRIVACY_OFFICER, SUBJECT_ACCESS, LegalBasis
from .conversation import stream_of
from .errors import ConsentError, StorageError
from .events import Event, thaw
from .goals import goal_stream, replay_goal
from .model.cycle import CycleDefinition
from .model.organisation import Organisation
from .model.text import Text, as_text
from .reading import (
    DESTROYED_EVENT,
    SENSITIVITY_KEY,
    SPECIAL_CATEGORY_RISK,
    ConversationView,
    ReadPolicy,
    read_conversation,
    read_goal,
)
from .sharing import person_stream
from .sharing import replay as replay_sharing
from .storage.base import AuditRecord, Store

__all__ = [
    "AP_ADVICE",
    "BUILTIN_PROFILES",
    "COMPLETED",
    "EMPLOYMENT_ENDED",
    "EXPORT_FORMAT",
    "SELECTIELIJST_2020",
    "InventoryRow",
    "RetentionProfile",
    "SupportsDestroy",
    "data_inventory",
    "destroy_conversation",
    "due_for_destruction",
    "export_html",
    "inventory_markdown",
    "restriction_event",
    "retention_due",
    "subject_access_export",
]

#: The ``format`` of a subject-access export (``schemas/subject-access-export.schema.json``).
EXPORT_FORMAT = "magcore.subject-access-export"
#: Anchor: the day the employee's employment ends (``Person.left_on``).
EMPLOYMENT_ENDED = "employment_ended"
#: Anchor: the day the conversation was completed (agreed, not held or cancelled).
COMPLETED = "completed"
_COMPLETION_EVENTS = ("conversation.agreed", "conversation.not_held", "conversation.cancelled")


@attrs.frozen(kw_only=True)
class RetentionProfile:
    """ "Destroy *years* years after *after*": ``employment_ended``, ``completed``, or the type
    of any event in the conversation's stream (its last occurrence counts)."""

    id: str
    title: Text = attrs.field(converter=as_text)
    years: int
    after: str
    source: str = ""

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.years, int) or not 1 <= self.years <= 100:
            raise ValueError(f"retention profile {self.id!r}: years must be from 1 to 100")
        if not self.after.strip():
            raise ValueError(f"retention profile {self.id!r}: after names no event")

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title.to_json(),
            "years": self.years,
            "after": self.after,
            "source": self.source,
        }


AP_ADVICE = RetentionProfile(
    id="ap-advice",
    title={
        "nl": "2 jaar nadat het dienstverband eindigt",
        "en": "2 years after employment ends",
    },
    years=2,
    after=EMPLOYMENT_ENDED,
    source="Autoriteit Persoonsgegevens, advice on personnel files",
)
SELECTIELIJST_2020 = RetentionProfile(
    id="selectielijst-2020",
    title={
        "nl": "5 jaar nadat het gesprek is afgerond",
        "en": "5 years after the conversation is completed",
    },
    years=5,
    after=COMPLETED,
    source="Selectielijst gemeenten en intergemeentelijke organen 2020",
)
BUILTIN_PROFILES: Mapping[str, RetentionProfile] = {
    p.id: p for p in (AP_ADVICE, SELECTIELIJST_2020)
}


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def retention_due(
    profile: RetentionProfile, events: Sequence[Event], *, left_on: date | None = None
) -> date | None:
    """The day the conversation with *events* is due for destruction, or ``None`` while the
    anchor event has not happened (the employee still works here, the conversation is open)."""
    anchor: date | None
    if profile.after == EMPLOYMENT_ENDED:
        anchor = left_on
    else:
        types = _COMPLETION_EVENTS if profile.after == COMPLETED else (profile.after,)
        anchor = None
        for event in events:
            if event.type in types:
                anchor = event.at.date()
    return None if anchor is None else _add_years(anchor, profile.years)


@runtime_checkable
class SupportsDestroy(Protocol):
    """A store that can replace a stream's events by one tombstone event (in one transaction).

    Every :class:`~magcore.storage.base.Store` has this now (see ``Store.destroy_stream``); the
    protocol stays so that callers can check an object that is not a full store.
    """

    def destroy_stream(
        self, stream: str, tombstone: Event, *, audit: Sequence[AuditRecord] = ()
    ) -> None: ...


def due_for_destruction(
    store: Store,
    *,
    today: date,
    cycles: Mapping[str, CycleDefinition],
    profiles: Mapping[str, RetentionProfile] = BUILTIN_PROFILES,
    organisation: Organisation | None = None,
) -> list[tuple[str, RetentionProfile, date]]:
    """Every conversation whose retention term has passed on *today*: (id, profile, due).

    The profile comes from the cycle version the conversation started under (``cycles`` maps
    ``id@version`` to definitions); an unknown profile is an error, never a silent keep.
    """
    found: list[tuple[str, RetentionProfile, date]] = []
    for stream in store.streams("conversation:"):
        events = store.read(stream)
        if not events or events[0].type != "conversation.requested":
            continue
        cycle_key = events[0].data["cycle"]
        cycle = cycles.get(cycle_key)
        if cycle is None:
            raise ConsentError(f"conversation {stream} started under unknown cycle {cycle_key}")
        profile = profiles.get(cycle.retention_profile)
        if profile is None:
            raise ConsentError(
                f"cycle {cycle_key} names unknown retention profile {cycle.retention_profile!r}"
            )
        subject = next(
            (p["person"] for p in events[0].data["participants"] if p["role"] == "employee"),
            None,
        )
        left_on = None
        if organisation is not None and subject is not None and subject in organisation.people:
            left_on = organisation.people[subject].left_on
        due = retention_due(profile, events, left_on=left_on)
        if due is not None and due <= today:
            found.append((stream.partition(":")[2], profile, due))
    return found


def destroy_conversation(
    store: Store,
    conversation_id: str,
    *,
    profile: RetentionProfile,
    due: date,
    now: datetime,
    actor: str = "system",
    origin: str = "retention",
) -> Event:
    """Destroy a conversation's content: one tombstone event stays, and an audit line says so.

    The tombstone holds the profile, the due date and how many events were removed; no content.
    The store swaps the events for the tombstone and writes the audit line in one transaction
    (``Store.destroy_stream``). The conversation's read-model row stays as a content-free trace
    (who, when, which kind: participation statistics keep counting it); its agreements are
    removed from the read models, so they are neither listed nor carried forward. Destroying a
    destroyed conversation returns its tombstone and changes nothing.
    """
    if not isinstance(store, SupportsDestroy):
        raise StorageError(f"store {store.url} cannot destroy streams (no destroy_stream)")
    stream = stream_of(conversation_id)
    events = store.read(stream)
    if not events:
        raise StorageError(f"there is no conversation {conversation_id!r} to destroy")
    if events[-1].type == DESTROYED_EVENT:
        return events[-1]
    tombstone = Event(
        stream=stream,
        version=events[-1].version + 1,
        type=DESTROYED_EVENT,
        at=now,
        actor=actor,
        data={
            "profile": profile.id,
            "due": due.isoformat(),
            "events_removed": len(events),
        },
    )
    line = AuditRecord(
        at=now.isoformat(),
        actor=actor,
        action="destroy",
        object=stream,
        result="done",
        origin=origin,
        reason=f"retention profile {profile.id}, due {due.isoformat()}",
        purpose="retention",
    )
    store.destroy_stream(stream, tombstone, audit=[line])
    return tombstone


def restriction_event(
    person: str,
    version: int,
    *,
    actor: str,
    now: datetime,
    conversation: str | None = None,
    lift: bool = False,
    reason: str = "",
) -> Event:
    """The event that restricts (or lifts the restriction of) a person's record, AVG art. 18.

    *version* is the new version of the ``person:<id>`` stream; ``conversation=None`` covers every
    conversation about the person.
    """
    return Event(
        stream=person_stream(person),
        version=version,
        type="privacy.restriction_lifted" if lift else "privacy.restricted",
        at=now,
        actor=actor,
        data={"conversation": conversation, "reason": reason},
    )


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
        else {"summary": view.summary, "answers": thaw(view.answers)},
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
    now: datetime,
    policy: ReadPolicy | None = None,
    organisation: Organisation | None = None,
    origin: str = "api",
) -> dict[str, Any]:
    """Everything held about *person* (AVG art. 15), as plain JSON data.

    Holds: the person's employment facts, their sharing choices and restrictions, every
    conversation about them in full (including what others wrote about them, private notes
    included), their goals in full, the conversations they took part in and the goals they work
    on for someone else by reference only (no content: that is the other person's data), and
    the audit lines about their record and goals. The *requester* must be the person or the
    privacy officer; every read is audited, a refused request too (before the error). The
    result validates against ``schemas/subject-access-export.schema.json``
    (:data:`EXPORT_FORMAT`, version 1).
    """
    policy = policy or ReadPolicy()
    day = now.date()
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
                now=now,
                policy=policy,
                origin=origin,
            )
            about.append(_view_json(view))
        else:
            took_part.append(
                {"id": row.id, "kind": row.kind, "state": row.state, "held_on": _iso(row.held_on)}
            )
    owned, working_on = _goals_of(store, person)
    goals = []
    for goal_id in owned:
        goal_view = read_goal(
            store,
            goal_id,
            viewer=requester,
            purpose=SUBJECT_ACCESS,
            now=now,
            policy=policy,
            origin=origin,
        )
        if goal_view.goal is not None:
            goals.append(goal_view.goal.to_json())
    streams = (
        {person_stream(person)}
        | {stream_of(c["id"]) for c in about}
        | {goal_stream(g) for g in owned}
    )
    audit = [
        dict(entry) for entry in store.read_audit() if entry["object"].partition("/")[0] in streams
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
        "sharing_choices": [c.to_json() for _, c in sorted(sharing.choices.items())],
        "restrictions": [
            {"type": e.type, "at": e.at.isoformat(), "conversation": e.data.get("conversation")}
            for e in person_events
            if e.type.startswith("privacy.")
        ],
        "conversations_about_you": sorted(about, key=lambda c: c["id"]),
        "conversations_you_took_part_in": sorted(took_part, key=lambda c: c["id"]),
        "goals": goals,
        "goals_you_work_on": [{"id": g, "status": status} for g, status in working_on],
        "access_log": audit,
    }


def _goals_of(store: Store, person: str) -> tuple[list[str], list[tuple[str, str]]]:
    """The ids of *person*'s own goals, and (id, status) of the goals they work on for others."""
    owned: list[str] = []
    working_on: list[tuple[str, str]] = []
    for stream in store.streams("goal:"):
        events = store.read(stream)
        if not events or events[0].type != "goal.set":
            continue  # destroyed: nothing about anyone is left
        goal = replay_goal(events)
        if goal.owner == person:
            owned.append(goal.id)
        elif person in goal.collaborators or any(n.author == person for n in goal.progress):
            working_on.append((goal.id, goal.status.value))
    return owned, working_on


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


_LABELS = {
    "nl": {
        "title": "Uw gegevens (inzage, AVG artikel 15)",
        "person": "Persoon",
        "generated": "Gemaakt op",
        "choices": "Uw deelkeuzes",
        "about": "Gesprekken over u",
        "took_part": "Gesprekken waaraan u meedeed over iemand anders (alleen verwijzing)",
        "log": "Wie heeft uw gegevens gelezen of gewijzigd",
        "none": "Geen.",
        "destroyed": "Vernietigd volgens de bewaartermijn.",
        "summary": "Verslag",
        "agreements": "Afspraken",
        "preparations": "Voorbereidingen",
        "dissents": "Aantekeningen van onenigheid",
        "responses": "Uw zienswijzen",
        "notes": "Privé-aantekeningen",
        "topics": "Onderwerpen",
        "goals": "Uw doelen",
        "goals_work_on": "Doelen van iemand anders waaraan u meewerkt (alleen verwijzing)",
        "progress": "Voortgang",
        "goal_facts": "Status: {status}. Thema: {theme}. Afgesproken in: {agreed_in}.",
    },
    "en": {
        "title": "Your data (subject access, GDPR article 15)",
        "person": "Person",
        "generated": "Generated at",
        "choices": "Your sharing choices",
        "about": "Conversations about you",
        "took_part": "Conversations you took part in about someone else (reference only)",
        "log": "Who read or changed your data",
        "none": "None.",
        "destroyed": "Destroyed under the retention term.",
        "summary": "Record",
        "agreements": "Agreements",
        "preparations": "Preparations",
        "dissents": "Notes of disagreement",
        "responses": "Your responses",
        "notes": "Private notes",
        "topics": "Topics",
        "goals": "Your goals",
        "goals_work_on": "Goals of someone else you work on (reference only)",
        "progress": "Progress",
        "goal_facts": "Status: {status}. Theme: {theme}. Agreed in: {agreed_in}.",
    },
}


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


#: Column headings people read, per language; a key not listed is shown as it is.
_COLUMNS = {
    "nl": {
        "choice": "Keuze",
        "to": "Met wie",
        "what": "Wat",
        "purpose": "Doel",
        "until": "Tot en met",
        "granted_at": "Gegeven op",
        "revoked_at": "Ingetrokken op",
        "id": "Nummer",
        "text": "Tekst",
        "owner": "Wie doet het",
        "due": "Klaar op",
        "status": "Stand",
        "author": "Geschreven door",
        "theme": "Thema",
        "answers": "Antwoorden",
        "published_at": "Gedeeld op",
        "at": "Wanneer",
        "about": "Over",
        "kind": "Soort gesprek",
        "state": "Stand",
        "held_on": "Gehouden op",
        "seq": "Regel",
        "actor": "Wie",
        "action": "Handeling",
        "object": "Gegevens",
        "result": "Uitkomst",
        "reason": "Reden",
    },
    "en": {
        "choice": "Choice",
        "to": "With whom",
        "what": "What",
        "purpose": "Purpose",
        "until": "Until",
        "granted_at": "Given on",
        "revoked_at": "Withdrawn on",
        "id": "Number",
        "text": "Text",
        "owner": "Who does it",
        "due": "Due",
        "status": "Status",
        "author": "Written by",
        "theme": "Theme",
        "answers": "Answers",
        "published_at": "Shared on",
        "at": "When",
        "about": "About",
        "kind": "Kind of conversation",
        "state": "State",
        "held_on": "Held on",
        "seq": "Line",
        "actor": "Who",
        "action": "Action",
        "object": "Data",
        "result": "Result",
        "reason": "Reason",
    },
}


def _table(
    rows: Iterable[Mapping[str, Any]],
    columns: Sequence[str],
    none: str,
    labels: Mapping[str, str] | None = None,
) -> str:
    rows = list(rows)
    if not rows:
        return f"<p>{_e(none)}</p>"
    labels = labels or {}
    head = "".join(f'<th scope="col">{_e(labels.get(c, c))}</th>' for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_e(_flat(row.get(c)))}</td>" for c in columns) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _flat(value: Any) -> str:
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {_flat(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_flat(v) for v in value)
    return "" if value is None else str(value)


def export_html(export: Mapping[str, Any], *, language: str = "nl") -> str:
    """A readable, accessible HTML page of a :func:`subject_access_export` result."""
    t = _LABELS["en" if language == "en" else "nl"]
    columns = _COLUMNS["en" if language == "en" else "nl"]
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{"en" if language == "en" else "nl"}"><head><meta charset="utf-8">',
        f"<title>{_e(t['title'])}</title></head><body><main>",
        f"<h1>{_e(t['title'])}</h1>",
        f"<p>{_e(t['person'])}: {_e(export['person'])}<br>"
        f"{_e(t['generated'])}: {_e(export['generated_at'])}</p>",
        f"<h2>{_e(t['choices'])}</h2>",
        _table(
            export["sharing_choices"],
            ("choice", "to", "what", "purpose", "until", "granted_at", "revoked_at"),
            t["none"],
            columns,
        ),
        f"<h2>{_e(t['about'])}</h2>",
    ]
    if not export["conversations_about_you"]:
        parts.append(f"<p>{_e(t['none'])}</p>")
    for conv in export["conversations_about_you"]:
        parts.append(f"<section><h3>{_e(conv['id'])}</h3>")
        if conv["destroyed"]:
            parts.append(f"<p>{_e(t['destroyed'])}</p></section>")
            continue
        if conv["metadata"]:
            parts.append(f"<p>{_e(_flat(conv['metadata']))}</p>")
        if conv["record"]:
            parts.append(f"<h4>{_e(t['summary'])}</h4><p>{_e(conv['record']['summary'])}</p>")
            parts.append(_table([conv["record"]["answers"]], list(conv["record"]["answers"]), ""))
        for key, label, fields in (
            ("agreements", "agreements", ("id", "text", "owner", "due", "status")),
            ("topics", "topics", ("author", "text", "theme")),
            ("preparations", "preparations", ("author", "answers", "published_at")),
            ("dissents", "dissents", ("author", "text", "at")),
            ("responses", "responses", ("author", "about", "text", "at")),
            ("private_notes", "notes", ("author", "text", "at")),
        ):
            parts.append(f"<h4>{_e(t[label])}</h4>")
            parts.append(_table(conv[key], fields, t["none"], columns))
        parts.append("</section>")
    parts.append(f"<h2>{_e(t['goals'])}</h2>")
    if not export["goals"]:
        parts.append(f"<p>{_e(t['none'])}</p>")
    for goal in export["goals"]:
        facts = t["goal_facts"].format(
            status=goal["status"], theme=goal["theme"] or "-", agreed_in=goal["agreed_in"] or "-"
        )
        parts.append(f"<section><h3>{_e(goal['title'])}</h3><p>{_e(facts)}</p>")
        if goal["description"]:
            parts.append(f"<p>{_e(goal['description'])}</p>")
        parts.append(f"<h4>{_e(t['progress'])}</h4>")
        parts.append(_table(goal["progress"], ("author", "text", "at"), t["none"], columns))
        parts.append("</section>")
    parts.append(f"<h2>{_e(t['goals_work_on'])}</h2>")
    parts.append(_table(export["goals_you_work_on"], ("id", "status"), t["none"], columns))
    parts.append(f"<h2>{_e(t['took_part'])}</h2>")
    parts.append(
        _table(
            export["conversations_you_took_part_in"],
            ("id", "kind", "state", "held_on"),
            t["none"],
            columns,
        )
    )
    parts.append(f"<h2>{_e(t['log'])}</h2>")
    parts.append(
        _table(
            export["access_log"],
            ("seq", "at", "actor", "action", "object", "result", "reason", "purpose"),
            t["none"],
            columns,
        )
    )
    parts.append("</main></body></html>")
    return "\n".join(parts)


# -- data inventory ----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class InventoryRow:
    """One recorded field as a DPIA lists it."""

    field: str
    category: str
    purpose: str
    who_may_see: str
    retention: str
    sensitivity: str

    def to_json(self) -> dict[str, str]:
        return attrs.asdict(self)


_PARTICIPANTS = (
    "participants; others only by the employee's sharing choice or a declared legal basis"
)


def _who(legal_bases: Sequence[LegalBasis], part: str, special: bool) -> str:
    if special:
        return (
            "participants; others only by the employee's own sharing choice; never in HR "
            "overviews or research data"
        )
    bases = [
        f"{b.name} ({b.article}): {', '.join(sorted(b.roles))}"
        for b in legal_bases
        if part in {p.value for p in b.parts}
    ]
    return _PARTICIPANTS + ("; legal bases: " + "; ".join(bases) if bases else "")


def data_inventory(
    cycle: CycleDefinition,
    *,
    forms: Mapping[str, Any] | None = None,
    profiles: Mapping[str, RetentionProfile] = BUILTIN_PROFILES,
    legal_bases: Sequence[LegalBasis] = (),
) -> tuple[InventoryRow, ...]:
    """Every field magcore records under *cycle*, with category, purpose, who may see it,
    retention and sensitivity. *forms* maps a form id to its JSON Schema (or a
    ``FormDefinition``, whose ``schema`` is used)."""
    profile = profiles.get(cycle.retention_profile)
    retention = (
        f"{profile.id}: {profile.title.en}" if profile else f"unknown ({cycle.retention_profile})"
    )
    special_themes = sorted(t.id for t in cycle.themes if t.special_category)
    rows = [
        InventoryRow(
            field="conversation/metadata",
            category="personal data (who, when, which kind)",
            purpose="planning and holding conversations; participation statistics (k-anonymous)",
            who_may_see=_who(legal_bases, "metadata", False),
            retention=retention
            + "; after destruction a content-free row (who, when, which kind, state) stays for "
            "participation statistics",
            sensitivity="normal",
        ),
        InventoryRow(
            field="record/summary",
            category="personal data, including opinions about the employee",
            purpose="remembering what was discussed and agreed",
            who_may_see=_who(legal_bases, "record", False),
            retention=retention,
            sensitivity="normal",
        ),
        InventoryRow(
            field="agreement/text",
            category="personal data",
            purpose="following up agreements; carrying open agreements forward",
            who_may_see=_who(legal_bases, "agreement", False)
            + (
                f"; agreements on {', '.join(special_themes)} are special-category"
                if special_themes
                else ""
            ),
            retention=retention,
            sensitivity="normal; special-category when about " + ", ".join(special_themes)
            if special_themes
            else "normal",
        ),
        InventoryRow(
            field="preparation/answers",
            category="personal data",
            purpose="preparing the conversation",
            who_may_see="the author; the other participants once published; "
            + _who(legal_bases, "preparation", False),
            retention=retention,
            sensitivity="normal",
        ),
        InventoryRow(
            field="dissent/text",
            category="personal data",
            purpose="recording disagreement with the record (two-sidedness)",
            who_may_see=_who(legal_bases, "dissent", False),
            retention=retention,
            sensitivity="normal",
        ),
        InventoryRow(
            field="response/text",
            category="personal data",
            purpose="the employee's own view next to what others wrote (correction)",
            who_may_see=_who(legal_bases, "response", False),
            retention=retention,
            sensitivity="normal",
        ),
        InventoryRow(
            field="private_note/text",
            category="private author note (declared category)",
            purpose="the author's own memory",
            who_may_see="the author alone; included in the employee's subject-access export",
            retention=retention,
            sensitivity="normal",
        ),
        InventoryRow(
            field="sharing_choice",
            category="personal data (the employee's own choices)",
            purpose="showing the record to others on the employee's terms",
            who_may_see="the employee; the privacy officer",
            retention=retention,
            sensitivity="normal",
        ),
        InventoryRow(
            field="audit_log",
            category="log data (BIO2)",
            purpose="accountability: who read or changed what, and why",
            who_may_see="the privacy officer; the employee for lines about their own record",
            retention=retention,
            sensitivity="normal",
        ),
    ]
    for theme in cycle.themes:
        if theme.special_category:
            rows.append(
                InventoryRow(
                    field=f"theme/{theme.id}",
                    category="special-category risk (AVG art. 9; UAVG art. 30)",
                    purpose=f"talking about {theme.title.en.lower()}",
                    who_may_see=_who(legal_bases, "record", True),
                    retention=retention,
                    sensitivity=SPECIAL_CATEGORY_RISK,
                )
            )
    for form_id, form in sorted((forms or {}).items()):
        schema = getattr(form, "schema", form)
        for name, field in sorted((schema.get("properties") or {}).items()):
            if not isinstance(field, Mapping):
                continue
            special = field.get(SENSITIVITY_KEY) == SPECIAL_CATEGORY_RISK
            rows.append(
                InventoryRow(
                    field=f"form/{form_id}/{name}",
                    category="special-category risk (AVG art. 9; UAVG art. 30)"
                    if special
                    else "personal data",
                    purpose=str(field.get("description") or field.get("title") or name),
                    who_may_see=_who(legal_bases, "record", special),
                    retention=retention,
                    sensitivity=SPECIAL_CATEGORY_RISK if special else "normal",
                )
            )
    return tuple(rows)


def inventory_markdown(rows: Iterable[InventoryRow]) -> str:
    """The inventory as a Markdown table (for a DPIA document)."""
    lines = [
        "| field | category | purpose | who may see it | retention | sensitivity |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        cells = (
            row.field,
            row.category,
            row.purpose,
            row.who_may_see,
            row.retention,
            row.sensitivity,
        )
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"
