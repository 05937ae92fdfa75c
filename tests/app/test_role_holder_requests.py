"""The service refuses a request in which someone names themselves for a party they may not
take: a party whose people hold an organisation role (``holds_role``) is checked against the
imported organisation on the day, refused without one, and a definition a store kept from before
the rule loads (its conversations stay readable) while its open pool can no longer start one."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import attrs
import pytest

from magcore import CycleDefinition, FixedClock, State, TransitionError, open_service
from magcore.errors import MagcoreError
from magcore.model.parties import _kept_before_the_initiator_rule
from magcore.model.records import Participant
from magcore.testing import approve_cycle
from tests.domain.test_role_holders import DAY, EXIT, ORG

NOW = datetime(2025, 6, 2, 9, tzinfo=UTC)
assert NOW.date() == DAY


def _pair(employee: str, interviewer: str) -> tuple[Participant, ...]:
    return (Participant(employee, "employee"), Participant(interviewer, "exit_interviewer"))


def _service(url: str = "memory://", *, organisation: str | None = "org", imported: bool = True):
    svc = open_service(url, clock=FixedClock(NOW), organisation=organisation)
    if imported:
        svc.import_organisation(ORG, actor="hr")
    return svc


def test_a_colleague_naming_themselves_as_the_interviewer_is_refused_and_a_holder_accepted():
    svc = _service()
    cycle = CycleDefinition.from_json(EXIT)
    approve_cycle(svc, cycle)
    for intruder in ("e2", "m1", "i2"):  # a colleague, the manager, a role ended yesterday
        with pytest.raises(TransitionError, match=r"party 'exit_interviewer'.*exit_interviewer"):
            svc.request(
                cycle=cycle, kind="exit", participants=_pair("e1", intruder), actor=intruder
            )
    assert list(svc.store.conversations()) == []
    started = svc.request(cycle=cycle, kind="exit", participants=_pair("e1", "i1"), actor="i1")
    assert started.state is State.REQUESTED
    people = svc.participants_for(
        "org", cycle, "exit", "e1", on=DAY, chosen={"exit_interviewer": ["i1"]}
    )
    assert [p.person for p in people] == ["e1", "i1"]
    svc.close()


def test_without_an_organisation_a_role_holder_party_is_refused():
    """Who holds the role cannot be known: the request is refused, not let through."""
    svc = _service(organisation=None, imported=False)
    cycle = CycleDefinition.from_json(EXIT)
    approve_cycle(svc, cycle)
    with pytest.raises(TransitionError, match="cannot be checked before an organisation"):
        svc.request(cycle=cycle, kind="exit", participants=_pair("e1", "i1"), actor="i1")
    assert list(svc.store.conversations()) == []
    svc.close()


def test_an_organisation_imported_without_naming_it_is_the_one_checked():
    """A service opened without ``organisation=`` that imported one checks requests against
    it (before, it checked nothing: anyone could name themselves an employee's manager); with
    two organisations stored and none named it cannot tell which applies, and says so."""
    svc = _service(organisation=None)
    cycle = CycleDefinition.from_json(EXIT)
    approve_cycle(svc, cycle)
    with pytest.raises(TransitionError, match=r"party 'exit_interviewer'"):
        svc.request(cycle=cycle, kind="exit", participants=_pair("e1", "e2"), actor="e2")
    started = svc.request(cycle=cycle, kind="exit", participants=_pair("e1", "i1"), actor="i1")
    assert started.state is State.REQUESTED
    svc.import_organisation(attrs.evolve(ORG, id="other"), actor="hr")
    with pytest.raises(MagcoreError, match="several organisations"):
        svc.request(cycle=cycle, kind="exit", participants=_pair("e1", "i1"), actor="i1")
    svc.close()


def test_a_kept_definition_with_an_open_pool_stays_readable_but_cannot_be_started_by_it(tmp_path):
    old = copy.deepcopy(EXIT)
    old["kinds"][0]["parties"][1]["membership"] = "organisation"
    with _kept_before_the_initiator_rule():  # as a store kept it before the rule
        kept = CycleDefinition.from_json(old)
    url = f"sqlite:///{tmp_path / 'town.db'}"
    svc = _service(url)
    svc.add_cycle(kept)
    approve_cycle(svc, kept)
    conv = svc.request(cycle=kept, kind="exit", participants=_pair("e1", "e2"), actor="e1")
    svc.close()
    again = open_service(url, clock=FixedClock(NOW), organisation="org")
    assert again.cycle("exit@1") == kept  # loaded from the store
    assert again.view(conv.id, actor="e1").metadata is not None
    with pytest.raises(TransitionError, match="'exit_interviewer' of a exit conversation may"):
        again.request(cycle="exit@1", kind="exit", participants=_pair("e1", "e2"), actor="e2")
    again.close()


def test_a_kept_definition_whose_manager_picks_an_open_pool_stays_readable_but_refuses_it(
    tmp_path,
):
    """Waalwijk's doctor triangle up to version 3: the manager could name anyone employed as
    company doctor. Kept in a store, it still loads and its conversations stay readable; the
    manager naming a team mate is refused, the employee choosing is not."""
    from tests.domain.test_open_pool_pickers import DOCTOR

    with _kept_before_the_initiator_rule():  # as a store kept it before the rule
        kept = CycleDefinition.from_json(DOCTOR)
    url = f"sqlite:///{tmp_path / 'town.db'}"
    svc = _service(url)
    svc.add_cycle(kept)
    approve_cycle(svc, kept)
    people = (
        Participant("e1", "employee"),
        Participant("m1", "manager"),
        Participant("e2", "company_doctor"),
    )
    conv = svc.request(cycle=kept, kind="doctor-triangle", participants=people, actor="e1")
    svc.close()
    again = open_service(url, clock=FixedClock(NOW), organisation="org")
    assert again.cycle("triangle@1") == kept  # loaded from the store
    assert again.view(conv.id, actor="e1").metadata is not None
    with pytest.raises(TransitionError, match="may not be named by a manager"):
        again.request(cycle="triangle@1", kind="doctor-triangle", participants=people, actor="m1")
    assert [c.id for c in again.store.conversations()] == [conv.id]
    again.close()
