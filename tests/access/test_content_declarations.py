"""A content declaration names only content its event types carry: an event type without
content, a field the event type does not carry, or a core type under ``carries`` is refused when
the declaration is registered (naming the plugin, the event type and the field); an event that
holds none of the declared fields is delivered without content and leaves no audit line."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

import magcore
from magcore import (
    Agreement,
    Assignment,
    ConfirmRecord,
    DraftRecord,
    FixedClock,
    MarkHeld,
    Organisation,
    Person,
    Team,
    get_plugin_manager,
    hookimpl,
)
from magcore.access.content import CONTENT_FIELDS
from magcore.access.delivery import PERSON_PRIVATE
from magcore.access.observers import ContentNeed, check_content_need, content_fields
from magcore.errors import DefinitionError
from magcore.testing import approve_cycle

#: The event types a declaration may name: those of a person's own stream (sharing choices,
#: restrictions, erasure) never (tests/access/test_delivery_person_private.py).
WITH_CONTENT = {k: v for k, v in content_fields().items() if k not in PERSON_PRIVATE}
WITHOUT_CONTENT = sorted(
    kind for kind, spec in CONTENT_FIELDS.items() if not spec.content and kind not in PERSON_PRIVATE
)


def _need(event_types, fields, **extra) -> ContentNeed:
    return ContentNeed(
        event_types=event_types,
        fields=fields,
        purpose="follow up the training budget agreed in the conversation",
        basis="CAO gemeenten art. 3.4; AVG art. 6(1)(b)",
        **extra,
    )


def _registered(need: ContentNeed):
    class Hr:
        @hookimpl
        def magcore_declare_content(self, register):
            register(need)

    host = get_plugin_manager(load_entry_points=False, extra=[("hr-connector", Hr())])
    return host.hooks.content_needs()


def test_the_record_confirmed_example_is_refused_naming_plugin_type_and_field():
    needs = _registered(_need(["record.confirmed"], ["agreements"]))
    assert len(needs) == 0
    [problem] = needs.problems
    text = str(problem)
    assert "hr-connector" in text
    assert "'record.confirmed'" in text
    assert "'agreements'" in text
    assert "carries no content" in text


def test_a_field_the_event_type_does_not_carry_is_refused():
    needs = _registered(_need(["record.drafted"], ["agreements", "notes"]))
    [problem] = needs.problems
    assert "'notes'" in str(problem)
    assert "'record.drafted'" in str(problem)
    assert "hr-connector" in str(problem)


def test_an_unknown_event_type_is_refused():
    needs = _registered(_need(["record.finalised"], ["agreements"]))
    assert "'record.finalised'" in str(needs.problems[0])


def test_the_fixed_docs_example_is_accepted():
    needs = _registered(_need(["record.drafted"], ["agreements"]))
    assert needs.problems == ()
    assert len(needs) == 1


@given(
    kind=st.sampled_from(sorted(WITH_CONTENT)),
    data=st.data(),
)
def test_property_every_carried_field_may_be_declared(kind, data):
    field = data.draw(st.sampled_from(sorted(WITH_CONTENT[kind])))
    check_content_need(_need([kind], [field]), plugin="hr")


@given(
    kind=st.sampled_from(WITHOUT_CONTENT),
    field=st.sampled_from(["agreements", "summary", "text", "answers", "revision"]),
)
def test_property_an_event_type_without_content_is_refused(kind, field):
    with pytest.raises(DefinitionError, match=f"{kind!r}.*{field!r}"):
        check_content_need(_need([kind], [field]), plugin="hr")


@given(kind=st.sampled_from(sorted(WITH_CONTENT)), field=st.text("abcdefghij_", min_size=1))
def test_property_a_field_outside_the_content_is_refused(kind, field):
    if field in WITH_CONTENT[kind]:
        return
    with pytest.raises(DefinitionError, match=repr(field)):
        check_content_need(_need([kind], [field]), plugin="hr")


def test_two_event_types_each_need_one_of_the_fields():
    check_content_need(_need(["record.drafted", "note.private_added"], ["summary", "text"]))
    with pytest.raises(DefinitionError, match=r"'goal\.set'.*none of the fields"):
        check_content_need(_need(["record.drafted", "goal.set"], ["summary"]))


def test_a_plugins_own_event_type_is_declared_under_carries():
    own = _need(["hr.note_added"], ["text"], carries={"hr.note_added": ["text"]})
    assert check_content_need(own) is own
    assert own.to_json()["carries"] == {"hr.note_added": ["text"]}
    with pytest.raises(DefinitionError, match="'body'"):
        check_content_need(_need(["hr.note_added"], ["body"], carries={"hr.note_added": ["text"]}))
    with pytest.raises(DefinitionError, match=r"core event type 'record\.confirmed'"):
        check_content_need(
            _need(
                ["record.confirmed"], ["agreements"], carries={"record.confirmed": ["agreements"]}
            )
        )


def test_a_declaration_without_own_types_keeps_its_policy_json():
    assert set(_need(["record.drafted"], ["agreements"]).to_json()) == {
        "event_types",
        "fields",
        "purpose",
        "basis",
    }


# -- delivery ------------------------------------------------------------------------------


def _held_and_confirmed(need: ContentNeed):
    got: list = []

    class Hr:
        @hookimpl
        def magcore_declare_content(self, register):
            register(need)

        @hookimpl
        def magcore_events_committed(self, batch):
            got.extend((e.type, e.content) for e in batch.events)

    host = get_plugin_manager(load_entry_points=False, extra=[("hr", Hr())])
    service = magcore.open_service(
        "memory://", clock=FixedClock(datetime(2026, 3, 3, 9, tzinfo=UTC)), host=host
    )
    cycle = service.add_cycle(
        {
            "id": "c",
            "version": 1,
            "name": {"nl": "G", "en": "C"},
            "kinds": [
                {
                    "id": "yearly",
                    "name": {"nl": "Jaargesprek", "en": "Yearly"},
                    "pattern": "employee_manager",
                    "cadence": {"kind": "per_year", "per_year": 1},
                    "initiators": ["employee"],
                    "preparers": ["employee"],
                }
            ],
        }
    )
    start = date(2024, 1, 1)
    service.import_organisation(
        Organisation.build(
            id="g",
            people=[Person(id="anna"), Person(id="bram")],
            teams=[Team(id="t")],
            assignments=[
                Assignment(person="bram", team="t", role="manager", start=start),
                Assignment(person="anna", team="t", role="member", start=start),
            ],
        ),
        actor="hr",
    )
    approve_cycle(service, cycle)
    people = service.participants_for("g", cycle, "yearly", "anna", on=date(2026, 3, 3))
    conv = service.request(cycle=cycle, kind="yearly", participants=people, actor="anna")
    service.execute(conv.id, MarkHeld(actor="bram", on=date(2026, 3, 3)))
    service.execute(
        conv.id,
        DraftRecord(
            actor="bram",
            summary="s",
            agreements=[Agreement(id="a1", text="Cursus Excel", owner="employee")],
        ),
    )
    for person in ("anna", "bram"):
        service.execute(conv.id, ConfirmRecord(actor=person, revision=1))
    service.dispatcher.drain(wait=True)
    lines = [
        line for line in service.store.inner.read_audit() if line["action"] == "deliver-content"
    ]
    service.close()
    return got, lines


def test_the_docs_example_delivers_the_agreements_with_one_line():
    got, lines = _held_and_confirmed(_need(["record.drafted"], ["agreements"]))
    drafted = [content for kind, content in got if kind == "record.drafted"]
    assert [[a["text"] for a in c["agreements"]] for c in drafted] == [["Cursus Excel"]]
    assert all(content is None for kind, content in got if kind != "record.drafted")
    assert [(line["result"], line["object"].rsplit("/", 1)[0]) for line in lines] == [
        ("done", lines[0]["object"].rsplit("/", 1)[0])
    ]


def test_a_delivery_that_holds_nothing_has_no_content_and_no_line():
    """A plugin's own event type declared under carries, committed without the field: the
    observer sees the envelope only, and no deliver-content line says something went."""
    from magcore.events import Event
    from magcore.storage import StreamWrite

    got: list = []

    class Hr:
        @hookimpl
        def magcore_declare_content(self, register):
            register(_need(["hr.noted"], ["text"], carries={"hr.noted": ["text"]}))

        @hookimpl
        def magcore_events_committed(self, batch):
            got.extend(e.content for e in batch.events)

    host = get_plugin_manager(load_entry_points=False, extra=[("hr", Hr())])
    at = datetime(2026, 3, 3, 9, tzinfo=UTC)
    service = magcore.open_service("memory://", clock=FixedClock(at), host=host)
    for version, data in ((1, {"kind": "empty"}), (2, {"text": "words"})):
        event = Event(stream="hr:x", version=version, type="hr.noted", at=at, actor="hr", data=data)
        service.commit([StreamWrite("hr:x", version - 1, (event,))])
    service.dispatcher.drain(wait=True)
    lines = [
        line for line in service.store.inner.read_audit() if line["action"] == "deliver-content"
    ]
    service.close()
    assert [None if c is None else dict(c) for c in got] == [None, {"text": "words"}]
    assert [line["object"] for line in lines] == ["hr:x/2"]
