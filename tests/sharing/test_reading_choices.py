"""A person's sharing choices (whom they confide in, for what, until when) are shown to the
person and the privacy officer only: every read has its audit line, a refused one too."""

from __future__ import annotations

import pytest

from magcore import ConsentError, FixedClock, get_plugin_manager, open_service
from magcore.domain.sharing import GrantSharing
from magcore.testing import approve_cycle

from .support import MAG_CYCLE, ROLES, T0, small_org


@pytest.fixture
def service():
    host = get_plugin_manager(load_entry_points=False)
    svc = open_service("memory://", clock=FixedClock(T0), host=host)
    approve_cycle(svc, svc.add_cycle(MAG_CYCLE))
    svc.import_organisation(small_org(), actor="hr")
    svc.use_organisation("org", ROLES)
    svc.share(GrantSharing(actor="e1", person="e1", to="c1", what="agreements", purpose="advice"))
    yield svc
    svc.close()


def _lines(service):
    return [
        (line["actor"], line["result"])
        for line in service.store.read_audit()
        if line["object"] == "person:e1/sharing"
    ]


def test_the_person_and_the_privacy_officer_see_the_choices_and_each_read_is_audited(service):
    assert [c.to for c in service.sharing("e1").choices.values()] == ["c1"]
    assert [c.to for c in service.sharing("e1", actor="po").choices.values()] == ["c1"]
    assert _lines(service) == [("e1", "allowed"), ("po", "allowed")]


@pytest.mark.parametrize("someone", ["m1", "c1", "hr", "e2"])
def test_anyone_else_is_refused_with_an_audit_line(service, someone):
    """The manager, the grantee themself, HR and a colleague see nothing of the choices."""
    with pytest.raises(ConsentError, match="may not see"):
        service.sharing("e1", actor=someone)
    assert _lines(service) == [(someone, "denied")]
