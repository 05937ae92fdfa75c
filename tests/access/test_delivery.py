"""Declared content to observing plugins passes the gateway (issue 13, item 5): decided as a
legal basis, opened from the encrypted store, one audit line per event, refusals too."""

from __future__ import annotations

import pytest

from magcore import get_plugin_manager, hookimpl, open_service
from magcore.access.delivery import DELIVER_CONTENT, NEVER_DELIVERED
from magcore.access.erasure import destroy_conversation
from magcore.access.observers import ContentNeed
from magcore.access.restriction import restriction_event
from magcore.access.retention import SELECTIELIJST_2020
from magcore.app.dispatcher import DeliveryPolicy, Dispatcher
from magcore.clock import FixedClock
from magcore.domain.conversation import (
    AddPrivateNote,
    ConfirmRecord,
    DraftRecord,
    PublishPreparation,
    RaiseTopic,
    SavePreparation,
)
from magcore.domain.goals import SetGoal
from magcore.model.records import Agreement
from magcore.storage.base import StreamWrite
from magcore.testing import approve_cycle, raw_conversation

from ..sharing.support import MAG_CYCLE, RECORD_FORM, ROLES, T0, small_org

FAST = DeliveryPolicy(attempts=2, base=0.001, cap=0.002)
TYPES = [
    "record.drafted",
    "topic.raised",
    "note.private_added",
    "preparation.saved",
    "goal.set",
    "conversation.requested",
]
FIELDS = ["summary", "agreements", "answers", "text", "title", "carried_forward"]


class Connector:
    """An HR connector with every hook a plugin may use to get content: it declares content of
    every conversation and goal event type that carries some, and records what it receives."""

    def __init__(self) -> None:
        self.got: list = []

    @hookimpl
    def magcore_declare_content(self, register):
        register(
            ContentNeed(
                event_types=TYPES,
                fields=FIELDS,
                purpose="keep the HR file current",
                basis="AVG art. 6(1)(b)",
            )
        )

    @hookimpl
    def magcore_register_forms(self, register):
        register(
            {
                "id": "record",
                "version": 1,
                "purpose": "record",
                "title": {"nl": "Verslag", "en": "Record"},
                "schema": RECORD_FORM,
                "ui": {
                    "fields": {
                        "work": {"label": {"nl": "Werk", "en": "Work"}},
                        "wellbeing": {"label": {"nl": "Hoe gaat het", "en": "How are you"}},
                    }
                },
            }
        )

    @hookimpl
    def magcore_events_committed(self, batch):
        self.got.append(batch)

    def contents(self, stream: str) -> list[tuple[str, dict | None]]:
        return [
            (e.type, None if e.content is None else dict(e.content))
            for b in self.got
            for e in b.events
            if e.stream == stream
        ]


@pytest.fixture(params=["memory", "sqlite"])
def setup(request, tmp_path):
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path}/d.db"
    connector = Connector()
    host = get_plugin_manager(load_entry_points=False, extra=[("hr-connector", connector)])
    svc = open_service(url, clock=FixedClock(T0), host=host, dispatch="off")
    svc.dispatcher.policy = FAST
    approve_cycle(svc, svc.add_cycle(MAG_CYCLE))
    svc.import_organisation(small_org(), actor="hr")
    svc.use_organisation("org", ROLES)
    yield svc, connector
    svc.close()


def _agreed(
    service, kind: str = "mag", summary: str = "summary-text", themes: tuple[str, ...] = ()
) -> str:
    cycle = service.cycle("mag@1")
    coach = "c1" if kind == "stress" else None
    people = service.participants_for("org", cycle, kind, "e1", on=T0.date(), coach=coach)
    conv = service.request(cycle=cycle, kind=kind, participants=people, actor="e1")
    service.execute(conv.id, RaiseTopic(actor="e1", text="topic-vitality", theme="vitality"))
    service.execute(conv.id, RaiseTopic(actor="e1", text="topic-work", theme="performing"))
    service.execute(conv.id, SavePreparation(actor="e1", answers={"work": "prep-open"}))
    service.record(
        conv.id,
        DraftRecord(
            actor="e1",
            summary=summary,
            themes=themes,
            answers={"work": "work-text", "wellbeing": "wellbeing-secret"},
            agreements=(
                Agreement(id="a1", text="agreement-work", owner="employee", theme="performing"),
                Agreement(id="a2", text="agreement-vitality", owner="both", theme="vitality"),
            ),
        ),
        held_on=T0.date(),
    )
    for person in raw_conversation(service, conv.id).people:
        service.execute(conv.id, ConfirmRecord(actor=person, revision=1))
    service.execute(conv.id, AddPrivateNote(actor="e1", text="note-secret"))
    return conv.id


def _lines(service, **match):
    return [
        line
        for line in service.store.read_audit()
        if line["action"] == DELIVER_CONTENT
        and all(line[key] == value for key, value in match.items())
    ]


def _all_denied(service, connector, conv: str, secret: str, because: str) -> None:
    """Nothing of *conv* reached the connector, and each of its declared events has a denied
    line whose reason says *because*."""
    assert secret not in repr(connector.got)
    got = connector.contents(f"conversation:{conv}")
    assert got
    assert all(content is None for _, content in got)
    about = [
        line
        for line in _lines(service, actor="plugin:hr-connector")
        if line["object"].startswith(f"conversation:{conv}/")
    ]
    assert about
    assert all(line["result"] == "denied" for line in about)
    assert any(because in line["reason"] for line in about)


def test_a_declaring_plugin_gets_the_declared_fields_decrypted(setup):
    """The record's summary and the non-special agreements and answers arrive in clear; the
    special field, the vitality agreement and topic, the private note and the open
    preparation do not; the store holds none of it in clear."""
    service, connector = setup
    conv = _agreed(service)
    service.dispatcher.drain(wait=True)
    got = {t: c for t, c in connector.contents(f"conversation:{conv}") if t == "record.drafted"}
    record = got["record.drafted"]
    assert record["summary"] == "summary-text"
    assert [a["text"] for a in record["agreements"]] == ["agreement-work"]
    assert dict(record["answers"]) == {"work": "work-text"}
    texts = [c["text"] for t, c in connector.contents(f"conversation:{conv}") if c and "text" in c]
    assert texts == ["topic-work"]
    shown = repr(connector.got)
    for secret in ("wellbeing-secret", "agreement-vitality", "note-secret", "prep-open"):
        assert secret not in shown
    raw = [repr(e.data) for _, e in service.store.inner.read_all()]
    assert not any("summary-text" in r for r in raw)  # encrypted at rest, opened for the plugin


def test_every_content_event_has_one_audit_line_refusals_too(setup):
    """One deliver-content line per declared event, done or denied, with purpose and basis;
    an envelope-only line per batch as before."""
    service, connector = setup
    conv = _agreed(service)
    service.dispatcher.drain(wait=True)
    declared = [
        e
        for b in connector.got
        for e in b.events
        if e.type in TYPES and e.stream == f"conversation:{conv}"
    ]
    lines = _lines(service, actor="plugin:hr-connector")
    objects = {line["object"] for line in lines}
    assert {f"{e.stream}/{e.version}" for e in declared} <= objects
    denied = [line for line in lines if line["result"] == "denied"]
    assert {line["object"] for line in denied} >= {
        f"{e.stream}/{e.version}" for e in declared if e.type in NEVER_DELIVERED
    }
    assert any("private note" in line["reason"] for line in denied)
    assert any("special-category theme" in line["reason"] for line in denied)
    assert any("preparation" in line["reason"] for line in denied)
    assert all(line["purpose"] == "keep the HR file current" for line in lines)
    assert all("AVG art. 6(1)(b)" in line["reason"] for line in lines)
    delivered = [e for e in declared if e.content is not None]
    done = [line for line in lines if line["result"] == "done"]
    assert len(done) == len(delivered) > 0


def test_nothing_of_a_record_about_a_special_category_theme(setup):
    """A record one of whose themes is special-category (vitality) goes to no declaring
    plugin: its summary and answers are such content as a whole, as its theme's name is."""
    service, connector = setup
    conv = _agreed(service, summary="themed-summary", themes=("performing", "vitality"))
    service.dispatcher.drain(wait=True)
    assert "themed-summary" not in repr(connector.got)
    got = dict(connector.contents(f"conversation:{conv}"))
    assert got["record.drafted"] is None
    assert any(
        line["result"] == "denied" and "special-category theme" in line["reason"]
        for line in _lines(service, actor="plugin:hr-connector")
    )


def test_nothing_of_a_special_category_kind(setup):
    """A stress (vitality) conversation is special-category as a whole: no field of it goes."""
    service, connector = setup
    conv = _agreed(service, kind="stress", summary="stress-summary")
    service.dispatcher.drain(wait=True)
    _all_denied(service, connector, conv, "stress-summary", "special-category as a whole")


def test_nothing_of_a_restricted_record(setup):
    """AVG art. 18: once the employee's record is restricted, nothing of it goes."""
    service, connector = setup
    conv = _agreed(service, summary="restricted-summary")
    version = service.store.version("person:e1")
    event = restriction_event("e1", version + 1, actor="po", now=T0, reason="disputed")
    service.commit([StreamWrite("person:e1", version, (event,))])
    service.dispatcher.drain(wait=True)
    _all_denied(service, connector, conv, "restricted-summary", "restricted (AVG art. 18)")


def test_nothing_of_a_destroyed_record(setup):
    """Destroyed before the plugin was told: no content, and a denied line each."""
    service, connector = setup
    conv = _agreed(service, summary="destroyed-summary")
    destroy_conversation(
        service.store, conv, profile=SELECTIELIJST_2020, due=T0.date(), clock=service.clock
    )
    service.dispatcher.drain(wait=True)
    _all_denied(service, connector, conv, "destroyed-summary", "destroyed")


def test_a_goal_on_a_special_theme_is_not_delivered(setup):
    """A goal agreed in a conversation whose cycle marks its theme special: not delivered; an
    ordinary goal is."""
    service, connector = setup
    conv = _agreed(service)
    service.execute_goal(
        SetGoal(
            actor="e1",
            goal_id="gv",
            owner="e1",
            title="goal-vitality",
            theme="vitality",
            agreed_in=conv,
        )
    )
    service.execute_goal(SetGoal(actor="e1", goal_id="gw", owner="e1", title="goal-work"))
    service.dispatcher.drain(wait=True)
    assert connector.contents("goal:gv") == [("goal.set", None)]
    assert connector.contents("goal:gw") == [("goal.set", {"title": "goal-work"})]


def test_without_a_gateway_nothing_goes_and_a_line_says_so(setup):
    """A dispatcher nobody gave a gateway delivers envelopes only, each declared event denied
    in the audit log, never read raw from the store."""
    service, _ = setup
    _agreed(service)
    connector = Connector()
    host = get_plugin_manager(load_entry_points=False, extra=[("bare", connector)])
    bare = Dispatcher(service.store.inner, host, clock=service.clock, policy=FAST)
    assert bare.gateway is None
    bare.drain(wait=True)
    events = [e for b in connector.got for e in b.events]
    assert events
    assert all(e.content is None for e in events)
    lines = _lines(service, actor="plugin:bare")
    declared = [e for e in events if e.type in TYPES]
    assert len(lines) == len(declared) > 0
    assert all(line["result"] == "denied" for line in lines)
    assert all("no access gateway" in line["reason"] for line in lines)


def test_a_published_preparation_goes_only_after_the_conversation(setup):
    """Blind until published holds for plugins too: a preparation saved and published while
    the conversation is open is refused then; the preparation is never handed to a plugin
    while the conversation is open."""
    service, connector = setup
    cycle = service.cycle("mag@1")
    people = service.participants_for("org", cycle, "mag", "e1", on=T0.date())
    conv = service.request(cycle=cycle, kind="mag", participants=people, actor="e1")
    service.execute(conv.id, SavePreparation(actor="e1", answers={"work": "prep-words"}))
    service.execute(conv.id, PublishPreparation(actor="e1"))
    service.dispatcher.drain(wait=True)
    assert "prep-words" not in repr(connector.got)
    assert ("preparation.saved", None) in connector.contents(f"conversation:{conv.id}")


def test_a_failing_plugin_cannot_write_delivered_content_into_the_log(setup):
    """A plugin that got content and fails with it in its message: the dead letter, the audit
    line and the log name the exception's type only (none of them is encrypted or erasable)."""
    service, _ = setup

    class Leaky(Connector):
        @hookimpl
        def magcore_events_committed(self, batch):
            texts = [
                e.content["summary"] for e in batch.events if e.content and "summary" in e.content
            ]
            if texts:
                raise ValueError(f"cannot file {texts[0]}")

    host = get_plugin_manager(load_entry_points=False, extra=[("leaky", Leaky())])
    _agreed(service, summary="summary-in-an-error")
    leaky = Dispatcher(service.store.inner, host, clock=service.clock, policy=FAST)
    leaky.gateway = lambda: service.gateway
    leaky.drain(wait=True)
    [dead] = service.store.dead_letters("leaky")
    assert "ValueError" in dead.error
    assert "summary-in-an-error" not in dead.error
    lines = [line for line in service.store.read_audit() if line["actor"] == "plugin:leaky"]
    assert any(line["result"] == "failed" for line in lines)
    assert "summary-in-an-error" not in repr(lines)
    assert "summary-in-an-error" not in repr([str(f) for f in leaky.failures])
    assert "summary-in-an-error" in repr(leaky.failures[-1].__cause__)  # in memory only


def test_a_check_plugin_sees_the_conversation_as_the_writer_does(setup):
    """``magcore_check_record`` acts for the person writing: it gets their own private notes,
    the preparations they may see, and no agreements carried from earlier conversations."""
    service, _ = setup
    earlier = _agreed(service)
    seen: list = []

    class Checker:
        @hookimpl
        def magcore_check_record(self, record, conversation):
            seen.append(conversation)

    service.host.register(Checker(), name="checker")
    cycle = service.cycle("mag@1")
    people = service.participants_for("org", cycle, "mag", "e1", on=T0.date())
    conv = service.request(cycle=cycle, kind="mag", participants=people, actor="m1")
    assert raw_conversation(service, conv.id).carried_forward  # carried, inside
    service.execute(conv.id, AddPrivateNote(actor="m1", text="manager-note-secret"))
    service.execute(conv.id, SavePreparation(actor="m1", answers={"work": "manager-prep-secret"}))
    service.execute(conv.id, SavePreparation(actor="e1", answers={"work": "own-prep"}))
    service.execute(conv.id, SavePreparation(actor="e1", answers={"work": "own-prep-2"}))
    by_manager, by_employee = seen[-3], seen[-1]
    assert [n.text for n in by_manager.private_notes] == ["manager-note-secret"]  # their own
    assert set(by_employee.preparations) == {"e1"}
    assert by_employee.private_notes == ()
    assert by_employee.carried_forward == ()
    assert "manager-note-secret" not in repr(by_employee)
    assert "manager-prep-secret" not in repr(by_employee)
    assert earlier
    # each time the check saw someone's answers, an audit line says so (it acts for them)
    checks = [line for line in service.store.read_audit() if line["action"] == "check-record"]
    assert len(checks) == 3
    assert {(line["actor"], line["object"]) for line in checks} == {
        ("plugin:checker", f"conversation:{conv.id}")
    }
    assert ["m1" in checks[0]["reason"], "e1" in checks[2]["reason"]] == [True, True]
    assert "own-prep" not in repr(checks)


def test_a_declaration_installed_after_the_approval_waits_for_the_next_one(tmp_path):
    """A content declaration is part of the regulation and its hash, which the bodies
    approve: a plugin that declares content after an approval gets none (each refusal a line)
    and no new conversation starts until they approve the text that lists it; then it gets
    its content. (The approval recorded the hash without declarations, and the plugin got
    content at once: found by a plugin author.)"""
    from magcore.errors import ApprovalMissingError

    url = f"sqlite:///{tmp_path}/late.db"
    before = open_service(
        url, clock=FixedClock(T0), host=get_plugin_manager(load_entry_points=False)
    )
    approve_cycle(before, before.add_cycle(MAG_CYCLE))
    approved_hash = before.policy_hash("mag@1")
    before.import_organisation(small_org(), actor="hr")
    cycle = before.cycle("mag@1")
    people = before.participants_for("org", cycle, "mag", "e1", on=T0.date())
    conv = before.request(cycle=cycle, kind="mag", participants=people, actor="e1").id
    before.close()

    connector = Connector()
    host = get_plugin_manager(load_entry_points=False, extra=[("hr-connector", connector)])
    service = open_service(url, clock=FixedClock(T0), host=host, dispatch="off")
    service.dispatcher.policy = FAST
    service.add_cycle(MAG_CYCLE)
    service.use_organisation("org", ROLES)
    assert service.policy_hash("mag@1") != approved_hash  # the declaration is in the text
    with pytest.raises(ApprovalMissingError):
        service.request(cycle=cycle, kind="mag", participants=people, actor="e1")
    service.record(conv, DraftRecord(actor="e1", summary="too-early"), held_on=T0.date())
    # goals too: one agreed in the conversation, one set apart from any (under no one cycle)
    service.execute_goal(
        SetGoal(actor="e1", goal_id="g-in", owner="e1", title="goal-too-early", agreed_in=conv)
    )
    service.execute_goal(SetGoal(actor="e1", goal_id="g-own", owner="e1", title="own-too-early"))
    service.dispatcher.drain(wait=True)
    _all_denied(service, connector, conv, "too-early", "not approved yet")
    for goal in ("g-in", "g-own"):
        assert connector.contents(f"goal:{goal}") == [("goal.set", None)]
        [line] = _lines(service, object=f"goal:{goal}/1")
        assert (line["result"], "not approved yet" in line["reason"]) == ("denied", True)

    # approved by another process (`magcore policy approve`): this service sees it at once
    other = open_service(url, clock=FixedClock(T0), host=host, dispatch="off")
    other.add_cycle(MAG_CYCLE)
    approve_cycle(other, "mag@1")
    other.close()
    service.execute(conv, DraftRecord(actor="e1", summary="approved-now"))
    service.execute_goal(SetGoal(actor="e1", goal_id="g-later", owner="e1", title="goal-now"))
    service.dispatcher.drain(wait=True)
    drafted = [c for t, c in connector.contents(f"conversation:{conv}") if t == "record.drafted"]
    assert drafted[-1] is not None
    assert drafted[-1]["summary"] == "approved-now"
    assert connector.contents("goal:g-later") == [("goal.set", {"title": "goal-now"})]
    assert "too-early" not in repr(connector.got)
    service.close()


def test_every_attempt_that_handed_content_over_is_audited_failures_too(setup):
    """A plugin that gets declared content and then fails has still been handed it: each
    attempt (the retries, the one that dead-letters the batch, a retry from the dead-letter
    list) leaves the disclosure lines of what it got, not only the successful one."""
    service, _ = setup

    class Failing(Connector):
        @hookimpl
        def magcore_events_committed(self, batch):
            if any(e.content for e in batch.events):
                raise RuntimeError("down")

    host = get_plugin_manager(load_entry_points=False, extra=[("failing", Failing())])
    conv = _agreed(service)
    failing = Dispatcher(service.store.inner, host, clock=service.clock, policy=FAST)
    failing.gateway = lambda: service.gateway
    failing.drain(wait=True)
    dead = service.store.dead_letters("failing")
    assert dead

    def handed() -> list:
        return [
            line
            for line in _lines(service, actor="plugin:failing", result="done")
            if line["object"].startswith(f"conversation:{conv}/")
        ]

    per_attempt = len(handed()) // FAST.attempts
    assert per_attempt > 0
    assert len(handed()) == per_attempt * FAST.attempts
    failing.redeliver_dead()
    assert len(handed()) == per_attempt * (FAST.attempts + 1)
