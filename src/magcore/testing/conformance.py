"""Conformance checks for contributed cycle definitions: run one through every path it allows.

Plugin authors subclass :class:`CycleDefinitionContract` and give it their definition::

    class TestMyCycle(CycleDefinitionContract):
        @pytest.fixture
        def cycle_definition(self):
            return my_plugin.cycle.DEFINITION

or call :func:`run_cycle_conformance` from any test. For every conversation kind, a generated
organisation and an in-memory store are used to: request by each allowed initiator; schedule;
let every preparer prepare and publish; hold; draft a record with an agreement; have everyone
confirm (→ agreed); add a dissent; and also take the "not held" and "cancelled" paths. Then a
year (or a full cadence period) is planned and must not be empty where the cadence obliges.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import attrs
import pytest

from ..app.service import Service, open_service
from ..clock import FixedClock
from ..domain.changes import OrgChange
from ..domain.conversation import (
    AddDissent,
    Cancel,
    ConfirmRecord,
    DraftRecord,
    MarkHeld,
    MarkNotHeld,
    PublishPreparation,
    SavePreparation,
    Schedule,
    State,
)
from ..domain.participants import candidates, coach_candidates, participants, peer_candidates
from ..domain.planning import add_months, plan
from ..errors import MagcoreError
from ..model.cycle import CadenceKind, ConversationKind, CycleDefinition, Membership
from ..model.organisation import Organisation
from ..model.parties import POOLED, roles_to_hold
from ..model.records import Agreement, Participant
from ..model.scoring import check_definition
from ..plugins import get_plugin_manager
from .orggen import generate_organisation

__all__ = [
    "ConformanceReport",
    "CycleDefinitionContract",
    "InstalledPluginContract",
    "run_cycle_conformance",
]

_START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


@attrs.frozen
class ConformanceReport:
    """What the conformance run did: one line per path it took, and the planned counts."""

    paths: tuple[str, ...]
    planned: tuple[tuple[str, int], ...]


class _Failure(AssertionError):
    pass


#: The parties the conformance run picks from the organisation (after peers and coaches).
_CHOSEN = POOLED | {Membership.ROLE_HOLDER}


def _org(definition: CycleDefinition) -> Organisation:
    """The generated organisation, with two holders of each organisation role the cycle's
    ``holds_role`` parties name."""
    held = dict.fromkeys(roles_to_hold(definition.kinds), 2)
    return generate_organisation(
        people=80, teams=6, self_steering_share=0.34, coaches=2, seed=7, roles=held
    )


def _participants(org: Organisation, kind: ConversationKind, day: date) -> tuple[Participant, ...]:
    """People from *org* in the roles *kind* needs (deterministic: the first who fit)."""
    coaches = org.coaches(day)
    for person_id in sorted(org.people):
        team = org.team_of(person_id, day)
        if person_id in coaches or team is None:
            continue
        mates = [p for p in peer_candidates(org, person_id, day) if p not in coaches]
        if org.manager_of(person_id, day) == person_id:
            continue
        others = coach_candidates(org, person_id, day)
        try:
            if kind.is_team:
                if len(mates) < 2:
                    continue
                keep = {person_id, *mates[:3]}
                # Other parties of a team conversation (an alderman) come from outside the team.
                extra: dict[str, tuple[str, ...]] = {}
                for party in kind.parties:
                    if party.required and party.membership in _CHOSEN:
                        pool = [
                            c for c in candidates(org, party, on=day, team=team) if c not in coaches
                        ]
                        if pool:
                            extra[party.role] = (pool[0],)
                members = participants(org, kind, on=day, team=team, chosen=extra)
                keep |= {p for people in extra.values() for p in people}
                # The team's manager, where a kind has them as a party, stays.
                keep |= {
                    p.person
                    for p in members
                    if kind.party(p.role).membership is Membership.MANAGER_OF_EMPLOYEE
                }
                return tuple(p for p in members if p.person in keep)
            chosen: dict[str, tuple[str, ...]] = {}
            for party in kind.parties:
                if party.membership is Membership.SAME_TEAM and mates:
                    chosen[party.role] = (mates[0],)
                elif party.membership is Membership.COACH_POOL and others:
                    chosen[party.role] = (others[0],)
                elif party.membership in _CHOSEN:
                    taken = {person_id, org.manager_of(person_id, day), *mates[:1], *others[:1]}
                    taken |= {p for people in chosen.values() for p in people}
                    pool = [
                        c
                        for c in candidates(org, party, on=day, employee=person_id)
                        if c not in taken and c not in coaches
                    ]
                    if pool:
                        chosen[party.role] = (pool[0],)
            return participants(org, kind, person_id, on=day, chosen=chosen)
        except MagcoreError:
            continue
    raise _Failure(f"kind {kind.id}: the generated organisation has nobody for {kind.shape}")


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise _Failure(message)


def _ids() -> Iterator[str]:
    number = 0
    while True:
        number += 1
        yield f"conformance-{number}"


def _request(
    svc: Service,
    definition: CycleDefinition,
    kind: ConversationKind,
    people: tuple[Participant, ...],
    initiator: str,
    conversation_id: str,
    team: str | None,
) -> str:
    actor = next(p.person for p in people if p.role == initiator)
    conv = svc.request(
        cycle=definition,
        kind=kind.id,
        participants=people,
        actor=actor,
        team=team,
        themes=kind.themes[:1],
        conversation_id=conversation_id,
    )
    _check(conv.state is State.REQUESTED, f"{kind.id}: a request by {initiator} was not requested")
    _check(svc._load(conv.id).initiator == actor, f"{kind.id}: the initiator was not recorded")
    return actor


def _answers(svc: Service, form_id: str | None) -> dict[str, Any]:
    """Valid answers for the kind's form (``{}`` when the kind names no form)."""
    if form_id is None:
        return {}
    from ..forms import example_answers

    return example_answers(svc.form(form_id))


def _full_cycle(
    svc: Service, clock: FixedClock, kind: ConversationKind, conv_id: str, people: Any
) -> None:
    first = people[0].person
    clock.advance(timedelta(days=1))
    svc.execute(conv_id, Schedule(actor=first, on=clock.now() + timedelta(days=14)))
    conv = svc._load(conv_id)
    preparation = _answers(svc, kind.preparation_form)
    for person in conv.preparers:
        svc.execute(conv_id, SavePreparation(actor=person, answers=preparation))
        svc.execute(conv_id, PublishPreparation(actor=person))
    conv = svc._load(conv_id)
    _check(
        conv.state is State.PREPARED,
        f"{kind.id}: after every preparer published it is {conv.state.value}, not prepared",
    )
    clock.advance(timedelta(days=14))
    svc.execute(conv_id, MarkHeld(actor=first, on=clock.now().date()))
    agreement = Agreement(id="a1", text="We talk again in spring.", owner="both")
    record = _answers(svc, kind.record_form)
    writer = svc._load(conv_id).recorders[0]
    svc.execute(
        conv_id, DraftRecord(actor=writer, summary="", agreements=[agreement], answers=record)
    )
    conv = svc._load(conv_id)
    _check(conv.state is State.RECORD_DRAFTED, f"{kind.id}: the record was not drafted")
    assert conv.record is not None
    for person in [p for p in conv.people if p in conv.confirming]:
        _check(conv.state is not State.AGREED, f"{kind.id}: agreed before everyone confirmed")
        conv = svc._load(conv_id)
        assert conv.record is not None
        svc.execute(conv_id, ConfirmRecord(actor=person, revision=conv.record.revision))
        conv = svc._load(conv_id)
    _check(conv.state is State.AGREED, f"{kind.id}: not agreed after everyone confirmed")
    _check(conv.confirmed_by == conv.confirming, f"{kind.id}: a confirmation is missing")
    last = people[-1].person
    seen = svc.execute(conv_id, AddDissent(actor=last, text="I see one point differently."))
    _check(len(seen.dissents) == 1, f"{kind.id}: the dissent was not kept (or not shown)")
    _check(seen.state is State.AGREED, f"{kind.id}: a dissent changed the state")


def _plan_horizon(kind: ConversationKind) -> int:
    cadence = kind.cadence
    months = [12, cadence.every_months or 0, cadence.first_after_months or 0]
    return max(months)


def run_cycle_conformance(
    definition: CycleDefinition, *, plugins: Sequence[tuple[str, object]] | None = None
) -> ConformanceReport:
    """Run *definition* through every path it allows; raise AssertionError naming what failed.

    Uses a generated organisation, a fixed clock and a ``memory://`` store. The forms and check
    hooks come from *plugins* (``(name, plugin)`` pairs, next to magcore's built-ins) or, when
    not given, from the installed plugins. Preparations and records are filled in with
    :func:`magcore.forms.example_answers` for the forms the kinds name, so they pass the forms'
    validation and every check hook.
    """
    check_definition(definition.to_json(), source=definition.key)
    _check(
        CycleDefinition.from_json(definition.to_json()) == definition,
        f"{definition.key}: to_json/from_json does not give the same definition back",
    )
    clock = FixedClock(_START)
    host = (
        get_plugin_manager(load_entry_points=False, extra=plugins)
        if plugins is not None
        else get_plugin_manager()
    )
    org = _org(definition)
    # Named, so that every request's parties are checked against the organisation.
    svc = open_service("memory://", clock=clock, host=host, organisation=org.id)
    svc.add_cycle(definition)
    from .approval import approve_cycle

    approve_cycle(svc, definition)
    svc.import_organisation(org, actor="conformance")
    ids = _ids()
    paths: list[str] = []
    for kind in definition.kinds:
        people = _participants(org, kind, clock.now().date())
        team = org.team_of(people[0].person, clock.now().date())
        team_id = team if kind.is_team else None
        for initiator in kind.initiators:
            conv_id = next(ids)
            _request(svc, definition, kind, people, initiator, conv_id, team_id)
            _full_cycle(svc, clock, kind, conv_id, people)
            paths.append(f"{kind.id}: requested by {initiator} → agreed, with a dissent")
        initiator = kind.initiators[0]
        conv_id = next(ids)
        actor = _request(svc, definition, kind, people, initiator, conv_id, team_id)
        svc.execute(conv_id, Schedule(actor=actor, on=clock.now() + timedelta(days=7)))
        conv = svc.execute(conv_id, MarkNotHeld(actor=actor, reason="no_time"))
        _check(conv.state is State.NOT_HELD, f"{kind.id}: the not-held path failed")
        paths.append(f"{kind.id}: scheduled → not held")
        conv_id = next(ids)
        actor = _request(svc, definition, kind, people, initiator, conv_id, team_id)
        conv = svc.execute(conv_id, Cancel(actor=actor, reason="double"))
        _check(conv.state is State.CANCELLED, f"{kind.id}: the cancel path failed")
        paths.append(f"{kind.id}: requested → cancelled")
    planned: list[tuple[str, int]] = []
    start = date(_START.year + 1, 1, 1)
    latest_hire = max(p.hired_on for p in org.people.values() if p.hired_on is not None)
    for kind in definition.kinds:
        # A series after hire obliges only for the people hired at its start: plan from then.
        first = latest_hire if kind.cadence.kind is CadenceKind.AFTER_HIRE else start
        end = add_months(first, _plan_horizon(kind))
        if kind.cadence.kind is CadenceKind.ON_EVENT:
            # A change starts it: tell the plan one (the generated history may hold none),
            # for the first person the kind applies to (one with a manager, for instance).
            assert kind.cadence.event is not None
            due = []
            for someone in sorted(org.people):
                if not org.people[someone].employed_on(first):
                    continue
                told = OrgChange(
                    on=first,
                    person=someone,
                    event=kind.cadence.event,
                    # a return obliges only after an absence this long: tell one as long
                    absent_days=kind.cadence.min_absent_days,
                )
                due = list(plan(org, definition, first, end, kinds=[kind.id], changes=[told]))
                if due:
                    break
        else:
            due = [d for d in svc.plan(org.id, definition, first, end) if d.kind == kind.id]
        planned.append((kind.id, len(due)))
        obliges = kind.cadence.kind is not CadenceKind.FREE or kind.cadence.quiet_days is not None
        if obliges:
            _check(
                bool(due),
                f"{kind.id}: planning {first}..{end} for a generated organisation gave nothing, "
                f"but the {kind.cadence.kind.value} cadence obliges conversations",
            )
    svc.close()
    return ConformanceReport(paths=tuple(paths), planned=tuple(planned))


class CycleDefinitionContract:
    """Subclass in your tests and provide the ``cycle_definition`` fixture."""

    @pytest.fixture
    def cycle_definition(self) -> CycleDefinition:
        """Return the definition under test (override this fixture)."""
        raise NotImplementedError("override the cycle_definition fixture")

    def test_definition_is_scoring_free_and_round_trips(
        self, cycle_definition: CycleDefinition
    ) -> None:
        """The definition passes the scoring check and survives to_json/from_json unchanged."""
        check_definition(cycle_definition.to_json())
        assert CycleDefinition.from_json(cycle_definition.to_json()) == cycle_definition

    def test_every_kind_runs_a_full_cycle(self, cycle_definition: CycleDefinition) -> None:
        """Every kind: each initiator, schedule, prepare, hold, record, confirm, dissent;
        not held; cancelled; and a plan that is not empty where the cadence obliges."""
        report = run_cycle_conformance(cycle_definition)
        for kind in cycle_definition.kinds:
            assert any(path.startswith(f"{kind.id}: requested by") for path in report.paths)
            assert f"{kind.id}: scheduled → not held" in report.paths
            assert f"{kind.id}: requested → cancelled" in report.paths


class InstalledPluginContract(CycleDefinitionContract):
    """The contract for a plugin's own test suite: its cycle conforms (as above) and the
    distribution named by ``distribution`` (``"magcore-mytown"``) is installed with the
    ``magcore`` entry point that makes magcore find it."""

    distribution: str

    def test_entry_point_is_installed(self) -> None:
        """Installed, the distribution exposes the entry point magcore looks for."""
        import importlib.metadata

        names = {ep.name for ep in importlib.metadata.entry_points(group="magcore")}
        assert self.distribution in names, f"{self.distribution} is not installed"

    def test_the_plugin_contributes_its_cycle_without_problems(
        self, cycle_definition: CycleDefinition
    ) -> None:
        """A host with this plugin alone collects the cycle under test, with no problem, and
        every theme has prompts, each in Dutch and English."""
        import importlib.metadata

        from .plugin_year import plugin_host

        (entry,) = importlib.metadata.entry_points(group="magcore", name=self.distribution)
        cycles = plugin_host(self.distribution, entry.load()).hooks.cycles()
        assert not cycles.problems, cycles.problems
        keys = [c.key for c in cycles]
        assert cycle_definition.key in keys
        assert len(keys) == len(set(keys))
        for theme in cycle_definition.themes:
            assert theme.prompts, f"theme {theme.id} has no prompts"
            assert all(p.nl and p.en for p in theme.prompts), theme.id
