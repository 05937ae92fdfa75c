"""A sharing choice shows that a conversation exists (its metadata) by a direct read exactly
when the guarded listing lists it: only if the choice opens something in it for that purpose.

A ``goals`` choice opens no conversation; an ``agreements`` choice opens nothing in a kind that
is special-category as a whole (``stress`` here); nothing opens in such a kind for an HR
overview or research, not even by ``whole_record``. Before, every choice that held for the
purpose opened the metadata (kind, state, dates, people) of every conversation of the employee,
special-category kinds included, and the listing of a ``whole_record`` choice for research
named a special kind's parts as allowed though the read refuses them.
"""

from __future__ import annotations

import pytest

from magcore import get_plugin_manager, open_service
from magcore.access.decision import Part
from magcore.clock import FixedClock
from magcore.domain.sharing import GrantSharing, RevokeSharing
from magcore.testing import approve_cycle

from ..sharing.support import MAG_CYCLE, ROLES, T0, small_org
from .test_gateway import _agreed

WHATS = ("whole_record", "agreements", "goals", "profile", "theme:vitality", "theme:joker")
PURPOSES = ("conversation", "hr_overview", "research")


@pytest.fixture(params=["memory", "sqlite"])
def service(request, tmp_path):
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path}/p.db"
    svc = open_service(url, clock=FixedClock(T0), host=get_plugin_manager(load_entry_points=False))
    approve_cycle(svc, svc.add_cycle(MAG_CYCLE))
    svc.import_organisation(small_org(), actor="hr")
    svc.use_organisation("org", ROLES)
    yield svc
    svc.close()


def _grant(service, what: str, purpose: str) -> int:
    state = service.share(
        GrantSharing(actor="e1", person="e1", to="hr", what=what, purpose=purpose)
    )
    return max(state.choices)


def _metadata_lines(service, conv: str) -> list[str]:
    return [
        line["result"]
        for line in service.store.read_audit()
        if line["object"] == f"conversation:{conv}/metadata" and line["actor"] == "hr"
    ]


def test_a_goals_choice_reveals_no_conversation_not_even_a_special_kind(service):
    """The tester's case: a ``goals`` choice holds for the purpose; the listing is empty and a
    direct read by id shows neither the vitality-like conversation nor an ordinary one: no
    kind, state, dates or people, and the refusal is audited."""
    mag, stress = _agreed(service, "mag"), _agreed(service, "stress")
    _grant(service, "goals", "conversation")
    assert service.listing("hr", purpose="conversation").ids == ()
    for conv in (mag, stress):
        view = service.view(conv, actor="hr", purpose="conversation")
        assert view.metadata is None
        assert view.state is None
        assert view.people == ()
        assert view.kind is None
        assert not view.has_content
        assert _metadata_lines(service, conv) == ["denied"]


def test_an_agreements_choice_shows_an_ordinary_conversation_but_not_a_special_kind(service):
    mag, stress = _agreed(service, "mag"), _agreed(service, "stress")
    _grant(service, "agreements", "hr_overview")
    assert service.listing("hr", purpose="hr_overview").ids == (mag,)
    shown = service.view(mag, actor="hr", purpose="hr_overview")
    assert shown.kind == "mag"
    assert [a.text for a in shown.agreements] == ["agreement-text"]
    hidden = service.view(stress, actor="hr", purpose="hr_overview")
    assert hidden.metadata is None
    assert hidden.people == ()
    assert not hidden.has_content


def test_a_whole_record_choice_for_research_lists_and_shows_no_special_kind(service):
    """Rule 3: special-category content never appears in research data, so a ``whole_record``
    choice for research opens nothing in a special kind; the listing no longer names its parts
    as allowed, and the read does not show that it exists."""
    mag, stress = _agreed(service, "mag"), _agreed(service, "stress")
    _grant(service, "whole_record", "research")
    listing = service.listing("hr", purpose="research")
    assert listing.ids == (mag,)
    assert Part.RECORD in next(iter(listing)).parts
    assert service.view(stress, actor="hr", purpose="research").metadata is None
    assert service.view(mag, actor="hr", purpose="research").summary == "summary-text"


def test_the_read_shows_a_conversation_exactly_when_the_listing_lists_it(service):
    """One rule for the listing and the read, for every ``what`` and purpose, in an ordinary
    conversation and in a kind that is special-category as a whole."""
    convs = {"mag": _agreed(service, "mag"), "stress": _agreed(service, "stress")}
    for what in WHATS:
        for purpose in PURPOSES:
            choice = _grant(service, what, purpose)
            listed = set(service.listing("hr", purpose=purpose).ids)
            for kind, conv in convs.items():
                view = service.view(conv, actor="hr", purpose=purpose)
                assert (view.metadata is not None) == (conv in listed), (what, purpose, kind)
            service.share(RevokeSharing(actor="e1", person="e1", choice=choice))
    # and not everything is hidden: the matrix above has both answers
    _grant(service, "whole_record", "conversation")
    assert set(service.listing("hr", purpose="conversation").ids) == set(convs.values())
