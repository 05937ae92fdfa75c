"""Retention, destruction with tombstones, subject access and the data inventory."""

from __future__ import annotations

import json
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest

from magcore.access.decision import Directory
from magcore.access.erasure import destroy_conversation
from magcore.access.inventory import data_inventory, inventory_markdown
from magcore.access.reading import ReadPolicy, read_conversation
from magcore.access.retention import (
    AP_ADVICE,
    BUILTIN_PROFILES,
    SELECTIELIJST_2020,
    RetentionProfile,
    due_for_destruction,
    retention_due,
)
from magcore.access.subject_access import subject_access_export
from magcore.access.subject_access_html import export_html
from magcore.clock import FixedClock
from magcore.domain.sharing import GrantSharing
from magcore.errors import ConsentError
from magcore.events import thaw
from magcore.model.organisation import Person
from magcore.storage.memory import MemoryStore

from ..sharing.support import (
    RECORD_FORM,
    ROLES,
    T0,
    agreed_conversation,
    mag_cycle,
    share,
    small_org,
)


@pytest.fixture
def store():
    s = MemoryStore()
    cycle = mag_cycle()
    agreed_conversation(s, "c1", employee="e1", manager="m1", cycle=cycle, note="note-about-e1")
    agreed_conversation(s, "c2", employee="e2", manager="m1", cycle=cycle, note="note-about-e2")
    agreed_conversation(s, "c3", employee="e2", manager="e1", cycle=cycle, note="e1-note-on-e2")
    return s


def strings(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)
    elif isinstance(value, str):
        yield value


def test_builtin_profiles():
    """ap-advice is 2 years after employment ends, selectielijst-2020 5 years after completion."""
    assert BUILTIN_PROFILES["ap-advice"].years == 2
    assert BUILTIN_PROFILES["selectielijst-2020"].years == 5
    with pytest.raises(ValueError, match="years"):
        RetentionProfile(id="bad", title="x", years=0, after="completed")


def test_retention_due_follows_the_anchor(store):
    """Completion anchors selectielijst; the leaving date anchors the DPA advice."""
    events = store.read("conversation:c1")
    assert retention_due(SELECTIELIJST_2020, events) == date(2030, 1, 6)
    assert retention_due(AP_ADVICE, events) is None
    assert retention_due(AP_ADVICE, events, left_on=date(2024, 2, 29)) == date(2026, 2, 28)
    custom = RetentionProfile(id="held", title="x", years=1, after="conversation.held")
    assert retention_due(custom, events) == date(2026, 1, 6)


def test_destruction_leaves_a_content_free_tombstone_and_a_log_line(store):
    """After the term, the conversation's content is gone; the tombstone and log say so."""
    cycles = {"mag@1": mag_cycle()}
    assert due_for_destruction(store, today=date(2030, 1, 5), cycles=cycles) == []
    due = due_for_destruction(store, today=date(2030, 1, 6), cycles=cycles)
    assert [d[0] for d in due] == ["c1", "c2", "c3"]
    before = store.read("conversation:c1")
    texts = set(strings(thaw([e.data for e in before]))) - {"c1"}
    tombstone = destroy_conversation(
        store,
        "c1",
        profile=due[0][1],
        due=due[0][2],
        clock=FixedClock(T0 + timedelta(days=5 * 366)),
    )
    [stored] = store.read("conversation:c1")
    assert stored == tombstone
    assert stored.version == before[-1].version + 1
    dumped = json.dumps(stored.to_json())
    assert not [t for t in texts if len(t) > 8 and t in dumped]
    last = list(store.read_audit())[-1]
    assert (last["action"], last["object"], last["result"]) == (
        "destroy",
        "conversation:c1",
        "done",
    )
    view = read_conversation(store, "c1", viewer="e1", purpose="conversation", clock=FixedClock(T0))
    assert view.destroyed
    assert not view.has_content


def test_employment_profile_needs_the_leaving_date(store):
    """Under ap-advice nothing is due while the employee still works here."""
    cycles = {"mag@1": mag_cycle(retention_profile="ap-advice")}
    org = small_org()
    assert due_for_destruction(store, today=date(2040, 1, 1), cycles=cycles, organisation=org) == []
    people = dict(org.people)
    people["e1"] = Person(id="e1", left_on=date(2026, 3, 1))
    import attrs

    left = attrs.evolve(org, people=people)
    due = due_for_destruction(store, today=date(2028, 3, 1), cycles=cycles, organisation=left)
    assert [d[0] for d in due] == ["c1"]


def test_subject_access_holds_everything_about_the_person_and_nothing_else(store):
    """Every text of c1 (about e1) is in e1's export, private notes included; c2 and c3 content
    (about e2) is not, though e1 took part in c3."""
    share(
        store,
        GrantSharing(actor="e1", person="e1", to="hr", what="agreements", purpose="advice"),
        T0,
    )
    read_conversation(store, "c1", viewer="hr", purpose="advice", clock=FixedClock(T0))
    export = subject_access_export(
        store, "e1", requester="e1", clock=FixedClock(T0 + timedelta(days=1))
    )
    exported = set(strings(export))
    about_e1 = set(strings(thaw([e.data for e in store.read("conversation:c1")])))
    assert about_e1 - {"mag@1", "mag", "employee_manager", "digital"} <= exported
    assert "note-about-e1" in exported
    for other in ("conversation:c2", "conversation:c3"):
        for text in strings(thaw([e.data for e in store.read(other)])):
            if text.startswith(("note-", "e1-note")):
                assert text not in exported
    assert "note-about-e2" not in json.dumps(export)
    assert "e1-note-on-e2" not in json.dumps(export)
    assert [c["id"] for c in export["conversations_about_you"]] == ["c1"]
    assert [c["id"] for c in export["conversations_you_took_part_in"]] == ["c3"]
    assert [c["to"] for c in export["sharing_choices"]] == ["hr"]
    readers = {e["actor"] for e in export["access_log"]}
    assert "hr" in readers
    assert all(
        e["object"].startswith(("conversation:c1", "person:e1")) for e in export["access_log"]
    )
    json.dumps(export)  # plain JSON


def test_subject_access_is_for_the_person_or_the_privacy_officer(store):
    """Someone else cannot ask for e1's data; the privacy officer can."""
    policy = ReadPolicy(directory=Directory.from_organisation(small_org(), ROLES))
    before = len(list(store.read_audit()))
    with pytest.raises(ConsentError):
        subject_access_export(store, "e1", requester="hr", clock=FixedClock(T0), policy=policy)
    [refusal] = list(store.read_audit())[before:]  # the refused request is audited too
    assert (refusal["actor"], refusal["object"], refusal["result"], refusal["purpose"]) == (
        "hr",
        "person:e1",
        "denied",
        "subject_access",
    )
    export = subject_access_export(store, "e1", requester="po", clock=FixedClock(T0), policy=policy)
    assert export["conversations_about_you"][0]["record"]["summary"] == "summary-text"


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_export_html_is_readable_and_complete(store, language):
    """The HTML page has a language, headings and every exported text."""
    export = subject_access_export(store, "e1", requester="e1", clock=FixedClock(T0))
    page = export_html(export, language=language)
    assert f'<html lang="{language}"' in page
    parser = _Collector()
    parser.feed(page)
    shown = "".join(parser.text)
    for text in ("summary-text", "note-about-e1", "agreement-vitality", "response-text"):
        assert text in shown
    assert "h1" in parser.tags
    assert "th" in parser.tags


def test_inventory_lists_every_field_with_its_sensitivity():
    """The inventory names the record form's fields; the wellbeing field is special-category."""
    rows = data_inventory(mag_cycle(), forms={"record": RECORD_FORM})
    by_field = {r.field: r for r in rows}
    assert by_field["form/record/wellbeing"].sensitivity == "special-category-risk"
    assert by_field["form/record/work"].sensitivity == "normal"
    assert by_field["theme/vitality"].sensitivity == "special-category-risk"
    assert "author alone" in by_field["private_note/text"].who_may_see
    assert all(r.retention.startswith("selectielijst-2020") for r in rows)
    table = inventory_markdown(rows)
    assert table.count("\n") == len(rows) + 2


@pytest.fixture(params=["memory", "sqlite"])
def any_store(request, tmp_path):
    """A memory or SQLite store with c1 and c2 about e1 (agreed, with open agreements)."""
    from magcore.storage.sqlite import SQLiteStore

    s = (
        MemoryStore()
        if request.param == "memory"
        else SQLiteStore.open(f"sqlite:///{tmp_path}/m.db")
    )
    cycle = mag_cycle()
    agreed_conversation(s, "c1", employee="e1", manager="m1", cycle=cycle)
    agreed_conversation(s, "c2", employee="e1", manager="m1", cycle=cycle)
    yield s
    s.close()


def test_destruction_in_a_real_store_keeps_log_order_and_audit_chain(any_store):
    """destroy_conversation on the memory and SQLite stores: the tombstone is the stream, the
    agreements of c1 no longer carry forward, positions stay increasing with c2's unchanged,
    the chain verifies with its destroy line, and a second destruction changes nothing."""
    from magcore.access import audit

    store = any_store
    assert {a.conversation for a in store.open_agreements("e1")} == {"c1", "c2"}
    kept = [(p, e) for p, e in store.read_all() if e.stream != "conversation:c1"]
    [before] = [r for r in store.conversations(subject="e1") if r.id == "c1"]
    held = before.held_on
    assert held is not None
    now = T0 + timedelta(days=5 * 366)
    tombstone = destroy_conversation(
        store, "c1", profile=SELECTIELIJST_2020, due=now.date(), clock=FixedClock(now)
    )
    assert store.read("conversation:c1") == (tombstone,)
    assert store.version("conversation:c1") == tombstone.version
    assert {a.conversation for a in store.open_agreements("e1")} == {"c2"}
    logged = list(store.read_all())
    assert logged == [*kept, logged[-1]]
    assert logged[-1][1] == tombstone
    assert [p for p, _ in logged] == sorted({p for p, _ in logged})
    [row] = [r for r in store.conversations(subject="e1") if r.id == "c1"]
    # the content-free trace: its days stay for the statistics, its state says destroyed
    assert (row.state, row.version, row.held_on) == ("destroyed", tombstone.version, held)
    entries = list(store.read_audit())
    assert [(e["action"], e["object"]) for e in entries if not e["digest"]] == [
        ("destroy", "conversation:c1")
    ]
    assert (entries[-2]["action"], entries[-2]["object"]) == (
        tombstone.type,
        f"conversation:c1/{tombstone.version}",
    )
    assert audit.verify(entries, expected_count=store.audit_head().count).ok
    assert audit.verify_store(store).ok  # the removed events are covered by the tombstone
    count = store.audit_head().count
    again = destroy_conversation(
        store, "c1", profile=SELECTIELIJST_2020, due=now.date(), clock=FixedClock(now)
    )
    assert again == tombstone
    assert store.audit_head().count == count


def test_a_real_export_validates_against_its_schema(store):
    """An export from a store with several conversations (one destroyed, one about someone
    else), goals (own, special-category, someone else's the person works on), sharing choices
    (one revoked) and a restriction validates against subject-access-export.schema.json."""
    from magcore import schemas
    from magcore.access.restriction import restriction_event
    from magcore.access.subject_access import EXPORT_FORMAT
    from magcore.domain.sharing import RevokeSharing

    from ..sharing.support import commit, set_goal

    cycle = mag_cycle()
    agreed_conversation(store, "c4", employee="e1", manager="m1", cycle=cycle)
    destroy_conversation(
        store, "c4", profile=SELECTIELIJST_2020, due=T0.date(), clock=FixedClock(T0)
    )
    set_goal(store, "g1", owner="e1", agreed_in="c1", collaborators=("m1",), note="first step")
    set_goal(store, "g2", owner="e1", theme="vitality")
    set_goal(store, "g3", owner="e2", collaborators=("e1",), note="e2-goal-note")
    share(store, GrantSharing(actor="e1", person="e1", to="hr", what="goals", purpose="advice"), T0)
    number = share(
        store,
        GrantSharing(
            actor="e1", person="e1", to="coach", what="theme:vitality", purpose="coaching"
        ),
        T0,
    )
    share(store, RevokeSharing(actor="e1", person="e1", choice=number), T0 + timedelta(hours=1))
    version = store.version("person:e1") + 1
    commit(store, [restriction_event("e1", version, actor="po", now=T0, conversation="c1")])
    commit(
        store,
        [restriction_event("e1", version + 1, actor="po", now=T0, conversation="c1", lift=True)],
    )
    policy = ReadPolicy(directory=Directory.from_organisation(small_org(), ROLES))
    export = subject_access_export(
        store,
        "e1",
        requester="e1",
        clock=FixedClock(T0 + timedelta(days=1)),
        policy=policy,
        organisation=small_org(),
    )

    assert schemas.problems("subject-access-export", export) == []
    assert export["format"] == EXPORT_FORMAT
    assert [c["id"] for c in export["conversations_about_you"]] == ["c1", "c4"]
    assert export["conversations_about_you"][1]["destroyed"] is True
    assert [g["id"] for g in export["goals"]] == ["g1", "g2"]
    assert export["goals"][0]["progress"][0]["text"] == "first step"
    assert export["goals_you_work_on"] == [{"id": "g3", "status": "open"}]
    assert "e2-goal-note" not in json.dumps(export)
    assert len(export["sharing_choices"]) == 2
    assert [r["type"] for r in export["restrictions"]] == [
        "privacy.restricted",
        "privacy.restriction_lifted",
    ]
    goal_lines = [
        e for e in export["access_log"] if e["object"].startswith("goal:") and not e["digest"]
    ]
    assert {e["object"] for e in goal_lines} == {"goal:g1", "goal:g2"}
    changes = {e["object"] for e in export["access_log"] if e["digest"]}
    assert {"goal:g1/1", "goal:g2/1"} <= changes  # the changes to the records are in it too
    assert all(e["purpose"] == "subject_access" for e in goal_lines)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_export_html_shows_goals(store, language):
    """The page lists the person's goals with their progress notes."""
    from ..sharing.support import set_goal

    set_goal(store, "g1", owner="e1", note="first step")
    page = export_html(
        subject_access_export(store, "e1", requester="e1", clock=FixedClock(T0)), language=language
    )
    assert "goal-g1" in page
    assert "first step" in page


@pytest.mark.parametrize(("language", "heading"), [("nl", "Gegeven op"), ("en", "Given on")])
def test_export_html_column_headings_are_in_the_page_language(store, language, heading):
    """Table headings are words in the page's language, not the JSON keys."""
    share(store, GrantSharing(actor="e1", person="e1", to="hr", what="goals", purpose="advice"), T0)
    page = export_html(
        subject_access_export(store, "e1", requester="e1", clock=FixedClock(T0)), language=language
    )
    assert f'<th scope="col">{heading}</th>' in page
    assert '<th scope="col">granted_at</th>' not in page
