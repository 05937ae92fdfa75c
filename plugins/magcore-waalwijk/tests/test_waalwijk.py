"""magcore-waalwijk: the stress triangle, the self-check, the coach's notes staying private."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from magcore_waalwijk import PLUGIN, consent, definition, forms
from magcore_waalwijk.plugin import plugin

import magcore
from magcore import (
    AddPrivateNote,
    ConfirmRecord,
    DraftRecord,
    FixedClock,
    MarkHeld,
    ParticipantRole,
    PublishPreparation,
    SavePreparation,
    Schedule,
    State,
)
from magcore.access.decision import Directory
from magcore.access.reading import ReadPolicy, read_conversation
from magcore.forms import FormDefinition, validate
from magcore.i18n import MessageBundle
from magcore.model.records import Agreement
from magcore.testing import InstalledPluginContract, approve_cycle, generate_organisation

YEAR = (date(2025, 1, 1), date(2026, 1, 1))
CONSENTING = {"noticed": ["sleep"], "wish_from_coach": "Tips", "coach_may_write_observations": True}


def _host() -> magcore.PluginHost:
    return magcore.get_plugin_manager(load_entry_points=False, extra=[(PLUGIN, plugin)])


def _forms() -> dict[str, FormDefinition]:
    loaded = (FormDefinition.from_json(f, source=PLUGIN) for f in forms())
    return {form.id: form for form in loaded}


def _moment(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _move(clock: FixedClock, moment: datetime) -> None:
    clock.set(max(moment, clock.now()))


def test_plugin_contributes_cycle_forms_check_and_messages() -> None:
    """The host gets the cycle, every named form, and the consent message in both languages."""
    host = _host()
    cycles = host.hooks.cycles()
    assert not cycles.problems
    assert [c.key for c in cycles] == [definition().key]
    named = {f for k in definition().kinds for f in (k.preparation_form, k.record_form) if f}
    assert named == set(_forms())
    bundles = host.hooks.contributions("magcore_register_messages", lambda item, _plugin: item)
    assert {b.language for b in bundles if isinstance(b, MessageBundle)} == {"nl", "en"}


def test_the_triangle_is_special_category_and_never_planned() -> None:
    """The triangle happens on request only; its health themes are special-category."""
    triangle = definition().kind("stress-triangle")
    assert triangle.special_category
    assert triangle.pattern is magcore.Pattern.THREE_PARTY
    assert triangle.cadence.kind is magcore.CadenceKind.FREE
    assert triangle.cadence.quiet_days is None
    assert ParticipantRole.COACH in triangle.initiators
    org = generate_organisation(people=30, teams=3, seed=1)
    kinds = {d.kind for d in magcore.plan(org, definition(), *YEAR)}
    assert kinds == {"check-in"}
    special = {t.id for t in definition().themes if t.special_category}
    assert {"waalwijk-stress-signals", "waalwijk-recovery"} <= special


def test_the_self_check_is_not_a_test() -> None:
    """Nothing is required, health answers are marked special, and there is no outcome field."""
    check = _forms()["waalwijk-self-check"]
    assert validate(check, {}) == []
    assert {"/noticed", "/cause_at_work", "/energy_from"} <= set(check.sensitive_fields)
    assert validate(check, CONSENTING) == []


def _triangle(
    svc: magcore.Service,
    clock: FixedClock,
    org: magcore.Organisation,
    person: str,
    on: date,
    preparation: dict[str, object],
    shown_to: tuple[str, ...] = (),
) -> tuple[magcore.Conversation, str, str]:
    """A stress triangle requested by the employee, prepared with *preparation* (published to
    the roles *shown_to*, everyone when empty), held on *on*."""
    _move(clock, _moment(on, 8))
    coach = org.coaches(on)[0]
    people = svc.participants_for(
        org.id, definition(), "stress-triangle", person, on=on, coach=coach
    )
    manager = next(p.person for p in people if p.role is ParticipantRole.MANAGER)
    conv = svc.request(
        cycle=definition(), kind="stress-triangle", participants=people, actor=person
    )
    svc.execute(conv.id, Schedule(actor=coach, on=_moment(on, 14)))
    svc.execute(conv.id, SavePreparation(actor=person, answers=preparation))
    svc.execute(conv.id, PublishPreparation(actor=person, to=shown_to))
    if shown_to == ("coach",):
        # Shown to the coach at once, before the conversation; never to the manager.
        assert person in svc.view(conv.id, actor=coach).preparations
        assert person not in svc.view(conv.id, actor=manager).preparations
    svc.execute(conv.id, AddPrivateNote(actor=coach, text="Eigen aantekening van de coach"))
    state = svc.execute(conv.id, MarkHeld(actor=coach, on=on))
    return svc._load(state.id), manager, coach  # raw: the check hooks are given it


def test_coach_observations_need_the_employees_own_consent() -> None:
    """Without a yes in the employee's self-check, the check refuses the coach's observations."""
    org = generate_organisation(people=20, teams=2, seed=2, coaches=1)
    host = _host()
    clock = FixedClock(_moment(YEAR[0], 8))
    svc = magcore.open_service("memory://", host=host, clock=clock)
    svc.import_organisation(org, actor="hr")
    approve_all(svc)
    person = next(
        p for p in org.people if org.manager_of(p, YEAR[0]) and p not in org.coaches(YEAR[0])
    )
    record = {"in_the_work": "Minder avonddiensten", "coach_observations": "Veel spanning"}
    form = _forms()["waalwijk-triangle-record"]
    refused, _, _ = _triangle(svc, clock, org, person, YEAR[0], {"noticed": ["tension"]})
    problems = host.hooks.check_record(record, form, refused)
    assert [p.pointer for p in problems] == ["/coach_observations"]
    assert problems[0].keyword == consent.MESSAGE_KEY
    assert host.hooks.check_record({"in_the_work": "Minder avonddiensten"}, form, refused) == []
    allowed, _, _ = _triangle(svc, clock, org, person, date(2025, 2, 1), CONSENTING)
    assert host.hooks.check_record(record, form, allowed) == []


def test_nobody_else_can_write_the_consent() -> None:
    """Only the employee prepares a triangle: the coach or manager cannot save a consent."""
    org = generate_organisation(people=20, teams=2, seed=3, coaches=1)
    clock = FixedClock(_moment(YEAR[0], 8))
    svc = magcore.open_service("memory://", host=_host(), clock=clock)
    svc.import_organisation(org, actor="hr")
    approve_all(svc)
    day = YEAR[0]
    person = next(p for p in org.people if org.manager_of(p, day) and p not in org.coaches(day))
    coach = org.coaches(day)[0]
    people = svc.participants_for(
        org.id, definition(), "stress-triangle", person, on=day, coach=coach
    )
    conv = svc.request(cycle=definition(), kind="stress-triangle", participants=people, actor=coach)
    for other in (p.person for p in people if p.person != person):
        with pytest.raises(magcore.TransitionError, match="does not prepare"):
            svc.execute(conv.id, SavePreparation(actor=other, answers=CONSENTING))
    assert not consent.consented(svc._load(conv.id))
    assert consent.record_problems({"coach_observations": "x"}, svc._load(conv.id))


def test_a_year_of_check_ins_and_triangles_through_the_public_api(tmp_path: Path) -> None:
    """Every check-in is held; where the employee wants one, a triangle follows and is agreed."""
    clock = FixedClock(_moment(date(2024, 12, 1), 8))
    org = generate_organisation(people=24, teams=2, seed=9, coaches=2, roles={"company_doctor": 1})
    svc = magcore.open_service(
        f"sqlite:///{tmp_path / 'waalwijk.db'}", clock=clock, host=_host(), organisation=org.id
    )
    svc.import_organisation(org, actor="hr")
    approve_all(svc)
    host = svc.host
    forms_by_id = _forms()
    triangles: list[tuple[str, str, str, str]] = []
    due = svc.plan(org.id, definition().id, *YEAR)
    assert due
    assert all(not d.prompt_only and d.kind == "check-in" for d in due)
    for number, item in enumerate(due):
        assert item.person is not None
        assert item.manager is not None
        _move(clock, _moment(item.due, 8))
        people = svc.participants_for(org.id, definition(), "check-in", item.person, on=item.due)
        conv = svc.request(
            cycle=definition(), kind="check-in", participants=people, actor=item.manager
        )
        svc.execute(conv.id, MarkHeld(actor=item.manager, on=item.due))
        wants = "yes" if number % 7 == 0 else "no"
        answers = {"about_the_work": "Het past meestal.", "triangle_wanted": wants}
        assert validate(forms_by_id["waalwijk-check-in-record"], answers) == []
        drafted = svc.execute(conv.id, DraftRecord(actor=item.person, answers=answers))
        assert drafted.revision is not None
        for who in (item.person, item.manager):
            state = svc.execute(conv.id, ConfirmRecord(actor=who, revision=drafted.revision))
        assert state.state is State.AGREED
        if wants == "yes" and item.person not in org.coaches(item.due):
            conv3, manager, coach = _triangle(
                svc, clock, org, item.person, item.due, CONSENTING, shown_to=("coach",)
            )
            record = {
                "in_the_work": "Twee weken geen piketdienst",
                "coach_observations": "Wil graag ademhalingsoefeningen leren",
                "follow_up": "coach_again",
            }
            form = forms_by_id["waalwijk-triangle-record"]
            assert validate(form, record) == []
            assert host.hooks.check_record(record, form, conv3) == []
            agreement = Agreement(id="a1", text="Rooster aanpassen", owner="manager")
            drafted3 = svc.execute(
                conv3.id, DraftRecord(actor=coach, answers=record, agreements=[agreement])
            )
            assert drafted3.revision is not None
            for who in (item.person, manager, coach):
                final = svc.execute(conv3.id, ConfirmRecord(actor=who, revision=drafted3.revision))
            assert final.state is State.AGREED
            triangles.append((conv3.id, item.person, manager, coach))
    assert triangles
    assert svc.coverage(org.id, definition().id, *YEAR).rate == 1.0
    policy = ReadPolicy.for_cycle(
        definition(),
        forms=[f.json_schema() for f in forms_by_id.values()],
        directory=Directory.from_organisation(org, roles={"hr1": ["hr_adviser"]}),
    )
    conv_id, employee, manager, coach = triangles[0]
    now = clock.now()
    as_manager = read_conversation(
        svc.store,
        conv_id,
        viewer=manager,
        purpose="conversation",
        clock=FixedClock(now),
        policy=policy,
    )
    assert as_manager.answers.get("in_the_work")
    assert as_manager.private_notes == ()
    as_employee = read_conversation(
        svc.store,
        conv_id,
        viewer=employee,
        purpose="conversation",
        clock=FixedClock(now),
        policy=policy,
    )
    assert as_employee.private_notes == ()
    as_coach = read_conversation(
        svc.store,
        conv_id,
        viewer=coach,
        purpose="conversation",
        clock=FixedClock(now),
        policy=policy,
    )
    assert [n.author for n in as_coach.private_notes] == [coach]
    # The self-check was shown to the coach only: after the conversation too, the manager
    # never reads it, the coach and the employee do.
    assert employee not in as_manager.preparations
    assert employee in as_coach.preparations
    assert employee in as_employee.preparations
    as_hr = read_conversation(
        svc.store,
        conv_id,
        viewer="hr1",
        purpose="hr_overview",
        clock=FixedClock(now),
        policy=policy,
    )
    assert not as_hr.has_content
    # The conversation triangle with the company doctor, who holds the organisation role.
    day = date(2025, 12, 1)
    _move(clock, _moment(day, 8))
    (doctor,) = (p for p in org.holders("company_doctor", day) if p not in (employee, manager))
    with pytest.raises(magcore.TransitionError, match="party 'company_doctor'"):
        svc.participants_for(org.id, definition(), "doctor-triangle", employee, on=day)
    people = svc.participants_for(
        org.id,
        definition(),
        "doctor-triangle",
        employee,
        on=day,
        chosen={"company_doctor": [doctor]},
    )
    assert {str(p.role) for p in people} == {"employee", "manager", "company_doctor"}
    conv = svc.request(
        cycle=definition(), kind="doctor-triangle", participants=people, actor=employee
    )
    svc.execute(conv.id, Schedule(actor=employee, on=_moment(day, 11)))
    svc.execute(conv.id, SavePreparation(actor=employee, answers={"noticed": ["tired"]}))
    svc.execute(conv.id, PublishPreparation(actor=employee, to=("company_doctor",)))
    assert employee in svc.view(conv.id, actor=doctor).preparations
    assert employee not in svc.view(conv.id, actor=manager).preparations
    svc.execute(conv.id, MarkHeld(actor=employee, on=day))
    with pytest.raises(magcore.TransitionError, match="does not write"):
        svc.execute(conv.id, DraftRecord(actor=doctor, answers={"in_the_work": "x"}))
    drafted = svc.execute(
        conv.id, DraftRecord(actor=manager, answers={"in_the_work": "Halve dagen, zes weken"})
    )
    assert drafted.revision is not None
    for who in (employee, manager, doctor):
        final = svc.execute(conv.id, ConfirmRecord(actor=who, revision=drafted.revision))
    assert final.state is State.AGREED
    svc.close()


def test_the_rule_ignores_other_kinds() -> None:
    """Only stress-triangle records are checked; a check-in record passes untouched."""
    org = generate_organisation(people=12, teams=1, seed=4)
    svc = magcore.open_service("memory://", host=_host())
    svc.import_organisation(org, actor="hr")
    approve_all(svc)
    person = next(p for p in org.people if org.manager_of(p, YEAR[0]))
    people = svc.participants_for(org.id, definition(), "check-in", person, on=YEAR[0])
    conv = svc.request(cycle=definition(), kind="check-in", participants=people, actor=person)
    assert consent.record_problems({"coach_observations": "x"}, conv) == []


def test_the_manager_cannot_name_a_team_mate_as_company_doctor() -> None:
    """The company doctor was anyone employed, picked by whoever asked for the triangle: a
    manager naming a team mate as company doctor made them a participant of a special-category
    record. The company doctor now holds the organisation role ``company_doctor`` (version 4),
    checked when the triangle is requested, whoever asks for it."""
    day = date(2025, 3, 3)
    org = generate_organisation(people=20, teams=2, seed=5, roles={"company_doctor": 1})
    clock = FixedClock(_moment(day, 8))
    svc = magcore.open_service("memory://", clock=clock, host=_host(), organisation=org.id)
    svc.import_organisation(org, actor="hr")
    approve_all(svc)
    (doctor,) = org.holders("company_doctor", day)
    employee = next(
        p
        for p in sorted(org.people)
        if org.people[p].employed_on(day)
        and org.manager_of(p, day) not in (None, doctor, p)
        and org.team_of(p, day) is not None
        and p != doctor
    )
    manager = org.manager_of(employee, day)
    assert manager is not None
    team = org.team_of(employee, day)
    assert team is not None
    mate = next(p for p in org.members(team, day) if p not in (employee, manager, doctor))

    def ask(named: str) -> magcore.ConversationView:
        people = (
            magcore.Participant(employee, "employee"),
            magcore.Participant(manager, "manager"),
            magcore.Participant(named, "company_doctor"),
        )
        return svc.request(
            cycle=definition(), kind="doctor-triangle", participants=people, actor=manager
        )

    with pytest.raises(magcore.TransitionError, match=r"party 'company_doctor'.*company_doctor"):
        ask(mate)
    assert len(svc.store.conversations()) == 0
    assert definition().version == 4
    assert ask(doctor).state is State.REQUESTED
    svc.close()


class TestWaalwijkConformance(InstalledPluginContract):
    """The cycle runs every path magcore's conformance suite checks."""

    distribution = PLUGIN

    @pytest.fixture
    def cycle_definition(self) -> magcore.CycleDefinition:
        return definition()


def approve_all(svc: magcore.Service) -> None:
    """The works council and the executive approved the installed cycles' regulations."""
    for cycle in svc.host.hooks.cycles():
        approve_cycle(svc, cycle)
