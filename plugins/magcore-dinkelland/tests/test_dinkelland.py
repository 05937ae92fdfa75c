"""magcore-dinkelland: learning tables, a case review across teams with a facilitator."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from magcore_dinkelland import PLUGIN, definition
from magcore_dinkelland.plugin import plugin

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


def test_facilitator_and_colleagues_are_registered_roles() -> None:
    """The case colleagues come from outside the employee's own team, whoever worked on the
    case, so only the employee picks them: only the employee may start a learning table
    (version 4). The facilitator holds the organisation role ``learning_table_facilitator``."""
    (kind,) = definition().kinds
    assert kind.required_roles == ("employee", "case_colleague", "facilitator")
    assert kind.party("case_colleague").membership is Membership.OTHER_TEAM
    facilitator = kind.party("facilitator")
    assert facilitator.membership is Membership.ROLE_HOLDER
    assert facilitator.holds == "learning_table_facilitator"
    assert kind.initiators == ("employee",)
    assert definition().version == 4
    for role in ("facilitator", "case_colleague"):
        assert definition().role(role).description.nl
    assert kind.recorder_roles == ("facilitator",)


def test_a_learning_table_across_teams_is_agreed_by_all(tmp_path: Path) -> None:
    """A case review with a colleague from another team and a facilitator: all confirm."""
    svc, org = _service(tmp_path)
    on = date(2025, 4, 7)
    person = next(
        p for p in sorted(org.people) if org.team_of(p, on) is not None and p not in org.coaches(on)
    )
    team = org.team_of(person, on)
    manager = org.manager_of(person, on)
    others = [
        p
        for p in sorted(org.people)
        if p not in (person, manager)
        and org.team_of(p, on) != team
        and org.people[p].employed_on(on)
    ]
    facilitators = org.holders("learning_table_facilitator", on)
    colleague = next(p for p in others if p not in facilitators)
    facilitator = next(p for p in facilitators if p not in (person, manager))
    people = svc.participants_for(
        org.id,
        definition(),
        "learning-table",
        person,
        on=on,
        chosen={"case_colleague": [colleague], "facilitator": [facilitator]},
    )
    assert {p.role for p in people} == {"employee", "case_colleague", "facilitator"}
    assert _hold(svc, people, "learning-table", on) is magcore.State.AGREED
    svc.close()


def test_a_colleague_from_the_own_team_or_the_manager_is_refused(tmp_path: Path) -> None:
    """The rules, checked when the learning table is requested: a case colleague from the
    employee's own team, or a facilitator who does not hold the facilitator role (a team mate,
    someone from another team naming themselves) or is the employee's manager, is refused with
    an error naming the party, and so is a learning table anyone but the employee starts;
    nothing is stored."""
    svc, org = _service(tmp_path)
    day = svc.clock.now().date()
    person = next(
        p
        for p in sorted(org.people)
        if org.manager_of(p, day) is not None
        and org.team_of(p, day) is not None
        and len(org.members(org.team_of(p, day), day)) > 2
    )
    team = org.team_of(person, day)
    assert team is not None
    mate = next(p for p in org.members(team, day) if p != person)
    manager = org.manager_of(person, day)
    facilitators = org.holders("learning_table_facilitator", day)
    outside = [
        p
        for p in sorted(org.people)
        if p not in (person, manager, *facilitators)
        and org.team_of(p, day) != team
        and org.people[p].employed_on(day)
    ]
    facilitator = facilitators[0]
    employee = magcore.Participant(person, "employee")

    def ask(colleague: str, facilitator: str, actor: str = person) -> magcore.ConversationView:
        people = (
            employee,
            magcore.Participant(colleague, "case_colleague"),
            magcore.Participant(facilitator, "facilitator"),
        )
        return svc.request(
            cycle=definition(), kind="learning-table", participants=people, actor=actor
        )

    before = len(svc.store.conversations())
    for colleague, facilitator_named, actor, words in (
        (mate, facilitator, person, "party 'case_colleague'.*outside"),
        (outside[0], mate, person, "party 'facilitator'.*learning_table_facilitator"),
        (outside[0], manager, person, "party 'facilitator'.*learning_table_facilitator"),
        # Someone from another team starts the table naming themselves as its facilitator.
        (outside[0], outside[-1], outside[-1], "party 'facilitator'.*learning_table_facilitator"),
        # A real facilitator may not start it either: they would pick the case colleagues, an
        # open pool, into the employee's conversation.
        (outside[0], facilitator, facilitator, "a facilitator may not start"),
    ):
        assert facilitator_named is not None
        with pytest.raises(magcore.TransitionError, match=words):
            ask(colleague, facilitator_named, actor)
    assert len(svc.store.conversations()) == before
    assert ask(outside[0], facilitator).state is magcore.State.REQUESTED
    svc.close()
