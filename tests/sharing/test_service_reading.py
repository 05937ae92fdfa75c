"""Reads, handover and the export over stores opened through ``open_service``."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from magcore import get_plugin_manager, open_service
from magcore.access import audit
from magcore.access.decision import Directory
from magcore.access.reading import ReadPolicy, read_conversation, read_goal
from magcore.access.subject_access import subject_access_export
from magcore.clock import FixedClock
from magcore.domain.conversation import ConfirmRecord, DraftRecord, MarkHeld
from magcore.domain.goals import SetGoal
from magcore.domain.sharing import GrantSharing
from magcore.model.organisation import Assignment, Organisation, Person, Team
from magcore.model.records import Agreement
from magcore.schemas import problems
from magcore.testing import approve_cycle

from .support import MAG_CYCLE, ROLES, T0, small_org


@pytest.fixture(params=["memory", "sqlite"])
def service(request, tmp_path):
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path}/s.db"
    svc = open_service(url, clock=FixedClock(T0), host=get_plugin_manager(load_entry_points=False))
    approve_cycle(svc, svc.add_cycle(MAG_CYCLE))
    svc.import_organisation(small_org(), actor="hr")
    yield svc
    svc.close()


def _agreed(service) -> str:
    cycle = service.cycle("mag@1")
    people = service.participants_for("org", cycle, "mag", "e1", on=T0.date())
    conv = service.request(cycle=cycle, kind="mag", participants=people, actor="e1")
    service.execute(conv.id, MarkHeld(actor="m1", on=T0.date()))
    service.execute(
        conv.id,
        DraftRecord(
            actor="m1",
            summary="summary-text",
            agreements=(Agreement(id="a1", text="agreement-text", owner="employee"),),
        ),
    )
    for person in ("m1", "e1"):
        service.execute(conv.id, ConfirmRecord(actor=person, revision=1))
    return conv.id


def test_handover_through_the_service(service):
    """A next_manager choice made with service.share lets the new manager (after
    service.change_manager) read the agreements and nothing else; the old manager keeps
    reading as a participant; every decision is audited and the chain holds."""
    conv_id = _agreed(service)
    service.share(
        GrantSharing(
            actor="e1", person="e1", to="next_manager", what="agreements", purpose="handover"
        )
    )
    service.clock.advance(timedelta(days=30))
    service.change_manager("org", "t1", "m2", service.clock.now().date(), actor="hr")
    directory = Directory.from_organisation(service.organisation("org"), ROLES)
    policy = ReadPolicy(directory=directory)
    before = service.store.audit_head().count
    now = service.clock.now()
    new = read_conversation(
        service.store,
        conv_id,
        viewer="m2",
        purpose="handover",
        clock=FixedClock(now),
        policy=policy,
    )
    assert new.summary is None
    assert [a.text for a in new.agreements] == ["agreement-text"]
    other_purpose = read_conversation(
        service.store,
        conv_id,
        viewer="m2",
        purpose="curiosity",
        clock=FixedClock(now),
        policy=policy,
    )
    assert not other_purpose.has_content
    lines = list(service.store.read_audit(after=before))
    assert len(lines) == len(new.decisions) + len(other_purpose.decisions)
    assert service.sharing("e1").active(now)[0].to == "next_manager"
    assert ("conversation:" + conv_id + "/agreement:a1", "allowed", "sharing choice 1") in {
        (e["object"], e["result"], e["reason"]) for e in lines
    }
    assert audit.verify_store(service.store).ok


def test_goals_and_export_through_the_service(service):
    """Goals set with execute_goal are read through the policy, and the export of a
    service's store validates against its schema."""
    conv_id = _agreed(service)
    service.execute_goal(
        SetGoal(actor="e1", goal_id="g1", owner="e1", title="Leren presenteren", agreed_in=conv_id)
    )
    service.share(GrantSharing(actor="e1", person="e1", to="hr", what="goals", purpose="advice"))
    policy = ReadPolicy(directory=Directory.from_organisation(service.organisation("org"), ROLES))
    now = service.clock.now()
    assert read_goal(
        service.store, "g1", viewer="hr", purpose="advice", clock=FixedClock(now), policy=policy
    ).goal
    assert not read_goal(
        service.store, "g1", viewer="m1", purpose="advice", clock=FixedClock(now)
    ).has_content
    export = subject_access_export(
        service.store, "e1", requester="e1", clock=FixedClock(now), policy=policy
    )
    assert problems("subject-access-export", export) == []
    assert [c["id"] for c in export["conversations_about_you"]] == [conv_id]
    assert [g["title"] for g in export["goals"]] == ["Leren presenteren"]
    assert export["employment"] is None
    assert date.fromisoformat(export["generated_at"][:10]) == now.date()


def test_service_export_holds_the_employment_facts(tmp_path):
    """``Service.export`` (the Python API, and the web API's subject-access export) holds what
    the organisation keeps about the person, as ``magcore export person`` does: the facts are
    personal data too (AVG art. 15), so the answer is not complete without them."""
    svc = open_service("memory://", clock=FixedClock(T0), organisation="org")
    people = [
        Person(id="e1", hired_on=date(2021, 5, 1), email="e1@gemeente.example"),
        Person(id="po"),
    ]
    org = Organisation.build(
        id="org",
        people=people,
        teams=[Team(id="t1")],
        assignments=[Assignment(person="e1", team="t1", role="member", start=date(2024, 1, 1))],
    )
    svc.import_organisation(org, actor="hr")
    export = svc.export("e1")
    assert export["employment"] == {
        "hired_on": "2021-05-01",
        "left_on": None,
        "email": "e1@gemeente.example",
    }
    assert problems("subject-access-export", export) == []
    svc.use_organisation("org", roles={"po": ["privacy_officer"]})
    assert svc.export("e1", requester="po")["employment"]["hired_on"] == "2021-05-01"
    svc.close()
