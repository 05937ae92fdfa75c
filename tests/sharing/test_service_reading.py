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
from magcore.errors import ConsentError, InputRefused
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


@pytest.fixture
def org_service():
    """A service that knows its organisation (``organisation="org"``), so ids are checked."""
    svc = open_service(
        "memory://",
        clock=FixedClock(T0),
        host=get_plugin_manager(load_entry_points=False),
        organisation="org",
    )
    approve_cycle(svc, svc.add_cycle(MAG_CYCLE))
    svc.import_organisation(small_org(), actor="hr")
    yield svc
    svc.close()


def _grant(service, **choice):
    return service.share(GrantSharing(actor="e1", person="e1", **choice))


def test_a_choice_to_a_misspelt_role_names_the_roles_a_choice_may_name(org_service):
    """``hr_advisor`` is neither a person nor a role: the refusal says which roles there are,
    not only that no such person exists."""
    with pytest.raises(InputRefused) as refused:
        _grant(org_service, to="hr_advisor", what="agreements", purpose="hr_overview")
    [problem] = refused.value.problems
    assert problem.pointer == "/to"
    assert problem.keyword == "unknownPerson"
    assert "nor a role a choice may name" in problem.message
    assert "hr_adviser" in problem.message
    assert "next_manager" in problem.message
    assert org_service.sharing("e1").choices == {}


def test_a_choice_about_a_theme_no_cycle_has_is_refused(org_service):
    """A misspelt theme would make a choice that never opens anything, while the employee
    believes they shared: it is refused, naming the themes there are."""
    with pytest.raises(ConsentError, match=r"what 'theme:carreer' names a theme no cycle has"):
        _grant(org_service, to="hr_adviser", what="theme:carreer", purpose="career_advice")
    state = _grant(
        org_service, to="hr_adviser", what="theme:career_and_mobility", purpose="career_advice"
    )
    assert [c.what for c in state.choices.values()] == ["theme:career_and_mobility"]


def test_a_choice_for_one_conversation_needs_a_conversation_about_the_employee(org_service):
    """A choice for a conversation that does not exist, or is about someone else, is refused
    with one message for both (it does not tell whether the id exists)."""
    conv_id = _agreed(org_service)
    cycle = org_service.cycle("mag@1")
    people = org_service.participants_for("org", cycle, "mag", "e2", on=T0.date())
    other = org_service.request(cycle=cycle, kind="mag", participants=people, actor="e2")
    messages = []
    for conversation in ("nonexistent1", other.id):
        with pytest.raises(ConsentError) as refused:
            _grant(
                org_service,
                to="hr_adviser",
                what="agreements",
                purpose="hr_overview",
                conversation=conversation,
            )
        messages.append(str(refused.value).replace(conversation, "ID"))
    assert messages[0] == messages[1]
    assert "is not a conversation about e1" in messages[0]
    state = _grant(
        org_service, to="hr_adviser", what="agreements", purpose="hr_overview", conversation=conv_id
    )
    assert [c.conversation for c in state.choices.values()] == [conv_id]
