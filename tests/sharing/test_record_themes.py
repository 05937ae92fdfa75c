"""Themes named by commands: only the conversation's cycle's themes are taken (a misspelt
special-category theme would lose its protection)."""

from __future__ import annotations

import pytest

from magcore import get_plugin_manager, open_service
from magcore.clock import FixedClock
from magcore.domain import conversation as cv
from magcore.domain.conversation import DraftRecord, MarkHeld, RaiseTopic
from magcore.errors import InputRefused
from magcore.model.records import Agreement
from magcore.testing import approve_cycle

from .support import MAG_CYCLE, T0, small_org

THEMES = "career_and_mobility, joker, learning_and_development, performing, social_safety, vitality"


@pytest.fixture(params=["memory", "sqlite"])
def service(request, tmp_path):
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path}/s.db"
    svc = open_service(url, clock=FixedClock(T0), host=get_plugin_manager(load_entry_points=False))
    approve_cycle(svc, svc.add_cycle(MAG_CYCLE))
    svc.import_organisation(small_org(), actor="hr")
    yield svc
    svc.close()


def _request(service, *, themes=()):
    cycle = service.cycle("mag@1")
    people = service.participants_for("org", cycle, "mag", "e1", on=T0.date())
    return service.request(cycle=cycle, kind="mag", participants=people, actor="e1", themes=themes)


def _held(service) -> str:
    conv = _request(service)
    service.execute(conv.id, MarkHeld(actor="m1", on=T0.date()))
    return conv.id


def _refused(call) -> InputRefused:
    with pytest.raises(InputRefused) as refused:
        call()
    return refused.value


def _unknown(error: InputRefused, pointer: str, theme: str) -> None:
    [problem] = error.problems
    assert problem.pointer == pointer
    assert problem.keyword == "unknownTheme"
    assert repr(theme) in problem.message
    assert f"(its themes: {THEMES})" in problem.message


def test_a_record_theme_the_cycle_does_not_declare_is_refused_and_nothing_stored(service):
    """``vitalty`` for ``vitality`` would be an ordinary theme: refused, naming the field and
    the cycle's themes; the conversation is as it was."""
    conv_id = _held(service)
    stream = cv.stream_of(conv_id)
    before = service.store.version(stream)
    draft = DraftRecord(actor="m1", summary="S", themes=["performing", "vitalty"])
    _unknown(_refused(lambda: service.execute(conv_id, draft)), "/themes/1", "vitalty")
    assert service.store.version(stream) == before
    view = service.execute(conv_id, DraftRecord(actor="m1", summary="S", themes=["vitality"]))
    assert view.revision == 1


def test_an_agreement_theme_the_cycle_does_not_declare_is_refused(service):
    conv_id = _held(service)
    draft = DraftRecord(
        actor="m1",
        summary="S",
        agreements=[
            Agreement(id="a1", text="A", owner="employee", theme="performing"),
            Agreement(id="a2", text="B", owner="both", theme="helth"),
        ],
    )
    _unknown(_refused(lambda: service.execute(conv_id, draft)), "/agreements/1/theme", "helth")
    assert service.view(conv_id, actor="m1").revision is None


def test_record_on_an_open_conversation_with_an_unknown_theme_leaves_it_open(service):
    """``Service.record`` marks held and drafts in one transaction: a bad theme stores
    neither."""
    conv = _request(service)
    draft = DraftRecord(actor="m1", summary="S", themes=["wrk"])
    _unknown(_refused(lambda: service.record(conv.id, draft)), "/themes/0", "wrk")
    assert service.view(conv.id, actor="m1").state is cv.State.REQUESTED


def test_a_topic_theme_the_cycle_does_not_declare_is_refused(service):
    conv = _request(service)
    raise_topic = RaiseTopic(actor="e1", text="how I am", theme="vitalty")
    _unknown(_refused(lambda: service.execute(conv.id, raise_topic)), "/theme", "vitalty")
    assert service.view(conv.id, actor="e1").topics == ()
    raised = service.execute(conv.id, RaiseTopic(actor="e1", text="how I am", theme="vitality"))
    assert [t.theme for t in raised.topics] == ["vitality"]


def test_a_request_theme_the_cycle_does_not_declare_is_refused(service):
    _unknown(_refused(lambda: _request(service, themes=["joker", "jokr"])), "/themes/1", "jokr")
    assert list(service.store.conversations(subject="e1")) == []
