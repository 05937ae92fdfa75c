"""The application service: commands in, events stored, observers told once per batch."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from magcore import (
    Agreement,
    ConfirmRecord,
    ConflictError,
    ConsentError,
    CycleDefinition,
    DraftRecord,
    FixedClock,
    GrantSharing,
    MarkHeld,
    NotFoundError,
    Participant,
    RecordInvalidError,
    RevokeSharing,
    State,
    TransitionError,
    get_plugin_manager,
    hookimpl,
    open_service,
)
from magcore.domain.conversation import AddDissent
from magcore.testing import approve_cycle, generate_organisation

from ..conftest import EXAMPLE_CYCLES
from ..support.forms import TINY_RECORD_FORM


class Recorder:
    """An observer plugin that remembers every committed batch."""

    def __init__(self) -> None:
        self.batches = []

    @hookimpl
    def magcore_events_committed(self, batch):
        self.batches.append(batch)


class Broken:
    @hookimpl
    def magcore_events_committed(self, batch):
        raise RuntimeError("connector down")


@pytest.fixture
def setup():
    recorder = Recorder()
    host = get_plugin_manager(
        load_entry_points=False, extra=[("broken", Broken()), ("recorder", recorder)]
    )
    clock = FixedClock(datetime(2025, 1, 6, 9, tzinfo=UTC))
    service = open_service("memory://", clock=clock, host=host, dispatch="sync")
    cycle = service.add_cycle(
        __import__("json").loads((EXAMPLE_CYCLES / "employee-manager.json").read_text())
    )
    approve_cycle(service, cycle)
    org = generate_organisation(people=60, teams=4, seed=7)
    service.import_organisation(org, actor="hr-import")
    return service, cycle, org, recorder, clock


def hold_and_agree(service, conv, agreements=()):
    employee, manager = conv.people
    service.execute(conv.id, MarkHeld(actor=manager, on=date(2025, 2, 1)))
    conv = service.execute(conv.id, DraftRecord(actor=manager, summary="ok", agreements=agreements))
    service.execute(conv.id, ConfirmRecord(actor=employee, revision=1))
    return service.execute(conv.id, ConfirmRecord(actor=manager, revision=1))


def first_employee(org):
    day = date(2025, 1, 6)
    return next(p for p in sorted(org.people) if org.manager_of(p, day) and org.team_of(p, day))


def test_full_conversation_through_the_service(setup):
    """Request with the organisation's manager, hold, record, both confirm: agreed."""
    service, cycle, org, _recorder, _ = setup
    employee = first_employee(org)
    participants = service.participants_for(org.id, cycle, "yearly", employee, on=date(2025, 1, 6))
    conv = service.request(
        cycle=cycle.key, kind="yearly", participants=participants, actor=employee
    )
    conv = hold_and_agree(service, conv)
    assert conv.state is State.AGREED
    assert service._load(conv.id).version == conv.version
    rows = service.store.conversations(subject=employee)
    assert [r.state for r in rows] == ["agreed"]


def test_observers_hear_each_batch_once_and_a_broken_one_cannot_undo_it(setup):
    """One call per committed batch; a failing observer is recorded as a PluginError."""
    service, cycle, org, recorder, _ = setup
    employee = first_employee(org)
    participants = service.participants_for(org.id, cycle, "yearly", employee, on=date(2025, 1, 6))
    before = len(recorder.batches)
    conv = service.request(cycle=cycle, kind="yearly", participants=participants, actor=employee)
    hold_and_agree(service, conv)
    batches = recorder.batches[before:]
    assert len(batches) == 5  # request, held, drafted, confirm, confirm+agreed
    assert [e.type for e in batches[-1].events] == ["record.confirmed", "conversation.agreed"]
    assert {f.distribution for f in service.plugin_failures} == {"broken"}
    assert service._load(conv.id).state is State.AGREED


def test_open_agreements_carry_forward(setup):
    """Open agreements from an agreed conversation appear in the employee's next conversation."""
    service, cycle, org, _, clock = setup
    employee = first_employee(org)
    participants = service.participants_for(org.id, cycle, "yearly", employee, on=date(2025, 1, 6))
    first = service.request(cycle=cycle, kind="yearly", participants=participants, actor=employee)
    hold_and_agree(service, first, (Agreement(id="a1", text="Cursus Excel", owner="employee"),))
    clock.advance(timedelta(days=200))
    second = service.request(cycle=cycle, kind="yearly", participants=participants, actor=employee)
    assert [(a.text, a.carried_from) for a in second.carried_forward] == [
        ("Cursus Excel", f"{first.id}#a1")
    ]


def test_refused_command_writes_nothing(setup):
    """A TransitionError leaves the stream exactly as it was."""
    service, cycle, org, _recorder, _ = setup
    employee = first_employee(org)
    participants = service.participants_for(org.id, cycle, "yearly", employee, on=date(2025, 1, 6))
    conv = service.request(cycle=cycle, kind="yearly", participants=participants, actor=employee)
    version = service.store.version(f"conversation:{conv.id}")
    with pytest.raises(TransitionError):
        service.execute(conv.id, AddDissent(actor=employee, text="nee"))
    assert service.store.version(f"conversation:{conv.id}") == version


def test_refused_request_leaves_the_known_cycles_as_they_were(setup):
    """A request refused for its participants does not register the cycle it named."""
    service, cycle, org, _recorder, _ = setup
    other = CycleDefinition.from_json({**cycle.to_json(), "id": "other-cycle"})
    approve_cycle(service, other)
    employee = first_employee(org)
    with pytest.raises(TransitionError):
        service.request(
            cycle=other,
            kind="yearly",
            participants=[Participant(employee, "employee")],
            actor=employee,
        )
    assert other.key not in service.cycles
    participants = service.participants_for(org.id, other, "yearly", employee, on=date(2025, 1, 6))
    service.request(cycle=other, kind="yearly", participants=participants, actor=employee)
    assert service.cycles[other.key] == other


def test_concurrent_change_is_a_conflict(setup):
    """Two writers from the same version: the second gets ConflictError and writes nothing."""
    service, cycle, org, _, _ = setup
    employee = first_employee(org)
    participants = service.participants_for(org.id, cycle, "yearly", employee, on=date(2025, 1, 6))
    conv = service.request(cycle=cycle, kind="yearly", participants=participants, actor=employee)
    from magcore.domain.conversation import decide
    from magcore.storage import StreamWrite

    stale = service._load(conv.id)
    service.execute(conv.id, MarkHeld(actor=employee, on=date(2025, 1, 7)))
    events = decide(stale, MarkHeld(actor=employee, on=date(2025, 1, 8)), now=service.clock.now())
    with pytest.raises(ConflictError):
        service.store.append([StreamWrite(f"conversation:{conv.id}", stale.version, events)])
    assert service._load(conv.id).held_on == date(2025, 1, 7)


def test_manager_change_is_an_event_and_plans_follow_it(setup):
    """A manager change is stored with its date; the plan uses the new manager after it."""
    service, cycle, org, _, _ = setup
    employee = first_employee(org)
    team = org.team_of(employee, date(2025, 1, 6))
    newcomer = next(
        p
        for p in sorted(org.people)
        if p != employee and org.manager_of_team(team, date(2025, 1, 6)) != p
    )
    before = service.store.version(f"org:{org.id}")
    service.change_manager(org.id, team, newcomer, date(2025, 7, 1), actor="hr")
    due = {d.person: d for d in service.plan(org.id, cycle.key, date(2025, 1, 1), date(2026, 1, 1))}
    assert due[employee].manager == newcomer
    written = service.store.read(f"org:{org.id}")[before:]
    assert [e.type for e in written] == ["manager.changed"]
    assert written[0].data["on"] == "2025-07-01"
    assert written[0].data["manager"] == newcomer


def test_planning_several_cycles_at_once_is_planning_each(setup, monkeypatch):
    """``plan_many`` gives, per cycle key, exactly what ``plan`` gives for that cycle (with a
    held conversation in the history), reading the organisation and the history once."""
    service, cycle, org, _, _ = setup
    employee = first_employee(org)
    participants = service.participants_for(org.id, cycle, "yearly", employee, on=date(2025, 1, 6))
    hold_and_agree(
        service,
        service.request(cycle=cycle, kind="yearly", participants=participants, actor=employee),
    )
    others = [
        service.add_cycle(__import__("json").loads((EXAMPLE_CYCLES / name).read_text()))
        for name in ("free-dialogue.json", "peer-team.json")
    ]
    keys = [cycle.key, *(c.key for c in others)]
    start, end = date(2025, 3, 1), date(2026, 3, 1)
    each = {key: service.plan(org.id, key, start, end) for key in keys}
    reads = {"conversations": 0, "organisation": 0}
    for name, owner in (("conversations", service.store), ("organisation", service)):
        method = getattr(owner, name)

        def counted(*args, _name=name, _method=method, **kwargs):
            reads[_name] += 1
            return _method(*args, **kwargs)

        monkeypatch.setattr(owner, name, counted)
    together = service.plan_many(org.id, [cycle, *keys[1:]], start, end)
    assert together == each
    assert any(items for items in together.values())
    assert reads == {"conversations": 1, "organisation": 1}
    assert service.plan_many(org.id, [], start, end) == {}


def test_coverage_through_the_service(setup):
    """Coverage counts held conversations from the store's read model."""
    service, cycle, org, _, _ = setup
    employee = first_employee(org)
    participants = service.participants_for(org.id, cycle, "yearly", employee, on=date(2025, 1, 6))
    conv = service.request(cycle=cycle, kind="yearly", participants=participants, actor=employee)
    hold_and_agree(service, conv)
    report = service.coverage(org.id, cycle.key, date(2025, 1, 1), date(2026, 1, 1))
    assert report.covered == 1
    assert employee not in {u.person for u in report.uncovered}
    assert report.due == len(report.uncovered) + 1


def test_unknown_things_are_clear_errors(setup):
    """Unknown conversations, cycles, organisations and URLs are clear errors."""
    service, *_ = setup
    with pytest.raises(NotFoundError, match="unknown conversation"):
        service._load("nope")
    with pytest.raises(NotFoundError, match="unknown cycle"):
        service.cycle("nope")
    with pytest.raises(NotFoundError, match="import it first"):
        service.organisation("nope")
    from magcore import StorageError

    with pytest.raises(StorageError, match="no installed plugin opens"):
        open_service("ftp://x", host=get_plugin_manager(load_entry_points=False))


FORM = TINY_RECORD_FORM


class FormsAndChecks:
    """A plugin with one record form and a check that wants the word 'samen'."""

    @hookimpl
    def magcore_register_forms(self, register):
        register(FORM)

    @hookimpl
    def magcore_check_record(self, record, actor, language):
        if "samen" not in record.get("summary", ""):
            from magcore import Problem

            return [Problem("/summary", f"{actor}: say what you do together ({language})")]
        return None


def checked_service():
    host = get_plugin_manager(load_entry_points=False, extra=[("forms", FormsAndChecks())])
    clock = FixedClock(datetime(2025, 1, 6, 9, tzinfo=UTC))
    service = open_service("memory://", clock=clock, host=host, language="en")
    data = __import__("json").loads((EXAMPLE_CYCLES / "employee-manager.json").read_text())
    data["kinds"][0]["record_form"] = "tiny-record"
    cycle = service.add_cycle(data)
    approve_cycle(service, cycle)
    people = (Participant("emp", "employee"), Participant("mgr", "manager"))
    conv = service.request(cycle=cycle, kind="yearly", participants=people, actor="emp")
    service.execute(conv.id, MarkHeld(actor="mgr", on=date(2025, 1, 7)))
    return service, conv


def test_record_answers_are_validated_against_the_kinds_form():
    """Answers that do not fit the form are refused with every problem, and nothing is stored."""
    service, conv = checked_service()
    version = service.store.version(f"conversation:{conv.id}")
    with pytest.raises(RecordInvalidError) as caught:
        service.execute(conv.id, DraftRecord(actor="mgr", answers={"summary": "", "x": 1}))
    assert [(p.pointer, p.message) for p in caught.value.problems] == [
        ("/summary", 'Fill in "Summary".'),
        ("/x", 'This form has no field called "x".'),
    ]
    assert service.store.version(f"conversation:{conv.id}") == version


def test_check_hooks_see_actor_and_language_and_can_refuse():
    """After the schema passes, every check plugin may object, in the service's language."""
    service, conv = checked_service()
    with pytest.raises(RecordInvalidError, match=r"mgr: say what you do together \(en\)"):
        service.execute(conv.id, DraftRecord(actor="mgr", answers={"summary": "Goed gesprek"}))
    conv = service.execute(
        conv.id, DraftRecord(actor="mgr", answers={"summary": "We werken samen aan X"})
    )
    assert conv.answers["summary"] == "We werken samen aan X"


def test_sharing_choices_through_the_service():
    """Only the employee grants and revokes; choices are events in their own stream."""
    service, _ = checked_service()
    state = service.share(
        GrantSharing(
            actor="emp", person="emp", to="next_manager", what="agreements", purpose="handover"
        )
    )
    (choice,) = state.choices.values()
    assert choice.to == "next_manager"
    with pytest.raises(ConsentError):
        service.share(RevokeSharing(actor="mgr", person="emp", choice=choice.id))
    service.share(RevokeSharing(actor="emp", person="emp", choice=choice.id))
    assert service.sharing("emp").active(service.clock.now()) == ()


def test_carried_agreements_keep_their_theme(setup):
    """A carried-forward agreement keeps its text, owner, due date and theme."""
    service, cycle, org, _, clock = setup
    employee = first_employee(org)
    participants = service.participants_for(org.id, cycle, "yearly", employee, on=date(2025, 1, 6))
    first = service.request(cycle=cycle, kind="yearly", participants=participants, actor=employee)
    agreement = Agreement(
        id="a1", text="Cursus", owner="both", due=date(2025, 6, 1), theme="development"
    )
    hold_and_agree(service, first, (agreement,))
    clock.advance(timedelta(days=30))
    second = service.request(cycle=cycle, kind="yearly", participants=participants, actor=employee)
    (carried,) = second.carried_forward
    assert (carried.text, carried.owner.value, carried.due, carried.theme) == (
        "Cursus",
        "both",
        date(2025, 6, 1),
        "development",
    )


def test_a_hand_made_cycle_survives_a_restart(tmp_path):
    """A definition no plugin contributes is stored with its first conversation, so the
    conversation can go on after the service is opened again."""
    url = f"sqlite:///{tmp_path / 'mag.db'}"

    def opened():
        host = get_plugin_manager(load_entry_points=False, extra=[("forms", FormsAndChecks())])
        clock = FixedClock(datetime(2025, 1, 6, 9, tzinfo=UTC))
        return open_service(url, clock=clock, host=host)

    service = opened()
    data = __import__("json").loads((EXAMPLE_CYCLES / "employee-manager.json").read_text())
    data["kinds"][0]["record_form"] = "tiny-record"
    people = (Participant("emp", "employee"), Participant("mgr", "manager"))
    approve_cycle(service, service.add_cycle(data))
    conv = service.request(
        cycle="example-yearly@1", kind="yearly", participants=people, actor="emp"
    )
    service.close()
    again = opened()
    assert "example-yearly@1" not in again.host.hooks.cycles().by_plugin().get("forms", ())
    again.execute(conv.id, MarkHeld(actor="mgr", on=date(2025, 1, 7)))
    with pytest.raises(RecordInvalidError):
        again.execute(conv.id, DraftRecord(actor="mgr", answers={"summary": ""}))
    done = again.execute(conv.id, DraftRecord(actor="mgr", answers={"summary": "samen"}))
    assert dict(done.answers) == {"summary": "samen"}
    assert again.cycle("example-yearly@1").kind("yearly").record_form == "tiny-record"
    again.close()


def test_what_is_outstanding_for_a_team_is_what_is_outstanding_for_all_of_them(setup):
    """A team's due list (people given: only their plans and conversations) is the
    organisation's due list for those people, with one conversation requested and one held in
    the history."""
    service, cycle, org, _, _ = setup
    day = date(2025, 1, 6)
    team = org.team_of(first_employee(org), day)
    people = sorted(p for p in org.people if org.team_of(p, day) == team)
    held, requested, *_ = people
    for person, hold in ((held, True), (requested, False)):
        participants = service.participants_for(org.id, cycle, "yearly", person, on=day)
        conversation = service.request(
            cycle=cycle, kind="yearly", participants=participants, actor=person
        )
        if hold:
            hold_and_agree(service, conversation)
    start, end = date(2025, 1, 1), date(2026, 1, 1)
    everyone = service.outstanding(org.id, cycle.key, start, end)
    team_only = service.outstanding(org.id, cycle.key, start, end, people=people)
    assert team_only == tuple(d for d in everyone if d.person in set(people))
    assert {held, requested}.isdisjoint(d.person for d in team_only)
    assert team_only


def test_due_and_outstanding_is_plan_and_outstanding_planned_once(setup):
    """``due_and_outstanding`` gives what ``plan`` and ``outstanding`` give (one conversation
    requested in the history), for the command that shows the first and requests the second."""
    service, cycle, org, _, _ = setup
    employee = first_employee(org)
    participants = service.participants_for(org.id, cycle, "yearly", employee, on=date(2025, 1, 6))
    service.request(cycle=cycle, kind="yearly", participants=participants, actor=employee)
    start, end = date(2025, 1, 1), date(2026, 1, 1)
    due, still = service.due_and_outstanding(org.id, cycle.key, start, end)
    assert due == service.plan(org.id, cycle.key, start, end)
    assert still == service.outstanding(org.id, cycle.key, start, end)
    assert len(still) == len(due) - 1
