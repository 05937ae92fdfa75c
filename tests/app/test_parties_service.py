"""The service asks the parties: membership at request time, confirmations, role names."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from magcore import (
    ConfirmRecord,
    ConsentError,
    CycleDefinition,
    DraftRecord,
    FixedClock,
    MarkHeld,
    State,
    TransitionError,
    get_plugin_manager,
    open_service,
)
from magcore.domain.sharing import GrantSharing
from magcore.model.records import Participant
from magcore.testing import approve_cycle
from tests.domain.test_party_membership import ORG
from tests.model.test_parties import CAREER

ADVISER = {
    "role": "adviser",
    "required": False,
    "membership": "organisation",
    "records": False,
    "confirms": False,
}


def _service(definition: dict, *plugins: tuple[str, object]):
    from magcore import hookimpl

    class Cycles:
        @hookimpl
        def magcore_register_cycles(self, register):
            register(definition)

    extra = list(plugins) or [("test-cycles", Cycles())]
    host = get_plugin_manager(load_entry_points=False, extra=extra)
    clock = FixedClock(datetime(2025, 6, 2, 9, tzinfo=UTC))
    svc = open_service("memory://", clock=clock, host=host, organisation="fy")
    svc.import_organisation(ORG, actor="hr")
    cycle = CycleDefinition.from_json(definition)
    approve_cycle(svc, cycle)
    return svc, cycle


def test_a_request_with_someone_who_does_not_fit_the_party_is_refused_naming_it():
    svc, cycle = _service(CAREER)
    wrong = [Participant("e1", "employee"), Participant("e2", "career_coach")]
    with pytest.raises(TransitionError, match="party 'career_coach'"):
        svc.request(cycle=cycle, kind="career", participants=wrong, actor="e1")
    assert list(svc.store.conversations()) == []
    with pytest.raises(TransitionError, match="has no party 'coach'"):
        # The coach= shorthand names the built-in coach role, which this kind does not have.
        svc.participants_for("fy", cycle, "career", "solo", on=date(2025, 6, 2), coach="c1")
    right = [Participant("solo", "employee"), Participant("c1", "career_coach")]
    conv = svc.request(cycle=cycle, kind="career", participants=right, actor="solo")
    assert conv.state is State.REQUESTED


def test_an_optional_party_that_does_not_confirm_is_not_waited_for():
    data = {
        **CAREER,
        "roles": [
            *CAREER["roles"],
            {"id": "adviser", "name": "adviser", "description": "Gives advice."},
        ],
    }
    # An adviser anyone employed may be: only the employee may start the kind, so only they
    # pick who (check_parties refuses an open pool another initiator could fill).
    kind = {**CAREER["kinds"][0], "initiators": ["employee"]}
    data["kinds"] = [{**kind, "parties": [*kind["parties"], ADVISER]}]
    svc, cycle = _service(data)
    people = [
        Participant("e1", "employee"),
        Participant("c1", "career_coach"),
        Participant("m1", "manager"),
        Participant("boss", "adviser"),
    ]
    conv = svc.request(cycle=cycle, kind="career", participants=people, actor="e1")
    svc.execute(conv.id, MarkHeld(actor="e1", on=date(2025, 6, 2)))
    with pytest.raises(TransitionError, match="does not write this record"):
        svc.execute(conv.id, DraftRecord(actor="boss", summary="x"))
    drafted = svc.execute(conv.id, DraftRecord(actor="c1", summary="Plan gemaakt"))
    for who in ("e1", "c1"):
        state = svc.execute(conv.id, ConfirmRecord(actor=who, revision=drafted.revision))
        assert state.state is State.RECORD_DRAFTED  # the manager took part: they confirm too
    state = svc.execute(conv.id, ConfirmRecord(actor="m1", revision=drafted.revision))
    assert state.state is State.AGREED  # without the adviser, who does not confirm


def test_a_sharing_choice_to_a_role_is_not_taken_as_a_person():
    """Waalwijk's finding: 'company_doctor' was silently stored as a person id."""
    from magcore_waalwijk import PLUGIN, definition
    from magcore_waalwijk.plugin import plugin

    svc, _ = _service(definition().to_json(), (PLUGIN, plugin))
    with pytest.raises(ConsentError, match="'company_doctor' is a role"):
        svc.share(
            GrantSharing(
                actor="e1", person="e1", to="company_doctor", what="agreements", purpose="care"
            )
        )
    with pytest.raises(ConsentError, match="'manager' is a role"):
        svc.share(
            GrantSharing(actor="e1", person="e1", to="manager", what="agreements", purpose="x")
        )
    svc.share(GrantSharing(actor="e1", person="e1", to="c1", what="agreements", purpose="care"))
