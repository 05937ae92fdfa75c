"""A person's own stream (their sharing choices, a restriction and its reason, its lifting, an
erasure) never reaches an observing plugin: a declaration that names one of its event types is
refused naming the plugin and the event type, and the gateway delivers none of them."""

from __future__ import annotations

import pytest

from magcore import get_plugin_manager, hookimpl, open_service
from magcore.access.delivery import DELIVER_CONTENT, NEVER_DELIVERED
from magcore.access.observers import ContentNeed, check_content_need
from magcore.access.restriction import restriction_event
from magcore.clock import FixedClock
from magcore.domain.sharing import GrantSharing, PersonEvent, person_stream
from magcore.errors import DefinitionError
from magcore.storage.base import StreamWrite
from magcore.testing import approve_cycle

from ..sharing.support import MAG_CYCLE, ROLES, T0, small_org

PERSON_TYPES = sorted(str(kind) for kind in PersonEvent)


PERSON_EVENT_NAMES = {
    "sharing.granted",
    "sharing.revoked",
    "privacy.restricted",
    "privacy.restriction_lifted",
    "person.erased",
}


def test_every_event_type_of_a_persons_stream_is_never_delivered():
    assert set(PERSON_TYPES) == PERSON_EVENT_NAMES
    assert PERSON_EVENT_NAMES <= NEVER_DELIVERED


@pytest.mark.parametrize("kind", PERSON_TYPES)
def test_a_declaration_of_a_persons_event_type_is_refused_naming_plugin_and_type(kind):
    need = ContentNeed(
        event_types=[kind],
        fields=["to" if kind == "sharing.granted" else "reason"],
        purpose="HR-dashboard van gedeelde dossiers",
        basis="AVG art. 6(1)(b)",
    )
    with pytest.raises(DefinitionError) as refused:
        check_content_need(need, plugin="hr-dashboard")
    assert "hr-dashboard" in str(refused.value)
    assert repr(kind) in str(refused.value)
    assert "privacy officer only" in str(refused.value)


def test_a_persons_event_type_under_carries_is_refused_too():
    need = ContentNeed(
        event_types=["sharing.revoked"],
        fields=["choice"],
        carries={"sharing.revoked": ["choice"]},
        purpose="dashboard",
        basis="AVG art. 6(1)(b)",
    )
    with pytest.raises(DefinitionError, match=r"sharing\.revoked"):
        check_content_need(need, plugin="hr-dashboard")


class Dashboard:
    @hookimpl
    def magcore_declare_content(self, register):
        register(
            ContentNeed(
                event_types=["sharing.granted"],
                fields=["to", "purpose", "what"],
                purpose="HR-dashboard van gedeelde dossiers",
                basis="AVG art. 6(1)(b)",
            )
        )


def test_a_plugin_declaring_sharing_choices_gets_nothing_and_is_named_in_the_problems():
    host = get_plugin_manager(load_entry_points=False, extra=[("hr-dashboard", Dashboard())])
    needs = host.hooks.content_needs()
    assert not needs.by_plugin().get("hr-dashboard")
    [problem] = needs.problems
    assert problem.distribution == "hr-dashboard"
    assert "sharing.granted" in problem.reason


@pytest.fixture
def service():
    svc = open_service("memory://", clock=FixedClock(T0), dispatch="off")
    approve_cycle(svc, svc.add_cycle(MAG_CYCLE))
    svc.import_organisation(small_org(), actor="hr")
    svc.use_organisation("org", ROLES)
    yield svc
    svc.close()


def test_the_gateway_delivers_no_sharing_choice_and_no_restriction_reason(service):
    service.share(
        GrantSharing(actor="e1", person="e1", to="e2", what="agreements", purpose="advice")
    )
    stream = person_stream("e1")
    version = service.store.version(stream)
    restricted = restriction_event(
        "e1", version + 1, actor="po", now=T0, conversation=None, lift=False, reason="objection"
    )
    service.commit([StreamWrite(stream, version, (restricted,))])
    for event in service.store.read(stream):
        fields = ["to", "purpose", "what", "until", "conversation", "reason"]
        got = service.gateway.deliver(
            stream, event.version, plugin="hr-dashboard", fields=fields, purpose="p", basis="b"
        )
        assert got is None, (event.type, got)
    lines = [line for line in service.store.read_audit() if line["action"] == DELIVER_CONTENT]
    assert lines
    assert all(line["result"] == "denied" for line in lines)
    assert all("privacy officer" in line["reason"] for line in lines)
