"""Workflows as data: loading and refusing, due_actions as a pure function, running exactly once."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from magcore import (
    Agreement,
    ConfirmRecord,
    DraftRecord,
    FixedClock,
    MarkHeld,
    Participant,
    PublishPreparation,
    RaiseTopic,
    SavePreparation,
    Schedule,
    get_plugin_manager,
    hookimpl,
    open_service,
)
from magcore.app.workflows import (
    PERFORMED,
    ActionKind,
    Notification,
    contributed_workflows,
    due_actions,
    load_workflow,
    run_workflows,
    workflow_stream,
)
from magcore.errors import DefinitionError, PluginError, ScoringNotAllowedError
from magcore.model.cycle import CycleDefinition
from magcore.testing import approve_cycle, generate_organisation

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)

YEARLY = CycleDefinition.from_json(
    {
        "id": "yearly",
        "version": 1,
        "name": {"nl": "Jaargesprek", "en": "Yearly conversation"},
        "kinds": [
            {
                "id": "yearly",
                "name": {"nl": "Jaargesprek", "en": "Yearly conversation"},
                "pattern": "employee_manager",
                "cadence": {"kind": "per_year", "per_year": 1},
                "initiators": ["employee", "manager"],
                "preparers": ["employee", "manager"],
                "applies_to": "with_manager",
            }
        ],
    }
)

REMIND_BEFORE = {
    "id": "remind-before",
    "name": {"nl": "Herinnering", "en": "Reminder"},
    "trigger": {"type": "before_conversation", "days": 14},
    "actions": [{"do": "remind", "to": "participants"}],
}


class Recorder:
    """A notifier plugin that keeps what it is handed."""

    def __init__(self) -> None:
        self.sent: list[Notification] = []

    @hookimpl
    def magcore_send_notification(self, notification: Notification) -> str:
        self.sent.append(notification)
        return f"rec-{len(self.sent)}"


def _service(*extra: tuple[str, object], people: int = 12, teams: int = 2):
    host = get_plugin_manager(load_entry_points=False, extra=list(extra))
    clock = FixedClock(T0)
    svc = open_service("memory://", clock=clock, host=host)
    approve_cycle(svc, svc.add_cycle(YEARLY))
    org = generate_organisation(people=people, teams=teams, coaches=1, self_steering_share=0)
    svc.import_organisation(org, actor="hr")
    return svc, clock, org


def _pair(svc, org) -> tuple[str, str]:
    day = T0.date()
    employee = next(
        p
        for p in sorted(org.people)
        if org.manager_of(p, day) and org.manager_of(p, day) != p and p not in org.coaches(day)
    )
    manager = org.manager_of(employee, day)
    assert manager is not None
    return employee, manager


def _scheduled(svc, org, on: datetime, conversation_id: str = "c1") -> tuple[str, str]:
    employee, manager = _pair(svc, org)
    svc.request(
        cycle=YEARLY,
        kind="yearly",
        participants=[Participant(employee, "employee"), Participant(manager, "manager")],
        actor=employee,
        conversation_id=conversation_id,
    )
    svc.execute(conversation_id, Schedule(actor=manager, on=on))
    return employee, manager


def _events(svc) -> list:
    return [event for _, event in svc.store.read_all()]


# -- loading ------------------------------------------------------------------------------------


def test_a_valid_workflow_loads_with_its_parts() -> None:
    """A dict with trigger, condition and actions becomes a Workflow with typed parts."""
    data = {
        **REMIND_BEFORE,
        "condition": {"all": [{"state_in": ["scheduled"]}, {"has_open_agreements": False}]},
    }
    workflow = load_workflow(data, source="test")
    assert workflow.id == "remind-before"
    assert workflow.trigger.days == 14
    assert workflow.actions[0].do is ActionKind.REMIND
    assert workflow.actions[0].message == "workflow.remind"
    assert workflow.condition is not None
    assert workflow.condition.op == "all"


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        (lambda d: d.pop("trigger"), "/trigger"),
        (lambda d: d.update(trigger={"type": "whenever"}), "/trigger/type"),
        (lambda d: d["trigger"].update(days=-1), "/trigger/days"),
        (lambda d: d["trigger"].update(days="14"), "/trigger/days"),
        (lambda d: d["trigger"].update(hours=3), "/trigger/hours"),
        (lambda d: d.update(actions=[]), "/actions"),
        (lambda d: d["actions"][0].update(to="everyone"), "/actions/0/to"),
        (lambda d: d["actions"][0].update(do="fire"), "/actions/0/do"),
        (lambda d: d["actions"][0].update(message="Hello there!"), "/actions/0/message"),
        (lambda d: d.update(condition={"mood_in": ["happy"]}), "/condition/mood_in"),
        (lambda d: d.update(condition={"state_in": ["happy"]}), "/condition/state_in/0"),
        (lambda d: d.update(condition={"held_in_window": True}), "/condition/held_in_window"),
        (lambda d: d.update(condition={"not": {"a": 1, "b": 2}}), "/condition/not"),
        (lambda d: d.update(id="Has Spaces"), "/id"),
        (lambda d: d.update(colour="red"), "/colour"),
    ],
)
def test_a_malformed_workflow_is_refused_naming_the_field(change, pointer: str) -> None:
    """Every malformed part raises DefinitionError with the JSON pointer of that field."""
    data = copy.deepcopy(REMIND_BEFORE)
    change(data)
    with pytest.raises(DefinitionError) as info:
        load_workflow(data, source="test")
    assert not isinstance(info.value, ScoringNotAllowedError)
    assert info.value.pointer == pointer
    assert "test" in str(info.value)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(id="low-score-follow-up"),
        lambda d: d.update(condition={"score_below": 3}),
        lambda d: d["actions"][0].update(message="workflow.rating_reminder"),
        lambda d: d["actions"][0].update(do="rate"),
        lambda d: d.update(trigger={"type": "event", "event": "appraisal.completed"}),
        lambda d: d.update(extra={"rating": 3}),
    ],
)
def test_a_workflow_that_mentions_a_score_is_refused(change) -> None:
    """Naming a score anywhere (id, condition, message, action, event, field) is refused."""
    data = copy.deepcopy(REMIND_BEFORE)
    change(data)
    with pytest.raises(ScoringNotAllowedError):
        load_workflow(data)


def test_plugins_contribute_workflows_and_a_scoring_one_is_isolated() -> None:
    """A good plugin's workflow arrives; a scoring one becomes a PluginError (cause: refusal)."""

    class Good:
        @hookimpl
        def magcore_register_workflows(self, register) -> None:
            register(REMIND_BEFORE)

    class Scoring:
        @hookimpl
        def magcore_register_workflows(self, register) -> None:
            register({**REMIND_BEFORE, "id": "other", "condition": {"score_below": 3}})

    host = get_plugin_manager(load_entry_points=False, extra=[("good", Good()), ("bad", Scoring())])
    workflows, problems = contributed_workflows(host)
    assert [w.id for w in workflows] == ["remind-before"]
    assert workflows[0].source == "good"
    (problem,) = problems
    assert isinstance(problem, PluginError)
    assert problem.distribution == "bad"
    assert isinstance(problem.__cause__, ScoringNotAllowedError)


# -- triggers ------------------------------------------------------------------------------------


def test_before_conversation_is_due_exactly_n_days_before() -> None:
    """14 days before a scheduled conversation both participants are due a reminder, not earlier."""
    svc, _clock, org = _service()
    on = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
    employee, manager = _scheduled(svc, org, on)
    workflow = load_workflow(REMIND_BEFORE)
    moment = on - timedelta(days=14)
    assert due_actions(_events(svc), [workflow], until=moment - timedelta(seconds=1)) == ()
    due = due_actions(_events(svc), [workflow], until=moment)
    assert sorted(a.recipient for a in due) == sorted([employee, manager])
    assert {a.reference for a in due} == {"conversation:c1"}
    assert {a.due for a in due} == {on.date()}
    assert due_actions(_events(svc), [workflow], until=on) == ()  # too late: it expired


def test_a_moved_conversation_is_reminded_again_and_a_cancelled_one_not() -> None:
    """Rescheduling gives a new occurrence; cancelling removes it."""
    from magcore import Cancel, Reschedule

    svc, _clock, org = _service()
    on = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
    _employee, manager = _scheduled(svc, org, on)
    workflow = load_workflow(REMIND_BEFORE)
    first = due_actions(_events(svc), [workflow], until=on - timedelta(days=1))
    svc.execute("c1", Reschedule(actor=manager, on=on + timedelta(days=7)))
    second = due_actions(_events(svc), [workflow], until=on - timedelta(days=1))
    assert {a.key for a in first}.isdisjoint({a.key for a in second})
    svc.execute("c1", Cancel(actor=manager))
    assert due_actions(_events(svc), [workflow], until=on) == ()


def test_a_manager_change_asks_the_new_manager_about_each_team_member() -> None:
    """'When a manager changes': one action per member of the team, to the new manager."""
    svc, clock, org = _service()
    day = T0.date()
    team = next(t for t in sorted(org.teams) if org.manager_of_team(t, day) and t.startswith("t"))
    newcomer = next(p for p in sorted(org.people) if org.team_of(p, day) != team)
    clock.advance(timedelta(days=3))
    svc.change_manager(org.id, team, newcomer, day + timedelta(days=3), actor="hr")
    workflow = load_workflow(
        {
            "id": "handover",
            "name": {"nl": "Nieuwe leidinggevende", "en": "New manager"},
            "trigger": {"type": "event", "event": "manager.changed"},
            "actions": [
                {"do": "ask_for_conversation", "to": "manager"},
                {"do": "remind", "to": "previous_manager"},
            ],
        }
    )
    due = due_actions(_events(svc), [workflow], until=clock.now())
    members = set(org.members(team, day + timedelta(days=3))) - {newcomer}
    asks = [a for a in due if a.action is ActionKind.ASK_FOR_CONVERSATION]
    assert {a.subject for a in asks} == members
    assert {a.recipient for a in asks} == {newcomer}
    previous = org.manager_of_team(team, day)
    assert {a.recipient for a in due if a.action is ActionKind.REMIND} == {previous}


def test_quiet_days_count_from_the_last_held_conversation() -> None:
    """'After 90 quiet days': due 90 days after import/hire; a held conversation restarts it."""
    svc, _clock, org = _service()
    employee, manager = _scheduled(svc, org, datetime(2025, 2, 1, tzinfo=UTC))
    svc.execute("c1", MarkHeld(actor=manager, on=date(2025, 2, 1)))
    workflow = load_workflow(
        {
            "id": "quiet",
            "name": {"nl": "Stil", "en": "Quiet"},
            "trigger": {"type": "quiet", "days": 90},
            "actions": [{"do": "ask_for_conversation", "to": "employee"}],
        }
    )
    at_90 = datetime(2025, 1, 6, tzinfo=UTC) + timedelta(days=90)
    due = due_actions(_events(svc), [workflow], until=at_90)
    assert employee not in {a.recipient for a in due}
    others = {p for p in org.people if p != employee}
    assert {a.recipient for a in due} == others
    later = datetime(2025, 2, 1, tzinfo=UTC) + timedelta(days=90)
    assert employee in {a.recipient for a in due_actions(_events(svc), [workflow], until=later)}


def test_cadence_reminder_skips_people_who_already_had_their_conversation() -> None:
    """'Plan your conversation' N days before the yearly due date, unless held this year."""
    svc, _clock, org = _service()
    employee, manager = _scheduled(svc, org, datetime(2025, 5, 1, tzinfo=UTC))
    svc.execute("c1", MarkHeld(actor=manager, on=date(2025, 5, 1)))
    workflow = load_workflow(
        {
            "id": "plan",
            "name": {"nl": "Plan", "en": "Plan"},
            "trigger": {"type": "cadence", "cycle": "yearly", "days_before_due": 30},
            "condition": {"not": {"held_in_window": True}},
            "actions": [
                {"do": "remind", "to": "employee", "message": "workflow.plan_conversation"}
            ],
        }
    )
    before = datetime(2025, 12, 1, tzinfo=UTC) - timedelta(seconds=1)
    assert due_actions(_events(svc), [workflow], until=before, cycles=svc.cycles) == ()
    due = due_actions(
        _events(svc), [workflow], until=datetime(2025, 12, 1, tzinfo=UTC), cycles=svc.cycles
    )
    recipients = {a.recipient for a in due}
    day = date(2025, 12, 31)
    with_manager = {p for p in org.people if org.manager_of(p, day) is not None}
    assert recipients == with_manager - {employee}
    assert {a.due for a in due} == {day}


def test_cadence_reminders_keep_working_half_a_century_after_the_import() -> None:
    """The cadence's plan reaches back to the organisation's import, but no further than a
    plan may (50 years): it used to grow past that limit, and every workflow stopped."""
    svc, _clock, _org = _service(people=4, teams=1)
    workflow = load_workflow(
        {
            "id": "plan",
            "name": {"nl": "Plan", "en": "Plan"},
            "trigger": {"type": "cadence", "cycle": "yearly", "days_before_due": 3660},
            "actions": [
                {"do": "remind", "to": "employee", "message": "workflow.plan_conversation"}
            ],
        }
    )
    until = datetime(2066, 1, 6, tzinfo=UTC)
    due = due_actions(_events(svc), [workflow], until=until, cycles=svc.cycles)
    assert due
    assert max(a.due for a in due) > date(2066, 1, 6)


def test_invite_coach_picks_the_same_coach_every_time() -> None:
    """A coach of the organisation is chosen deterministically for each subject."""
    svc, clock, org = _service()
    _employee, _manager = _scheduled(svc, org, datetime(2025, 3, 1, tzinfo=UTC))
    workflow = load_workflow(
        {
            "id": "coach",
            "name": {"nl": "Coach", "en": "Coach"},
            "trigger": {"type": "event", "event": "conversation.scheduled"},
            "actions": [{"do": "invite_coach"}],
        }
    )
    first = due_actions(_events(svc), [workflow], until=clock.now())
    second = due_actions(_events(svc), [workflow], until=clock.now())
    assert first == second
    (action,) = first
    assert action.recipient in org.coaches(clock.now().date())


# -- purity and idempotence ----------------------------------------------------------------------


def test_due_actions_ignores_events_after_the_moment() -> None:
    """Events later than *until* do not count: the answer depends on the log up to then."""
    svc, clock, org = _service()
    on = datetime(2025, 3, 1, tzinfo=UTC)
    clock.set(datetime(2025, 2, 20, tzinfo=UTC))
    _scheduled(svc, org, on)
    workflow = load_workflow(REMIND_BEFORE)
    assert due_actions(_events(svc), [workflow], until=datetime(2025, 2, 19, tzinfo=UTC)) == ()
    assert due_actions(_events(svc), [workflow], until=datetime(2025, 2, 21, tzinfo=UTC))


def test_running_twice_for_the_same_moment_sends_once() -> None:
    """The second run finds every action performed (as events) and sends nothing."""
    recorder = Recorder()
    svc, _clock, org = _service(("recorder", recorder))
    on = datetime(2025, 3, 1, tzinfo=UTC)
    _scheduled(svc, org, on)
    moment = on - timedelta(days=10)
    first = run_workflows(svc, moment, workflows=[REMIND_BEFORE], link_base="https://mag.test/")
    assert len(first.performed) == 2
    assert first.deliveries == ("rec-1", "rec-2")
    second = run_workflows(svc, moment, workflows=[REMIND_BEFORE])
    assert second.performed == ()
    assert len(recorder.sent) == 2
    recorded = svc.store.read(workflow_stream("remind-before"))
    assert [e.type for e in recorded] == [PERFORMED, PERFORMED]
    assert {e.data["key"] for e in recorded} == {n.key for n in recorder.sent}
    assert recorder.sent[0].link == "https://mag.test/conversation/c1"
    notified = [e for e in svc.store.read_audit() if e["action"] == "notify"]
    assert sorted(e["reason"] for e in notified) == ["rec-1", "rec-2"]
    assert {e["result"] for e in notified} == {"done"}
    assert {e["object"].partition("/")[0] for e in notified} == {
        f"person:{n.recipient}" for n in recorder.sent
    }


def test_only_the_workflow_streams_say_what_was_performed() -> None:
    """A 'performed' event written to some other stream does not silence a reminder."""
    from magcore.events import Event
    from magcore.storage.base import StreamWrite

    svc, _clock, org = _service()
    on = datetime(2025, 3, 1, tzinfo=UTC)
    _scheduled(svc, org, on)
    workflow = load_workflow(REMIND_BEFORE)
    due = due_actions(_events(svc), [workflow], until=on - timedelta(days=10))
    forged = Event(
        stream="note:forged",
        version=1,
        type=PERFORMED,
        at=T0,
        actor="someone",
        data={"key": due[0].key},
    )
    svc.store.append([StreamWrite("note:forged", 0, (forged,))])
    assert due_actions(_events(svc), [workflow], until=on - timedelta(days=10)) == due


def test_a_racing_runner_cannot_make_an_action_run_twice() -> None:
    """Two runners for the same moment: the loser's append conflicts, it re-reads, sends nothing."""
    recorder = Recorder()
    svc, clock, org = _service(("recorder", recorder))
    on = datetime(2025, 3, 1, tzinfo=UTC)
    _scheduled(svc, org, on)
    moment = on - timedelta(days=10)
    real_store = svc.store
    rival = open_service("memory://", clock=clock, host=svc.host)
    rival.store = real_store

    class RacingStore:
        """Lets the rival runner commit between our read and our append."""

        def __init__(self) -> None:
            self.raced = False

        def __getattr__(self, name: str) -> Any:
            return getattr(real_store, name)

        def append(self, writes, **kwargs):
            if not self.raced:
                self.raced = True
                run_workflows(rival, moment, workflows=[REMIND_BEFORE])
            return real_store.append(writes, **kwargs)

    svc.store = RacingStore()
    report = run_workflows(svc, moment, workflows=[REMIND_BEFORE])
    assert report.performed == ()
    assert len(recorder.sent) == 2
    assert len({n.key for n in recorder.sent}) == 2


@settings(max_examples=15, deadline=None)
@given(offsets=st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=6))
def test_runs_at_any_moments_never_repeat_an_action(offsets: list[int]) -> None:
    """Whatever moments the workflows run at (repeats included), each action key is sent once."""
    recorder = Recorder()
    svc, _clock, org = _service(("recorder", recorder))
    _scheduled(svc, org, datetime(2025, 2, 20, tzinfo=UTC), "c1")
    _scheduled(svc, org, datetime(2025, 3, 10, tzinfo=UTC), "c2")
    quiet = {
        "id": "quiet",
        "name": {"nl": "Stil", "en": "Quiet"},
        "trigger": {"type": "quiet", "days": 30},
        "actions": [{"do": "ask_for_conversation", "to": "employee"}],
    }
    for offset in sorted(offsets) + sorted(offsets):
        run_workflows(svc, T0 + timedelta(days=offset), workflows=[REMIND_BEFORE, quiet])
    keys = [n.key for n in recorder.sent]
    assert len(keys) == len(set(keys))
    final = T0 + timedelta(days=max(offsets))
    assert due_actions(_events(svc), [load_workflow(REMIND_BEFORE)], until=final) == ()


# -- no content in notifications -----------------------------------------------------------------


def test_no_conversation_content_ever_reaches_a_notification() -> None:
    """Preparation, topic, record and agreement texts appear in no notification or action event."""
    recorder = Recorder()
    svc, _clock, org = _service(("recorder", recorder))
    employee, manager = _scheduled(svc, org, datetime(2025, 2, 3, tzinfo=UTC))
    secrets = ["SECRET-PREP-answer", "SECRET-TOPIC-burnout", "SECRET-SUMMARY", "SECRET-AGREE-1"]
    svc.execute("c1", SavePreparation(actor=employee, answers={"how": secrets[0]}))
    svc.execute("c1", PublishPreparation(actor=employee))
    svc.execute("c1", PublishPreparation(actor=manager))
    svc.execute("c1", RaiseTopic(actor=employee, text=secrets[1]))
    svc.execute("c1", MarkHeld(actor=manager, on=date(2025, 2, 3)))
    svc.execute(
        "c1",
        DraftRecord(
            actor=manager,
            summary=secrets[2],
            agreements=[Agreement(id="a1", text=secrets[3], owner="employee")],
        ),
    )
    svc.execute("c1", ConfirmRecord(actor=employee, revision=1))
    svc.execute("c1", ConfirmRecord(actor=manager, revision=1))
    svc.request(
        cycle=YEARLY,
        kind="yearly",
        participants=[Participant(employee, "employee"), Participant(manager, "manager")],
        actor=manager,
        conversation_id="c2",
    )
    svc.execute("c2", Schedule(actor=manager, on=datetime(2025, 6, 1, tzinfo=UTC)))
    carry = {
        "id": "carry",
        "name": {"nl": "Afspraken", "en": "Agreements"},
        "trigger": {"type": "before_conversation", "days": 7},
        "condition": {"has_open_agreements": True},
        "actions": [{"do": "carry_forward", "to": "participants"}],
    }
    every_event = {
        "id": "every",
        "name": {"nl": "Alles", "en": "Everything"},
        "trigger": {"type": "event", "event": "record.drafted"},
        "actions": [{"do": "remind", "to": "participants"}, {"do": "invite_coach"}],
    }
    report = run_workflows(svc, datetime(2025, 5, 28, tzinfo=UTC), workflows=[carry, every_event])
    assert {n.message for n in report.notifications} == {
        "workflow.agreements_from_last_time",
        "workflow.remind",
        "workflow.invite_coach",
    }
    carried = [n for n in report.notifications if n.message.endswith("last_time")]
    assert {n.count for n in carried} == {1}
    texts = [repr(n.to_json()) for n in recorder.sent]
    texts += [repr(dict(e.data)) for e in svc.store.read(workflow_stream("carry"))]
    texts += [repr(dict(e.data)) for e in svc.store.read(workflow_stream("every"))]
    for text in texts:
        for secret in secrets:
            assert secret not in text


def test_a_notification_has_no_field_for_free_text() -> None:
    """Its fields are keys, ids, a language, a link, a reference, a date and a count only."""
    assert set(attrs.fields_dict(Notification)) == {
        "key",
        "message",
        "recipient",
        "language",
        "link",
        "reference",
        "due",
        "count",
    }
    with pytest.raises(ValueError, match="message key"):
        Notification(key="k", message="Your agreement: call HR", recipient="p1", reference="x:1")
    with pytest.raises(ValueError, match="link"):
        Notification(
            key="k", message="workflow.remind", recipient="p1", reference="x:1", link="see notes"
        )


def test_a_joined_trigger_fires_for_each_person_of_a_batch(monkeypatch) -> None:
    """A large first import writes people.joined batches: a workflow on person.joined fires
    once for each person in them, as it would for single events."""
    import magcore.app.people
    import magcore.domain.orgbulk

    workflow = load_workflow(
        {
            "id": "welcome",
            "name": {"nl": "Welkom", "en": "Welcome"},
            "trigger": {"type": "event", "event": "person.joined"},
            "actions": [{"do": "ask_for_conversation", "to": "employee"}],
        }
    )
    single, clock, org = _service()
    expected = {a.subject for a in due_actions(_events(single), [workflow], until=clock.now())}
    monkeypatch.setattr(magcore.app.people, "BULK_FROM", 5)
    monkeypatch.setattr(magcore.domain.orgbulk, "BATCH", 5)
    bulk, clock, org = _service()
    assert "people.joined" in {event.type for event in _events(bulk)}
    due = due_actions(_events(bulk), [workflow], until=clock.now())
    assert expected == set(org.people)
    assert sorted(a.subject for a in due) == sorted(org.people)
