"""One decision path: the old module functions and service methods decide as the gateway does,
with each cycle's special kinds and themes as the store keeps its definition (issue 13)."""

from __future__ import annotations

import pytest

import magcore
from magcore import get_plugin_manager, open_service
from magcore.access.reading import ReadPolicy, read_goal
from magcore.access.subject_access import subject_access_export
from magcore.clock import FixedClock
from magcore.domain.conversation import SavePreparation
from magcore.domain.goals import SetGoal
from magcore.domain.sharing import GrantSharing
from magcore.testing import approve_cycle

from ..sharing.support import MAG_CYCLE, ROLES, T0, small_org
from .test_gateway import _agreed as agreed


@pytest.fixture(params=["memory", "sqlite"])
def service(request, tmp_path):
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path}/p.db"
    svc = open_service(url, clock=FixedClock(T0), host=get_plugin_manager(load_entry_points=False))
    approve_cycle(svc, svc.add_cycle(MAG_CYCLE))
    svc.import_organisation(small_org(), actor="hr")
    svc.use_organisation("org", ROLES)
    yield svc
    svc.close()


def _agreed(service, kind: str) -> str:
    return agreed(service, kind=kind, text=f"{kind}-agreement", summary=f"{kind}-summary")


def _every_way(service, conv: str, viewer: str, purpose: str):
    return {
        "gateway": service.view(conv, actor=viewer, purpose=purpose),
        "magcore.read_conversation": magcore.read_conversation(
            service.store, conv, viewer=viewer, purpose=purpose, clock=service.clock
        ),
        "service.read_conversation": service.read_conversation(
            conv, viewer=viewer, purpose=purpose
        ),
        "service.read_conversation(policy=)": service.read_conversation(
            conv, viewer=viewer, purpose=purpose, policy=ReadPolicy(directory=service.directory)
        ),
    }


def test_an_agreements_choice_opens_a_special_kind_by_no_way(service):
    """Item 3 by every way in: an ``agreements`` choice opens the agreements of an ordinary
    conversation, and of a stress conversation (special-category as a whole) by none; the
    old functions used to open it, not knowing the cycle's special kinds."""
    mag, stress = _agreed(service, "mag"), _agreed(service, "stress")
    service.share(
        GrantSharing(actor="e1", person="e1", to="hr", what="agreements", purpose="advice")
    )
    for way, view in _every_way(service, mag, "hr", "advice").items():
        assert [a.text for a in view.agreements] == ["mag-agreement"], way
    for way, view in _every_way(service, stress, "hr", "advice").items():
        assert view.agreements == (), way
        assert "stress-agreement" not in repr(view), way
    denied = [
        line
        for line in service.store.read_audit()
        if line["object"] == f"conversation:{stress}/agreement:a1" and line["actor"] == "hr"
    ]
    assert [line["result"] for line in denied] == ["denied"] * 4


def test_a_goal_on_a_special_theme_is_closed_to_a_goals_choice_by_every_way(service):
    """A goal on the cycle's special theme (agreed in one of its conversations): a ``goals``
    choice does not open it, through the gateway, the service method or the module function;
    an ordinary goal it does open."""
    mag = _agreed(service, "mag")
    service.execute_goal(
        SetGoal(actor="e1", goal_id="gv", owner="e1", title="t-v", theme="vitality", agreed_in=mag)
    )
    service.execute_goal(SetGoal(actor="e1", goal_id="gw", owner="e1", title="t-w", agreed_in=mag))
    service.share(GrantSharing(actor="e1", person="e1", to="hr", what="goals", purpose="advice"))
    for goal, opened in (("gv", False), ("gw", True)):
        views = [
            service.view_goal(goal, actor="hr", purpose="advice"),
            service.read_goal(goal, viewer="hr", purpose="advice"),
            read_goal(service.store, goal, viewer="hr", purpose="advice", clock=service.clock),
        ]
        assert [v.has_content for v in views] == [opened] * 3, goal


def test_the_export_keeps_blind_until_published_by_every_way(service):
    """Item 2: while the conversation is open, the manager's unpublished preparation is in no
    subject-access export of the employee, however it is asked for."""
    cycle = service.cycle("mag@1")
    people = service.participants_for("org", cycle, "mag", "e1", on=T0.date())
    conv = service.request(cycle=cycle, kind="mag", participants=people, actor="e1")
    service.execute(conv.id, SavePreparation(actor="m1", answers={"work": "manager-prep"}))
    exports = [
        service.export("e1"),
        magcore.subject_access_export(service.store, "e1", requester="e1", clock=service.clock),
        subject_access_export(service.store, "e1", requester="e1"),
    ]
    for export in exports:
        assert "manager-prep" not in repr(export)
