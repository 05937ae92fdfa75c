"""Goals linked to a value, behaviour or competence of the cycle; a record's development goals
become agreements and goals on the service's own path (no integrator code)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from magcore import (
    ConfirmRecord,
    CycleDefinition,
    DraftRecord,
    FixedClock,
    MarkHeld,
    RecordInvalidError,
    SetGoal,
    get_plugin_manager,
    hookimpl,
    open_service,
)
from magcore.access.content import CONTENT_FIELDS
from magcore.app.record_goals import GOALS_KEY, goal_id
from magcore.errors import DefinitionError
from magcore.model.records import Participant
from magcore.testing import approve_cycle, generate_organisation

THEMES = [
    {
        "id": "care",
        "title": {"nl": "Zorg", "en": "Care"},
        "topics": [
            {
                "id": "care-listen",
                "kind": "behaviour",
                "title": {"nl": "Luisteren", "en": "Listen"},
            },
            {
                "id": "care-teamwork",
                "kind": "competence",
                "title": {"nl": "Samenwerken", "en": "Working together"},
            },
        ],
    },
    {"id": "craft", "title": {"nl": "Vak", "en": "Craft"}},
]
LINKS = ["care", "care-listen", "care-teamwork", "craft"]
CYCLE = {
    "id": "linked",
    "version": 1,
    "name": {"nl": "Doelen", "en": "Goals"},
    "themes": THEMES,
    "kinds": [
        {
            "id": "talk",
            "name": {"nl": "Gesprek", "en": "Talk"},
            "pattern": "employee_manager",
            "cadence": {"kind": "free"},
            "initiators": ["employee"],
            "preparers": [],
            "themes": ["care", "craft"],
            "record_form": "goal-record",
        }
    ],
}
FORM = {
    "id": "goal-record",
    "version": 1,
    "purpose": "record",
    "title": {"nl": "Verslag", "en": "Record"},
    "schema": {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "goals": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["goal"],
                    "properties": {
                        "goal": {"type": "string", "minLength": 1, "maxLength": 200},
                        "link": {"type": "string"},
                        "by": {"type": "string", "format": "date"},
                    },
                },
                GOALS_KEY: {"title": "goal", "topic": "link", "due": "by"},
            }
        },
    },
    "ui": {
        "fields": {
            "goals": {
                "label": {"nl": "Doelen", "en": "Goals"},
                "widget": "repeat",
                "item_label": {"nl": "Doel", "en": "Goal"},
                "fields": {
                    "goal": {"label": {"nl": "Doel", "en": "Goal"}, "widget": "text"},
                    "link": {"label": {"nl": "Waarde", "en": "Value"}, "widget": "text"},
                    "by": {"label": {"nl": "Wanneer", "en": "When"}, "widget": "date"},
                },
            }
        }
    },
}


class _Plugin:
    @hookimpl
    def magcore_register_cycles(self, register: Any) -> None:
        register(CYCLE)

    @hookimpl
    def magcore_register_forms(self, register: Any) -> None:
        register(FORM)


ORG = generate_organisation(people=8, teams=1, seed=4)
DAY = date(2025, 3, 3)


def _service() -> tuple[Any, str, str]:
    host = get_plugin_manager(load_entry_points=False, extra=[("linked", _Plugin())])
    svc = open_service(
        "memory://", clock=FixedClock(datetime(2025, 3, 3, 9, tzinfo=UTC)), host=host
    )
    svc.import_organisation(ORG, actor="hr")
    approve_cycle(svc, CycleDefinition.from_json(CYCLE))
    person = next(p for p in sorted(ORG.people) if ORG.manager_of(p, DAY) not in (None, p))
    manager = ORG.manager_of(person, DAY)
    assert manager is not None
    return svc, person, manager


def _held(svc: Any, person: str, manager: str) -> str:
    conv = svc.request(
        cycle="linked",
        kind="talk",
        participants=[Participant(person, "employee"), Participant(manager, "manager")],
        actor=person,
    )
    svc.execute(conv.id, MarkHeld(actor=manager, on=DAY))
    return str(conv.id)


def test_a_definition_links_themes_and_their_topics_and_keeps_old_fingerprints() -> None:
    """``link`` finds a value or a topic with its theme; a definition without topics keeps its
    JSON (and so its fingerprint) as before; an id used twice is refused."""
    cycle = CycleDefinition.from_json(CYCLE)
    theme, topic = cycle.link("care-teamwork") or (None, None)
    assert theme is not None
    assert theme.id == "care"
    assert topic is not None
    assert topic.kind.value == "competence"
    assert cycle.link("craft") == (cycle.theme("craft"), None)
    assert cycle.link("ambition") is None
    plain = {**CYCLE, "themes": [THEMES[1]]}
    plain["kinds"] = [{**CYCLE["kinds"][0], "themes": ["craft"]}]
    assert "topics" not in CycleDefinition.from_json(plain).to_json()["themes"][0]
    twice = {**CYCLE, "themes": [THEMES[0], {**THEMES[1], "id": "care-listen"}]}
    twice["kinds"] = [{**CYCLE["kinds"][0], "themes": ["care"]}]
    with pytest.raises(DefinitionError, match="care-listen"):
        CycleDefinition.from_json(twice)


def test_the_link_is_metadata_and_the_words_are_content() -> None:
    """A goal's topic, cycle and agreement are ids in clear; its title and description are
    encrypted with the rest of the goal."""
    declared = CONTENT_FIELDS["goal.set"]
    assert {f.name for f in declared.content} == {"title", "description"}
    metadata = {"/".join(p) for p in declared.metadata}
    assert {"topic", "cycle", "agreement"} <= metadata


def test_a_goal_without_a_link_keeps_its_event_as_before() -> None:
    """No topic given: the goal.set event has no new keys (older readers see what they knew)."""
    svc, person, _manager = _service()
    svc.execute_goal(SetGoal(actor=person, goal_id="g1", owner=person, title="Iets leren"))
    (event,) = svc.store.read("goal:g1")
    assert not {"topic", "cycle", "agreement"} & set(event.data)


@settings(max_examples=15, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(alphabet="abcdefgh ", min_size=1, max_size=30).filter(str.strip),
            st.one_of(st.none(), st.sampled_from(LINKS)),
        ),
        min_size=0,
        max_size=4,
    )
)
def test_every_development_goal_of_an_agreed_record_is_an_agreement_and_a_linked_goal(
    goals: list[tuple[str, str | None]],
) -> None:
    """Whatever goals the record holds: one agreement of the employee per goal when drafted,
    one goal per agreement when agreed, each with the link the record gave and the theme of it;
    nothing before the record is agreed."""
    svc, person, manager = _service()
    conv_id = _held(svc, person, manager)
    answers = {
        "goals": [{"goal": title, **({"link": link} if link else {})} for title, link in goals]
    }
    drafted = svc.execute(conv_id, DraftRecord(actor=person, answers=answers))
    assert [a.text for a in drafted.agreements] == [t.strip() for t, _ in goals]
    assert {a.owner.value for a in drafted.agreements} <= {"employee"}
    assert not list(svc.store.streams("goal:"))
    for who in (person, manager):
        svc.execute(conv_id, ConfirmRecord(actor=who, revision=drafted.revision))
    ids = svc.record_goal_ids(conv_id)
    assert ids == tuple(goal_id(conv_id, f"goal-{i}") for i in range(1, len(goals) + 1))
    cycle = CycleDefinition.from_json(CYCLE)
    for (title, link), gid in zip(goals, ids, strict=True):
        goal = svc.view_goal(gid, actor=person).goal
        assert goal is not None
        assert (goal.title, goal.topic, goal.owner, goal.agreed_in) == (
            title.strip(),
            link,
            person,
            conv_id,
        )
        found = cycle.link(link) if link else None
        assert goal.theme == (found[0].id if found else None)
        assert goal.collaborators == (manager,)


def test_an_unknown_link_in_a_record_is_a_named_problem_and_nothing_is_stored() -> None:
    """The record names a link the cycle does not declare: refused at its pointer."""
    svc, person, manager = _service()
    conv_id = _held(svc, person, manager)
    before = len(svc.store.read(f"conversation:{conv_id}"))
    bad = {"goals": [{"goal": "Ok", "link": "care"}, {"goal": "Niet", "link": "ambition"}]}
    with pytest.raises(RecordInvalidError) as refused:
        svc.execute(conv_id, DraftRecord(actor=person, answers=bad))
    assert [p.pointer for p in refused.value.problems] == ["/goals/1/link"]
    assert len(svc.store.read(f"conversation:{conv_id}")) == before


def test_a_goal_set_by_hand_is_checked_against_its_cycle() -> None:
    """``SetGoal(topic=...)`` needs a topic the cycle declares, and its cycle (given or from
    the conversation it was agreed in)."""
    svc, person, manager = _service()
    conv_id = _held(svc, person, manager)
    with pytest.raises(RecordInvalidError) as refused:
        svc.execute_goal(
            SetGoal(actor=person, goal_id="g2", owner=person, title="x", topic="care-listen")
        )
    assert [p.pointer for p in refused.value.problems] == ["/cycle"]
    with pytest.raises(RecordInvalidError) as refused:
        svc.execute_goal(
            SetGoal(
                actor=person, goal_id="g2", owner=person, title="x", topic="nope", cycle="linked"
            )
        )
    assert [p.pointer for p in refused.value.problems] == ["/topic"]
    view = svc.execute_goal(
        SetGoal(
            actor=manager,
            goal_id="g2",
            owner=person,
            title="Beter luisteren",
            topic="care-listen",
            agreed_in=conv_id,
            collaborators=[manager],
        )
    )
    assert view.goal is not None
    assert (view.goal.topic, view.goal.theme, view.goal.cycle) == (
        "care-listen",
        "care",
        "linked@1",
    )


def test_nobody_takes_the_id_of_a_goal_a_record_will_make() -> None:
    """Ids with a '.' are those magcore gives the goals it makes from a record
    (``<conversation>.<agreement>``). Anyone who could set one beforehand (the employee, or
    anyone who learnt the conversation id) would make that record's agreement fail on the
    taken stream: a goal id someone chooses with a '.' is refused, naming ``/goal_id``, and
    the record is agreed with its goal."""
    svc, person, manager = _service()
    conv_id = _held(svc, person, manager)
    taken = goal_id(conv_id, "goal-1")
    for actor in (person, manager):
        with pytest.raises(RecordInvalidError) as refused:
            svc.execute_goal(SetGoal(actor=actor, goal_id=taken, owner=actor, title="Eerst"))
        assert [p.pointer for p in refused.value.problems] == ["/goal_id"]
    assert not list(svc.store.streams("goal:"))
    drafted = svc.execute(
        conv_id, DraftRecord(actor=person, answers={"goals": [{"goal": "Leren"}]})
    )
    for who in (person, manager):
        svc.execute(conv_id, ConfirmRecord(actor=who, revision=drafted.revision))
    assert svc.record_goal_ids(conv_id) == (taken,)
    goal = svc.view_goal(taken, actor=person).goal
    assert goal is not None
    assert (goal.title, goal.owner) == ("Leren", person)
