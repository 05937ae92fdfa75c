"""A goal, and a note on an agreement, are decided under what their origin makes them.

Two leaks found by an attacker review: an observer plugin with an approved content declaration
got the progress and closing notes of a goal on a special-category theme, everything of a goal
agreed in a conversation of a special-category kind (vitality), and the note on an agreement
about a special theme (those events carry no theme of their own); and a legal basis or a plain
``goals`` choice opened a goal agreed in a vitality conversation that neither opens itself.
The rule (:mod:`magcore.access.origins`): whatever a goal event or an agreement's note discloses
is decided under the goal's own theme, the kind, policy and restriction of the conversation it
was agreed in, and the agreement's theme, as the events say; never the read-model rows.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from magcore import (
    Agreement,
    get_plugin_manager,
    hookimpl,
)
from magcore.access.decision import LegalBasis, Part
from magcore.access.delivery import DELIVER_CONTENT
from magcore.access.observers import ContentNeed
from magcore.access.restriction import restriction_event
from magcore.app.service import Service
from magcore.domain.conversation import UpdateAgreement
from magcore.domain.goals import CloseGoal, NoteProgress, SetGoal, decide_goal, goal_stream
from magcore.domain.sharing import GrantSharing
from magcore.storage.base import StreamWrite

from .mix_world import T0, agreed, mix_cycle, open_mix

PURPOSE = "reintegration"
CYCLE = mix_cycle(special_theme=True)


class _Plugin:
    """An HR connector: a legal basis for goals, and an approved content declaration for the
    goal events and agreement notes; it records every event it is handed."""

    def __init__(self) -> None:
        self.got: list[tuple[str, str, dict[str, Any] | None]] = []

    @hookimpl
    def magcore_register_legal_bases(self, register: Any) -> None:
        register(
            LegalBasis(
                name="poortwachter",
                article="Wvp art. 25",
                roles={"hr_adviser"},
                parts={Part.GOAL, Part.AGREEMENT, Part.RECORD},
                purpose=PURPOSE,
            )
        )

    @hookimpl
    def magcore_declare_content(self, register: Any) -> None:
        register(
            ContentNeed(
                event_types=["goal.set", "goal.progress_noted", "goal.closed", "agreement.updated"],
                fields=["title", "description", "text", "note"],
                purpose="keep the HR file current",
                basis="AVG art. 6(1)(b)",
            )
        )

    @hookimpl
    def magcore_events_committed(self, batch: Any) -> None:
        for e in batch.events:
            self.got.append((e.type, e.stream, None if e.content is None else dict(e.content)))

    def of(self, stream: str) -> list[tuple[str, dict[str, Any] | None]]:
        return [(t, c) for t, s, c in self.got if s == stream]


def _service(url: str = "memory://", *, fresh: bool = True) -> tuple[Service, _Plugin]:
    plugin = _Plugin()
    host = get_plugin_manager(load_entry_points=False, extra=[("hr-connector", plugin)])
    return open_mix(url, host, CYCLE, fresh=fresh, dispatch="off"), plugin


def _goal(service: Service, goal: str, tag: str, **kw: Any) -> None:
    """A goal set by anna with bram, a progress note, and (unless agreed with bram) closed."""
    service.execute_goal(
        SetGoal(
            actor="anna",
            owner="anna",
            goal_id=goal,
            title=f"{tag}-TITLE",
            description=f"{tag}-DESC",
            collaborators=["bram"],
            **kw,
        )
    )
    service.execute_goal(NoteProgress(actor="anna", goal_id=goal, text=f"{tag}-PROGRESS"))
    service.execute_goal(
        CloseGoal(actor="anna", goal_id=goal, status="reached", note=f"{tag}-CLOSING")
    )


def _goal_as_stored_before(service: Service, goal: str, tag: str, **kw: Any) -> None:
    """A goal set as :func:`_goal` sets it, kept from before the service checked the
    conversation it names (an id no conversation has is refused now)."""
    command = SetGoal(
        actor="anna",
        owner="anna",
        goal_id=goal,
        title=f"{tag}-TITLE",
        description=f"{tag}-DESC",
        collaborators=["bram"],
        **kw,
    )
    service.commit([StreamWrite(goal_stream(goal), 0, decide_goal(None, command, now=T0))])
    service.execute_goal(NoteProgress(actor="anna", goal_id=goal, text=f"{tag}-PROGRESS"))
    service.execute_goal(
        CloseGoal(actor="anna", goal_id=goal, status="reached", note=f"{tag}-CLOSING")
    )


def _restrict(service: Service, conversation: str) -> None:
    version = service.store.version("person:anna")
    event = restriction_event(
        "anna", version + 1, actor="po", now=T0, conversation=conversation, reason="disputed"
    )
    service.commit([StreamWrite("person:anna", version, (event,))])


def test_a_plugin_gets_nothing_special_of_goals_and_agreement_notes() -> None:
    """Declared and approved, the plugin still gets none of: a goal on the special theme
    (progress and closing notes too), a goal agreed in a vitality conversation, a goal agreed
    in a restricted conversation, the note on an agreement about the special theme. It does
    get the ordinary goal and the note on an ordinary agreement; each refusal has its line."""
    service, plugin = _service()
    yearly = agreed(
        service,
        "yearly",
        agreements=[
            Agreement(id="a1", text="agreed-work", owner="employee", theme="work"),
            Agreement(id="a2", text="agreed-health", owner="employee", theme="health"),
        ],
    )
    vitality = agreed(service, "vitality")
    restricted = agreed(service, "yearly")
    _goal(service, "g-health", "HEALTH", theme="health")
    _goal(service, "g-vitality", "VITALITY", agreed_in=vitality)
    _goal(service, "g-restricted", "RESTRICTED", agreed_in=restricted)
    _goal(service, "g-work", "WORK", theme="work", agreed_in=yearly)
    for agreement in ("a1", "a2"):
        service.execute(
            yearly,
            UpdateAgreement(
                actor="anna", agreement_id=agreement, status="done", note=f"NOTE-{agreement}"
            ),
        )
    _restrict(service, restricted)
    service.dispatcher.drain(wait=True)
    shown = repr(plugin.got)
    for secret in ("HEALTH-", "VITALITY-", "RESTRICTED-", "NOTE-a2"):
        assert secret not in shown, secret
    for goal in ("g-health", "g-vitality", "g-restricted"):
        got = plugin.of(f"goal:{goal}")
        assert [t for t, _ in got] == ["goal.set", "goal.progress_noted", "goal.closed"]
        assert all(content is None for _, content in got), goal
    assert plugin.of("goal:g-work") == [
        ("goal.set", {"title": "WORK-TITLE", "description": "WORK-DESC"}),
        ("goal.progress_noted", {"text": "WORK-PROGRESS"}),
        ("goal.closed", {"note": "WORK-CLOSING"}),
    ]
    notes = [c for t, c in plugin.of(f"conversation:{yearly}") if t == "agreement.updated"]
    assert notes == [{"note": "NOTE-a1"}, None]
    lines = [
        line
        for line in service.store.read_audit()
        if line["action"] == DELIVER_CONTENT and line["result"] == "denied"
    ]
    reasons = {line["object"].rsplit("/", 1)[0]: line["reason"] for line in lines}
    assert "special-category theme" in reasons["goal:g-health"]
    assert "special-category as a whole" in reasons["goal:g-vitality"]
    assert "restricted (AVG art. 18)" in reasons["goal:g-restricted"]
    assert any(
        line["object"] == f"conversation:{yearly}/{service.store.version(f'conversation:{yearly}')}"
        and "special-category theme" in line["reason"]
        for line in lines
    )
    service.close()


@pytest.mark.parametrize("how", ["legal basis", "goals choice"])
def test_a_goal_is_opened_only_as_its_origin_allows(how: str) -> None:
    """A legal basis for goals, or an ordinary ``goals`` choice, opens the goal agreed in an
    ordinary conversation, not the one agreed in a vitality conversation (which neither opens
    itself), nor one agreed in a restricted conversation, nor one whose origin the events do
    not describe. The owner and who works on it still read each; the privacy officer reads
    the restricted one."""
    service, _ = _service()
    ordinary = agreed(service, "yearly")
    vitality = agreed(service, "vitality")
    restricted = agreed(service, "yearly")
    _goal(service, "g-ordinary", "ORDINARY", agreed_in=ordinary)
    _goal(service, "g-vitality", "VITALITY", agreed_in=vitality)
    _goal(service, "g-restricted", "RESTRICTED", agreed_in=restricted)
    _goal_as_stored_before(service, "g-nowhere", "NOWHERE", agreed_in="c-nowhere")
    _restrict(service, restricted)
    if how == "legal basis":
        viewer = "hr1"
    else:
        viewer = "carla"
        service.share(
            GrantSharing(actor="anna", person="anna", to="carla", what="goals", purpose=PURPOSE)
        )
    # the vitality conversation itself is closed to the same viewer for the same purpose
    assert not service.view(vitality, actor=viewer, purpose=PURPOSE).has_content
    opened = service.view_goal("g-ordinary", actor=viewer, purpose=PURPOSE)
    assert opened.goal is not None
    assert opened.goal.description == "ORDINARY-DESC"
    for goal in ("g-vitality", "g-restricted", "g-nowhere"):
        view = service.view_goal(goal, actor=viewer, purpose=PURPOSE)
        assert view.goal is None, goal
        assert not view.decision.allowed
    assert "special-category" in (
        service.view_goal("g-vitality", actor=viewer, purpose=PURPOSE).decision.reason
    )
    assert "restricted" in (
        service.view_goal("g-restricted", actor=viewer, purpose=PURPOSE).decision.reason
    )
    for goal in ("g-vitality", "g-nowhere"):
        for reader in ("anna", "bram"):
            assert service.view_goal(goal, actor=reader).goal is not None, (goal, reader)
    assert service.view_goal("g-restricted", actor="po", purpose=PURPOSE).goal is not None
    service.close()


def test_an_edited_kind_row_does_not_open_a_goal_of_a_special_kind(tmp_path: Path) -> None:
    """The kind is the conversation's events', not its read-model row's: a database writer
    without keys who marks the vitality conversation ``yearly`` opens nothing of its goal."""
    path = tmp_path / "magcore.db"
    service, _ = _service(f"sqlite:///{path}")
    vitality = agreed(service, "vitality")
    _goal(service, "g-vitality", "VITALITY", agreed_in=vitality)
    service.close()
    db = sqlite3.connect(path)
    assert db.execute("UPDATE conversations SET kind = 'yearly' WHERE id = ?", (vitality,)).rowcount
    db.commit()
    db.close()
    service, plugin = _service(f"sqlite:///{path}", fresh=False)
    assert service.view_goal("g-vitality", actor="hr1", purpose=PURPOSE).goal is None
    service.dispatcher.drain(wait=True)
    assert [c for _, c in plugin.of("goal:g-vitality")] == [None, None, None]
    assert "VITALITY-" not in repr(plugin.got)
    service.close()
