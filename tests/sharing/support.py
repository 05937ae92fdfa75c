"""Builders shared by the sharing, access, privacy, audit and policy tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from magcore.domain import conversation as cv
from magcore.domain import sharing
from magcore.events import Event
from magcore.model.cycle import CycleDefinition
from magcore.model.organisation import Assignment, Organisation, Person, Team
from magcore.model.records import Agreement, Participant
from magcore.storage.base import StreamWrite
from magcore.storage.memory import MemoryStore

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)

MAG_CYCLE: dict[str, Any] = {
    "id": "mag",
    "version": 1,
    "name": {"nl": "Mijn Gesprek", "en": "My Conversation"},
    "themes": [
        {"id": "social_safety", "title": {"nl": "Sociale veiligheid", "en": "Social safety"}},
        {
            "id": "vitality",
            "title": {"nl": "Vitaliteit", "en": "Vitality"},
            "special_category": True,
        },
        {"id": "performing", "title": {"nl": "Presteren", "en": "Performing"}},
        {"id": "career_and_mobility", "title": {"nl": "Loopbaan", "en": "Career"}},
        {"id": "learning_and_development", "title": {"nl": "Leren", "en": "Learning"}},
        {"id": "joker", "title": {"nl": "Joker", "en": "Joker"}},
    ],
    "kinds": [
        {
            "id": "mag",
            "name": {"nl": "Mijn Gesprek", "en": "My Conversation"},
            "pattern": "employee_manager",
            "cadence": {"kind": "per_year", "per_year": 1},
            "initiators": ["employee", "manager"],
            "preparers": ["employee", "manager"],
            "themes": ["social_safety", "vitality", "performing", "joker"],
        },
        {
            "id": "stress",
            "name": {"nl": "Gespreksdriehoek", "en": "Stress triangle"},
            "pattern": "three_party",
            "cadence": {"kind": "free"},
            "initiators": ["employee"],
            "preparers": ["employee"],
            "themes": ["vitality"],
            "special_category": True,
        },
    ],
}

RECORD_FORM: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "work": {"type": "string", "title": "How is the work going"},
        "wellbeing": {
            "type": "string",
            "title": "How are you doing",
            "x-magcore-sensitivity": "special-category-risk",
            "x-magcore-theme": "vitality",
        },
    },
}


def mag_cycle(**changes: Any) -> CycleDefinition:
    """The MAG-like cycle, optionally with top-level fields changed."""
    return CycleDefinition.from_json({**MAG_CYCLE, **changes})


def commit(store: MemoryStore, events: Sequence[Event]) -> None:
    """Append *events* (all of one stream) at the stream's current version."""
    if not events:
        return
    stream = events[0].stream
    expected = events[0].version - 1
    rows = None
    if stream.startswith(f"{cv.CONVERSATION_STREAM}:"):
        # The rows the lists read travel with the write, as the command handler sends them.
        rows = cv.read_model(cv.replay((*store.read(stream)[:expected], *events)))
    store.append([StreamWrite(stream, expected, tuple(events), read_model=rows)])


def run(store: MemoryStore, conv_id: str, command: cv.Command, now: datetime) -> None:
    """Decide *command* against the stored conversation and commit its events."""
    events = store.read(cv.stream_of(conv_id))
    state = cv.replay(events) if events else None
    commit(store, cv.decide(state, command, now=now))


def share(store: MemoryStore, command: sharing.SharingCommand, now: datetime) -> int | None:
    """Decide a sharing command for its person and commit it; return a granted choice id."""
    state = sharing.replay(command.person, store.read(sharing.person_stream(command.person)))
    events = sharing.decide(state, command, now=now)
    commit(store, events)
    return int(events[0].data["choice"]) if events[0].type == "sharing.granted" else None


SECRET = "SECRET-wellbeing"


def agreed_conversation(
    store: MemoryStore,
    conv_id: str,
    *,
    employee: str,
    manager: str,
    cycle: CycleDefinition,
    now: datetime = T0,
    note: str = "manager's own note",
) -> None:
    """A held and agreed MAG conversation with a special field, a vitality agreement, a
    performing agreement, a dissent, a response and a private note by the manager."""
    people = (Participant(employee, "employee"), Participant(manager, "manager"))
    run(
        store,
        conv_id,
        cv.RequestConversation(
            actor=employee, conversation_id=conv_id, cycle=cycle, kind="mag", participants=people
        ),
        now,
    )
    run(store, conv_id, cv.SavePreparation(actor=employee, answers={"work": "prep-e"}), now)
    run(store, conv_id, cv.PublishPreparation(actor=employee), now)
    run(store, conv_id, cv.SavePreparation(actor=manager, answers={"work": "prep-m"}), now)
    run(store, conv_id, cv.RaiseTopic(actor=employee, text="topic-vitality", theme="vitality"), now)
    run(store, conv_id, cv.MarkHeld(actor=manager, on=now.date()), now)
    run(
        store,
        conv_id,
        cv.DraftRecord(
            actor=manager,
            summary="summary-text",
            answers={"work": "work-text", "wellbeing": SECRET},
            agreements=(
                Agreement(
                    id="a1", text="agreement-performing", owner="employee", theme="performing"
                ),
                Agreement(id="a2", text="agreement-vitality", owner="both", theme="vitality"),
            ),
        ),
        now,
    )
    run(store, conv_id, cv.ConfirmRecord(actor=manager, revision=1), now)
    run(store, conv_id, cv.ConfirmRecord(actor=employee, revision=1), now)
    run(store, conv_id, cv.AddDissent(actor=employee, text="dissent-text"), now)
    run(store, conv_id, cv.AddResponse(actor=employee, about="record", text="response-text"), now)
    run(store, conv_id, cv.AddPrivateNote(actor=manager, text=note), now)


def small_org(managers: Sequence[str] = ("m1",), start: date = date(2024, 1, 1)) -> Organisation:
    """One team with employee e1 (and e2), managed by m1; hr, po, wc, rs, c1, x are others."""
    people = [
        Person(id=p) for p in ("e1", "e2", "m1", "m2", "m3", "hr", "po", "wc", "rs", "c1", "x")
    ]
    teams = [Team(id="t1", department="d1"), Team(id="t0", department="d0")]
    assignments = [
        Assignment(person="e1", team="t1", role="member", start=start),
        Assignment(person="e2", team="t1", role="member", start=start),
        Assignment(person=managers[0], team="t1", role="manager", start=start),
        Assignment(person="c1", team="t0", role="coach", start=start),
    ]
    return Organisation.build(id="org", people=people, teams=teams, assignments=assignments)


ROLES = {
    "hr": {"hr_adviser"},
    "po": {"privacy_officer"},
    "wc": {"works_council"},
    "rs": {"researcher"},
}


def set_goal(
    store: MemoryStore,
    goal_id: str,
    *,
    owner: str,
    now: datetime = T0,
    theme: str | None = None,
    agreed_in: str | None = None,
    collaborators: Sequence[str] = (),
    note: str | None = None,
) -> None:
    """Set a goal (title ``goal-<id>``) and, if given, a progress note by its owner."""
    from magcore.domain import goals

    events = goals.decide_goal(
        None,
        goals.SetGoal(
            actor=owner,
            goal_id=goal_id,
            owner=owner,
            title=f"goal-{goal_id}",
            theme=theme,
            agreed_in=agreed_in,
            collaborators=tuple(collaborators),
        ),
        now=now,
    )
    commit(store, events)
    if note is not None:
        goal = goals.replay_goal(events)
        commit(
            store,
            goals.decide_goal(
                goal, goals.NoteProgress(actor=owner, goal_id=goal_id, text=note), now=now
            ),
        )
