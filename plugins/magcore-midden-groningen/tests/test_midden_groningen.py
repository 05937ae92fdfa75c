"""magcore-midden-groningen: the themes, "inwoner" instead of "klant", onboarding conversations."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from magcore_midden_groningen import PLUGIN, definition, forms
from magcore_midden_groningen.plugin import plugin

import magcore
from magcore import (
    Assignment,
    ConfirmRecord,
    DraftRecord,
    FixedClock,
    MarkHeld,
    Organisation,
    ParticipantRole,
    Person,
    Role,
    State,
)
from magcore.app.workflows import contributed_workflows, due_actions
from magcore.errors import ScoringNotAllowedError
from magcore.forms import FormDefinition, validate
from magcore.testing import InstalledPluginContract, approve_cycle, generate_organisation

YEAR = (date(2025, 1, 1), date(2026, 1, 1))
NEW = {"new1": date(2025, 3, 10), "new2": date(2025, 8, 31)}


def _host() -> magcore.PluginHost:
    return magcore.get_plugin_manager(load_entry_points=False, extra=[(PLUGIN, plugin)])


def _forms() -> dict[str, FormDefinition]:
    loaded = (FormDefinition.from_json(f, source=PLUGIN) for f in forms())
    return {form.id: form for form in loaded}


def _organisation() -> Organisation:
    """A generated organisation (hired 2019-2023) plus two people hired in 2025."""
    org = generate_organisation(people=24, teams=2, seed=6, start=date(2024, 1, 1), org_id="mg")
    extra = [Person(id=person, hired_on=hired) for person, hired in NEW.items()]
    joins = [
        Assignment(person=person, team="t0000", role=Role.MEMBER, start=hired)
        for person, hired in NEW.items()
    ]
    return Organisation.build(
        id=org.id,
        name=org.name,
        people=[*org.people.values(), *extra],
        teams=org.teams.values(),
        assignments=[*org.assignments, *joins],
    )


def test_plugin_contributes_cycle_forms_workflows_and_vocabulary() -> None:
    """Everything the plugin hands over is accepted by magcore."""
    host = _host()
    assert not host.hooks.cycles().problems
    assert {t.id for t in host.hooks.themes()} >= {"mg-ownership", "mg-alliance"}
    workflows, problems = contributed_workflows(host)
    assert problems == ()
    assert {w.id for w in workflows} == {
        "mg-plan-welcome",
        "mg-plan-first-month",
        "mg-plan-three-months",
        "mg-plan-onboarding-review",
    }
    named = {f for k in definition().kinds for f in (k.preparation_form, k.record_form) if f}
    assert named == set(_forms())


def test_the_word_klant_becomes_inwoner_everywhere() -> None:
    """The catalogue term and loose words are replaced in Dutch and English; not without us."""
    plain, _ = magcore.get_plugin_manager(load_entry_points=False).hooks.catalogue()
    assert plain.term("customer", "nl") == "klant"
    catalogue, problems = _host().hooks.catalogue()
    assert problems == ()
    assert catalogue.term("customer", "nl") == "inwoner"
    assert catalogue.term("customer", "en") == "resident"
    texts = catalogue.with_overrides(
        {"demo.sentence": {"nl": "De klant belt. Klanten wachten.", "en": "Customers call."}}
    )
    assert texts.message("demo.sentence", "nl") == "De inwoner belt. Inwoners wachten."
    assert texts.message("demo.sentence", "en") == "Residents call."
    assert texts.localise("Een {term:customer} vraagt iets.", "nl") == "Een inwoner vraagt iets."


def test_our_own_texts_never_say_klant() -> None:
    """The cycle and the forms were written with "inwoner" from the start."""
    documents = [str(definition().to_json()), *(str(f) for f in forms())]
    for document in documents:
        assert "klant" not in document.lower()
        assert "customer" not in document.lower()


SERIES = {"welcome": 14, "first-month": 42, "three-months": 98, "onboarding-review": 196}
"""The onboarding series: each kind is due this many days after joining (the window's end)."""


def test_new_employees_get_an_onboarding_series_and_others_do_not() -> None:
    """Started by joining (``on_event``): four conversations in the first half year, due at
    the end of each window; the one hired in August has the last one in 2026; nobody else."""
    org = _organisation()
    due = magcore.plan(org, definition(), *YEAR, kinds=list(SERIES))
    mine = {(d.person, d.kind): d.due for d in due}
    expected = {
        (person, kind): hired + timedelta(days=days)
        for person, hired in NEW.items()
        for kind, days in SERIES.items()
        if hired + timedelta(days=days) < YEAR[1]
    }
    assert mine == expected
    assert ("new2", "onboarding-review") not in mine
    starts = {d.kind: d.window_start for d in due if d.person == "new1"}
    assert starts["welcome"] == NEW["new1"]
    assert starts["first-month"] == NEW["new1"] + timedelta(days=28)
    assert all(d.trigger is not None for d in due)
    assert [k.cadence.kind.value for k in definition().kinds if k.id in SERIES] == ["on_event"] * 4


def test_every_conversation_carries_the_professional_profile() -> None:
    """One profile for the onboarding series and the yearly conversation, from the record."""
    profiles = {k.id: k.profile for k in definition().kinds}
    assert set(profiles) == {*SERIES, "yearly"}
    assert {p.id for p in profiles.values() if p is not None} == {"mg-professional"}
    record = _forms()["mg-conversation-record"]
    fields = next(iter(profiles.values())).fields  # type: ignore[union-attr]
    assert validate(record, {"talked_about": ["ownership"], **dict.fromkeys(fields, "x")}) == []


def test_a_level_on_the_professional_profile_is_refused() -> None:
    """The professional profile is a topic: asking for a level of it is refused."""
    record = next(f for f in forms() if f["id"] == "mg-conversation-record")
    record["schema"]["properties"]["craftsmanship_level"] = {"type": "integer", "maximum": 5}
    with pytest.raises(ScoringNotAllowedError):
        FormDefinition.from_json(record)


def test_the_manager_is_asked_to_plan_the_welcome_two_weeks_ahead() -> None:
    """The workflow asks the manager (a message key, no content) 14 days before it is due."""
    org = _organisation()
    svc = magcore.open_service(
        "memory://", host=_host(), clock=FixedClock(datetime(2025, 1, 1, tzinfo=UTC))
    )
    svc.import_organisation(org, actor="hr")
    approve_all(svc)
    workflows, _ = contributed_workflows(svc.host)
    events = [event for _, event in svc.store.read_all()]
    before = datetime(2025, 3, 9, 12, tzinfo=UTC)
    after = datetime(2025, 3, 10, 12, tzinfo=UTC)
    assert not [
        a
        for a in due_actions(events, workflows, until=before, cycles=svc.cycles)
        if a.subject == "new1"
    ]
    (action,) = [
        a
        for a in due_actions(events, workflows, until=after, cycles=svc.cycles)
        if a.subject == "new1"
    ]
    assert action.workflow == "mg-plan-welcome"
    assert action.recipient == org.manager_of("new1", date(2025, 3, 24))


def test_a_year_in_midden_groningen_through_the_public_api(tmp_path: Path) -> None:
    """On SQLite: every yearly and onboarding conversation is held and agreed; each starts
    from the professional profile the employee's previous conversation recorded (the new
    hires' series: welcome, a month, three months, six months), and updates it."""
    clock = FixedClock(datetime(2024, 12, 1, tzinfo=UTC))
    svc = magcore.open_service(f"sqlite:///{tmp_path / 'mg.db'}", clock=clock, host=_host())
    org = _organisation()
    svc.import_organisation(org, actor="hr")
    svc.use_organisation(org.id)
    approve_all(svc)
    preparation = {"allies": "Het wijkteam en de woningcorporatie", "meet": "Team Beheer"}
    assert validate(_forms()["mg-onboarding-preparation"], preparation) == []
    due = svc.plan(org.id, definition().id, *YEAR)
    assert {d.kind for d in due} == {*SERIES, "yearly"}
    held: dict[str, list[str]] = {}
    for item in due:
        assert item.person is not None
        clock.set(max(datetime.combine(item.due, time(9), tzinfo=UTC), clock.now()))
        kind = definition().kind(item.kind)
        people = svc.participants_for(org.id, definition(), item.kind, item.person, on=item.due)
        manager = next(p.person for p in people if p.role is ParticipantRole.MANAGER)
        conv = svc.request(cycle=definition(), kind=item.kind, participants=people, actor=manager)
        before = held.setdefault(item.person, [])
        last_time = svc.profile(conv.id, actor=item.person)
        if before:  # starts from what the previous conversation recorded
            assert last_time.origin == before[-1]
            assert last_time.prefill()["my_learning"] == f"leren na {len(before)} gesprekken"
            assert svc.profile(conv.id, actor=manager).shown  # the manager was there
        else:
            assert not last_time.shown
        if kind.preparation_form:
            svc.execute(conv.id, magcore.SavePreparation(actor=item.person, answers=preparation))
        svc.execute(conv.id, MarkHeld(actor=manager, on=item.due))
        record = {
            "talked_about": ["ownership", "alliance"],
            "remember": "Zelf beslissen bij kleine zaken",
            **last_time.prefill(),
            "my_alliance": "Het wijkteam",
            "my_learning": f"leren na {len(before) + 1} gesprekken",
        }
        assert validate(_forms()["mg-conversation-record"], record) == []
        drafted = svc.execute(conv.id, DraftRecord(actor=item.person, answers=record))
        assert drafted.revision is not None
        for who in (item.person, manager):
            state = svc.execute(conv.id, ConfirmRecord(actor=who, revision=drafted.revision))
        assert state.state is State.AGREED
        before.append(conv.id)
        clock.set(clock.now() + timedelta(minutes=1))
    assert svc.coverage(org.id, definition().id, *YEAR).rate == 1.0
    # the hire of March had the whole series and then nothing more this year
    series = [k for k in (svc._load(c).kind for c in held["new1"]) if k in SERIES]
    assert series == ["welcome", "first-month", "three-months", "onboarding-review"]
    assert [k for k in (svc._load(c).kind for c in held["new2"]) if k in SERIES] == [
        "welcome",
        "first-month",
        "three-months",
    ]
    svc.close()


class TestMiddenGroningenConformance(InstalledPluginContract):
    """The cycle runs every path magcore's conformance suite checks."""

    distribution = PLUGIN

    @pytest.fixture
    def cycle_definition(self) -> magcore.CycleDefinition:
        return definition()


def approve_all(svc: magcore.Service) -> None:
    """The works council and the executive approved the installed cycles' regulations."""
    for cycle in svc.host.hooks.cycles():
        approve_cycle(svc, cycle)


@pytest.mark.slow
def test_the_demo_shows_the_onboarding_series_and_the_professional_profile(
    tmp_path: Path,
) -> None:
    """``magcore demo --plugin midden-groningen`` hires people into the year, holds their
    onboarding conversations, and writes a professional profile shown again next time."""
    import json

    from magcore.demo import run_demo

    result = run_demo(tmp_path / "demo", plugin="midden-groningen", people=40, host=_host())
    held = result.summary["conversations_by_kind"]
    assert {"welcome", "three-months", "onboarding-review"} <= set(held)
    last = json.loads(result.files["profile_last_time"].read_text(encoding="utf-8"))
    assert set(last["last_time"]["answers"]) <= {
        "my_ownership",
        "my_alliance",
        "my_craftsmanship",
        "my_learning",
    }
    assert last["last_time"]["answers"]
    assert result.summary["profiles"]["conversations_showing_last_time"] > 0
