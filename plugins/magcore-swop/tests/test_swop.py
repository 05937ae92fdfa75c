"""magcore-swop: a job swap: the motivation talk before, the evaluation with HR after."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from magcore_swop import PLUGIN, definition
from magcore_swop.plugin import plugin

import magcore
from magcore.model.cycle import Membership
from magcore.testing import InstalledPluginContract
from magcore.testing.plugin_year import hold_conversation, plugin_host, plugin_service

YEAR = (date(2025, 1, 1), date(2026, 1, 1))


def _host() -> magcore.PluginHost:
    return plugin_host(PLUGIN, plugin)


def _service(tmp_path: Path, people: int = 30, teams: int = 3) -> tuple[magcore.Service, object]:
    """A SQLite service with a generated organisation and the approved cycle."""
    return plugin_service(tmp_path, _host(), definition(), people=people, teams=teams)


class TestConformance(InstalledPluginContract):
    """The cycle runs every path magcore's conformance suite checks."""

    distribution = PLUGIN

    @pytest.fixture
    def cycle_definition(self) -> magcore.CycleDefinition:
        return definition()


def _hold(
    svc: magcore.Service,
    people: tuple[magcore.Participant, ...],
    kind: str,
    on: date,
    answers: dict[str, object] | None = None,
) -> magcore.State:
    """Request, schedule, hold and record one conversation; every confirming party confirms."""
    return hold_conversation(svc, definition(), kind, people, on, answers)


def test_the_evaluation_has_hr_and_an_optional_manager_and_its_own_form() -> None:
    """The evaluation conversation: employee and HR adviser required, the manager optional."""
    kind = definition().kind("swop-evaluation")
    assert kind.required_roles == ("employee", "swop_adviser")
    assert "manager" in kind.roles
    assert not kind.needs_manager
    assert kind.record_form == "swop-evaluation"
    assert definition().kind("swop-motivation").preparation_form == "swop-motivation"
    assert all(k.cadence.kind is magcore.CadenceKind.FREE for k in definition().kinds)


def test_an_evaluation_is_held_and_agreed_with_hr(tmp_path: Path) -> None:
    """After a swap, the employee, HR and the manager evaluate it on the form; all confirm."""
    svc, org = _service(tmp_path)
    on = date(2025, 9, 1)
    person = next(
        p
        for p in sorted(org.people)
        if org.manager_of(p, on) is not None and p not in org.coaches(on)
    )
    advisers = org.holders("hr_adviser", on)
    assert advisers, "the test organisation has HR advisers"
    adviser = next(p for p in advisers if p not in (person, org.manager_of(person, on)))
    people = svc.participants_for(
        org.id, definition(), "swop-evaluation", person, on=on, chosen={"swop_adviser": [adviser]}
    )
    assert "swop_adviser" in {p.role for p in people}
    answers = {
        "assignment": "Klus bij Burgerzaken",
        "learned": "Werken aan de balie.",
        "next_step": "career_talk",
    }
    assert _hold(svc, people, "swop-evaluation", on, answers) is magcore.State.AGREED
    svc.close()


def test_the_adviser_holds_the_hr_adviser_role_in_the_organisation() -> None:
    """Only people who hold the organisation role ``hr_adviser`` on the day may be the SWOP
    adviser (who may start the evaluation): not anyone employed."""
    party = definition().kind("swop-evaluation").party("swop_adviser")
    assert party.membership is Membership.ROLE_HOLDER
    assert party.holds == "hr_adviser"
    assert "swop_adviser" in definition().kind("swop-evaluation").initiators


def _pair(person: str, adviser: str) -> tuple[magcore.Participant, ...]:
    return (magcore.Participant(person, "employee"), magcore.Participant(adviser, "swop_adviser"))


def test_a_colleague_naming_themselves_as_the_adviser_is_refused(tmp_path: Path) -> None:
    """Any employee could request a colleague's evaluation naming themselves as its adviser
    when the adviser came from the whole organisation; now the request is refused, naming the
    party, and nothing is stored. An HR adviser may start it."""
    svc, org = _service(tmp_path)
    day = svc.clock.now().date()
    advisers = org.holders("hr_adviser", day)
    person = next(
        p
        for p in sorted(org.people)
        if org.manager_of(p, day) is not None and p not in advisers and p not in org.coaches(day)
    )
    intruder = next(
        p
        for p in sorted(org.people)
        if p not in (person, org.manager_of(person, day), *advisers)
        and org.people[p].employed_on(day)
    )
    before = len(svc.store.conversations())
    for adviser in (intruder, person):
        with pytest.raises(magcore.TransitionError, match=r"party 'swop_adviser'.*hr_adviser"):
            svc.request(
                cycle=definition(),
                kind="swop-evaluation",
                participants=_pair(person, adviser),
                actor=adviser,
            )
    assert len(svc.store.conversations()) == before
    adviser = next(a for a in advisers if a != org.manager_of(person, day))
    started = svc.request(
        cycle=definition(),
        kind="swop-evaluation",
        participants=_pair(person, adviser),
        actor=adviser,
    )
    assert started.state is magcore.State.REQUESTED
    svc.close()


def test_the_evaluation_form_refuses_an_empty_record() -> None:
    """The form asks what the assignment was and what was learned; a mark cannot be given."""
    from magcore.forms import FormDefinition, validate

    forms = {f["id"]: FormDefinition.from_json(f, source=PLUGIN) for f in plugin.forms()}
    assert validate(forms["swop-evaluation"], {}) != []
    assert validate(forms["swop-evaluation"], {"assignment": "x", "learned": "y"}) == []
    assert validate(forms["swop-motivation"], {}) == []
