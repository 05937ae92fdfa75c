"""magcore-vitality: the VNG criteria as special-category content, standalone or composed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from magcore_vitality import PLUGIN, add_to, definition, forms, fragment
from magcore_vitality.plugin import plugin

import magcore
from magcore import (
    ConfirmRecord,
    DraftRecord,
    FixedClock,
    MarkHeld,
    ParticipantRole,
    PublishPreparation,
    SavePreparation,
    State,
)
from magcore.access.decision import Directory
from magcore.access.reading import ReadPolicy, read_conversation
from magcore.domain.sharing import GrantSharing, person_stream
from magcore.domain.sharing import decide as decide_sharing
from magcore.forms import FormDefinition, validate
from magcore.storage.base import StreamWrite
from magcore.testing import InstalledPluginContract, approve_cycle, generate_organisation

YEAR = (date(2025, 1, 1), date(2026, 1, 1))
PREPARATION = {"want_to_discuss": ["work_life_balance"], "balance": "Vaste vrije woensdag"}
RECORD = {"talked_about": ["work_life_balance"], "what_helps": "Thuiswerken op dinsdag"}
OWN_CYCLE: dict[str, Any] = {
    "id": "gemeente-x",
    "version": 3,
    "name": {"nl": "Ons gesprek", "en": "Our conversation"},
    "themes": [{"id": "work", "title": {"nl": "Werk", "en": "Work"}}],
    "kinds": [
        {
            "id": "yearly",
            "name": {"nl": "Jaargesprek", "en": "Yearly conversation"},
            "pattern": "employee_manager",
            "cadence": {"kind": "per_year", "per_year": 1},
            "initiators": ["employee", "manager"],
            "preparers": ["employee", "manager"],
            "themes": ["work"],
        }
    ],
}


def _host() -> magcore.PluginHost:
    return magcore.get_plugin_manager(load_entry_points=False, extra=[(PLUGIN, plugin)])


def _forms() -> dict[str, FormDefinition]:
    loaded = (FormDefinition.from_json(f, source=PLUGIN) for f in forms())
    return {form.id: form for form in loaded}


def test_everything_about_vitality_is_special_category() -> None:
    """The kind, all four themes and every form field are marked special-category."""
    cycles = _host().hooks.cycles()
    assert not cycles.problems
    (kind,) = definition().kinds
    assert kind.special_category
    assert {t.id for t in definition().themes} == {
        "vitality-dialogue",
        "vitality-healthy",
        "vitality-fit-for-the-job",
        "vitality-work-life-balance",
    }
    assert all(t.special_category for t in definition().themes)
    for form in _forms().values():
        assert {f"/{f.name}" for f in form.fields} == set(form.sensitive_fields)


def test_the_fragment_is_plain_data_and_a_fresh_copy() -> None:
    """Changing one fragment does not change the next one handed out."""
    first = fragment()
    first["kinds"][0]["id"] = "changed"
    assert fragment()["kinds"][0]["id"] == "vitality"
    assert len(fragment()["themes"]) == 4


def test_a_municipality_adds_the_vitality_kind_to_its_own_cycle() -> None:
    """The composed cycle is a new version with its own kinds plus the vitality kind."""
    composed = add_to(OWN_CYCLE)
    assert composed.key == "gemeente-x@4"
    assert [k.id for k in composed.kinds] == ["yearly", "vitality"]
    assert composed.kind("vitality").special_category
    assert composed.theme("vitality-healthy").special_category
    assert composed.kind("yearly") == magcore.CycleDefinition.from_json(OWN_CYCLE).kind("yearly")
    org = generate_organisation(people=20, teams=2, seed=1)
    kinds = {d.kind for d in magcore.plan(org, composed, *YEAR)}
    assert kinds == {"yearly", "vitality"}


def test_composing_may_change_the_cadence_but_not_what_makes_it_special() -> None:
    """Cadence and initiators may differ per municipality; themes, forms and marks may not."""
    half_yearly = {"kind": "interval", "every_months": 6, "anchor": "01-01"}
    composed = add_to(OWN_CYCLE, kind_id="health-talk", overrides={"cadence": half_yearly})
    assert composed.kind("health-talk").cadence.every_months == 6
    for protected in ("special_category", "themes", "record_form", "pattern"):
        with pytest.raises(magcore.DefinitionError, match=protected):
            add_to(OWN_CYCLE, overrides={protected: False})
    with pytest.raises(magcore.DefinitionError, match="already has a kind"):
        add_to(OWN_CYCLE, kind_id="yearly")


def test_a_clashing_theme_is_refused_and_an_identical_one_is_shared() -> None:
    """A cycle's own, different 'vitality-healthy' theme cannot be silently replaced."""
    clash = {
        **OWN_CYCLE,
        "themes": [*OWN_CYCLE["themes"], {"id": "vitality-healthy", "title": "x"}],
    }
    with pytest.raises(magcore.DefinitionError, match="vitality-healthy"):
        add_to(clash)
    once = add_to(OWN_CYCLE)
    twice = add_to(once, kind_id="vitality-again")
    assert len(twice.themes) == len(once.themes)


def _conversation(svc: magcore.Service, org: magcore.Organisation, person: str, on: date) -> str:
    people = svc.participants_for(org.id, definition(), "vitality", person, on=on)
    manager = next(p.person for p in people if p.role is ParticipantRole.MANAGER)
    conv = svc.request(cycle=definition(), kind="vitality", participants=people, actor=person)
    svc.execute(conv.id, SavePreparation(actor=person, answers=PREPARATION))
    svc.execute(conv.id, PublishPreparation(actor=person))
    svc.execute(conv.id, MarkHeld(actor=manager, on=on))
    drafted = svc.execute(conv.id, DraftRecord(actor=person, answers=RECORD))
    assert drafted.revision is not None
    for who in (person, manager):
        state = svc.execute(conv.id, ConfirmRecord(actor=who, revision=drafted.revision))
    assert state.state is State.AGREED
    return conv.id


def test_a_year_of_vitality_conversations_and_who_may_read_them(tmp_path: Path) -> None:
    """Held and agreed for all; HR overviews never see content; only a sharing choice opens it."""
    assert validate(_forms()["vitality-preparation"], PREPARATION) == []
    assert validate(_forms()["vitality-record"], RECORD) == []
    clock = FixedClock(datetime(2024, 12, 1, tzinfo=UTC))
    svc = magcore.open_service(f"sqlite:///{tmp_path / 'vitality.db'}", clock=clock, host=_host())
    org = generate_organisation(people=20, teams=2, seed=8)
    svc.import_organisation(org, actor="hr")
    approve_all(svc)
    held = []
    for item in svc.plan(org.id, definition().id, *YEAR):
        assert item.person is not None
        clock.set(max(datetime.combine(item.due, time(9), tzinfo=UTC), clock.now()))
        held.append((item.person, _conversation(svc, org, item.person, item.due)))
    assert held
    assert svc.coverage(org.id, definition().id, *YEAR).rate == 1.0
    policy = ReadPolicy.for_cycle(
        definition(),
        forms=[f.json_schema() for f in _forms().values()],
        directory=Directory.from_organisation(org, roles={"hr1": ["hr_adviser"]}),
    )
    person, conv_id = held[0]
    now = clock.now()
    for purpose in ("hr_overview", "research", "support"):
        view = read_conversation(
            svc.store, conv_id, viewer="hr1", purpose=purpose, clock=FixedClock(now), policy=policy
        )
        assert view.answers == {}
    stream = person_stream(person)
    grant = GrantSharing(
        actor=person, person=person, to="hr_adviser", what="whole_record", purpose="support"
    )
    events = decide_sharing(None, grant, now=now)
    svc.store.append([StreamWrite(stream, svc.store.version(stream), events)])
    later = now + timedelta(minutes=1)
    shared = read_conversation(
        svc.store, conv_id, viewer="hr1", purpose="support", clock=FixedClock(later), policy=policy
    )
    assert shared.answers.get("what_helps") == RECORD["what_helps"]
    overview = read_conversation(
        svc.store,
        conv_id,
        viewer="hr1",
        purpose="hr_overview",
        clock=FixedClock(later),
        policy=policy,
    )
    assert overview.answers == {}
    svc.close()


class TestVitalityConformance(InstalledPluginContract):
    """The cycle runs every path magcore's conformance suite checks."""

    distribution = PLUGIN

    @pytest.fixture
    def cycle_definition(self) -> magcore.CycleDefinition:
        return definition()


def approve_all(svc: magcore.Service) -> None:
    """The works council and the executive approved the installed cycles' regulations."""
    for cycle in svc.host.hooks.cycles():
        approve_cycle(svc, cycle)
