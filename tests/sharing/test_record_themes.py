"""Themes named by commands: only the conversation's cycle's themes are taken (a misspelt
special-category theme would lose its protection), and the record's themes are shown and
exported as the record is, a special-category one only where such content may go."""

from __future__ import annotations

from datetime import timedelta

import pytest

from magcore import get_plugin_manager, open_service
from magcore.access.decision import Directory, LegalBasis, Part
from magcore.access.reading import ReadPolicy, read_conversation
from magcore.access.subject_access_html import export_html
from magcore.clock import FixedClock
from magcore.domain import conversation as cv
from magcore.domain.conversation import DraftRecord, MarkHeld, RaiseTopic
from magcore.errors import InputRefused
from magcore.model.records import Agreement, Participant
from magcore.schemas import problems
from magcore.storage.memory import MemoryStore
from magcore.testing import approve_cycle

from .support import MAG_CYCLE, RECORD_FORM, ROLES, T0, mag_cycle, run, small_org

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
    assert view.themes == ("vitality",)


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


def test_record_themes_are_in_the_view_and_the_export(service):
    """The themes of the record reach the participants' view and the subject-access export
    (JSON, valid against its schema, and the page, by the themes' titles)."""
    conv_id = _held(service)
    draft = DraftRecord(actor="m1", summary="S", themes=["performing", "vitality"])
    assert service.execute(conv_id, draft).themes == ("performing", "vitality")
    assert service.view(conv_id, actor="e1").themes == ("performing", "vitality")
    export = service.export("e1", requester="e1")
    assert problems("subject-access-export", export) == []
    [conv] = export["conversations_about_you"]
    assert conv["record"]["themes"] == ["performing", "vitality"]
    cycles = {"mag@1": service.cycle("mag@1")}
    page = export_html(export, language="en", cycles=cycles)
    assert "<h4>Themes discussed</h4>\n<p>Performing, Vitality</p>" in page
    dutch = export_html(export, language="nl", cycles=cycles)
    assert "<h4>Besproken thema&#x27;s</h4>\n<p>Presteren, Vitaliteit</p>" in dutch


# -- who sees a record's themes ------------------------------------------------------------------

BASIS = LegalBasis(
    name="reintegration",
    article="Wet verbetering poortwachter art. 25",
    roles={"hr_adviser"},
    parts={Part.RECORD},
    purpose="reintegration",
)


def _store(kind: str, themes: tuple[str, ...] = ("performing", "vitality")) -> MemoryStore:
    store = MemoryStore()
    people = (Participant("e1", "employee"), Participant("m1", "manager"))
    if kind == "stress":
        people = (*people, Participant("c1", "coach"))
    request = cv.RequestConversation(
        actor="e1", conversation_id="c1", cycle=mag_cycle(), kind=kind, participants=people
    )
    run(store, "c1", request, T0)
    run(store, "c1", MarkHeld(actor="m1", on=T0.date()), T0)
    record = DraftRecord(actor="m1", summary="S", themes=list(themes))
    run(store, "c1", record, T0)
    return store


def _read(store: MemoryStore, viewer: str, purpose: str):
    policy = ReadPolicy.for_cycle(
        mag_cycle(),
        forms=[RECORD_FORM],
        directory=Directory.from_organisation(small_org(), ROLES),
        legal_bases=[BASIS],
    )
    at = FixedClock(T0 + timedelta(days=1))
    return read_conversation(store, "c1", viewer=viewer, purpose=purpose, clock=at, policy=policy)


def test_a_record_about_a_special_category_theme_is_special_as_a_whole():
    """A legal basis opens no part of a record one of whose themes is special-category: its
    summary and answers say as much as the theme's name (that the record is about vitality);
    the participants see it all."""
    store = _store("mag")
    hr = _read(store, "hr", "reintegration")
    assert (hr.summary, hr.themes) == (None, ())
    reasons = {obj.rsplit("/", 1)[1]: d for obj, d in hr.decisions}
    assert not reasons["record"].allowed
    assert "special-category" in reasons["record"].reason
    # the refusal about the theme names it: it is in the audit log (for the employee and the
    # privacy officer), not in the view handed to HR, which would tell HR the theme
    assert not any("vitality" in obj for obj, _ in hr.decisions)
    lines = [dict(line) for line in store.read_audit() if line["actor"] == "hr"]
    themed = [line for line in lines if line["object"].endswith("/record/themes/vitality")]
    assert [line["result"] for line in themed] == ["denied"]
    participant = _read(store, "e1", "conversation")
    assert (participant.summary, participant.themes) == ("S", ("performing", "vitality"))


def test_a_legal_basis_opens_a_record_about_ordinary_themes_only():
    store = _store("mag", themes=("performing",))
    hr = _read(store, "hr", "reintegration")
    assert (hr.summary, hr.themes) == ("S", ("performing",))


def test_the_themes_of_a_special_category_kind_follow_the_record():
    """In a kind that is special-category as a whole, no legal basis opens the record, nor
    any of its themes; the participants see them."""
    store = _store("stress")
    hr = _read(store, "hr", "reintegration")
    assert (hr.summary, hr.themes) == (None, ())
    assert _read(store, "c1", "conversation").themes == ("performing", "vitality")


def test_a_goal_theme_no_cycle_has_is_refused_and_nothing_stored(service):
    """A goal's theme is its cycle's (that of the conversation it was agreed in), or without
    one any installed cycle's: a misspelt ``vitality`` would leave the goal unprotected."""
    from magcore.domain.goals import SetGoal

    conv = _held(service)
    before = service.store.version("goal:g1")
    for theme, agreed_in in (("vitalty", conv), ("vitalty", None)):
        error = _refused(
            lambda theme=theme, agreed_in=agreed_in: service.execute_goal(
                SetGoal(
                    actor="e1",
                    owner="e1",
                    goal_id="g1",
                    title="t",
                    theme=theme,
                    agreed_in=agreed_in,
                )
            )
        )
        [problem] = error.problems
        assert (problem.pointer, problem.keyword) == ("/theme", "unknownTheme")
        assert "vitality" in problem.message
    assert service.store.version("goal:g1") == before
    for number, agreed_in in enumerate((conv, None), 1):
        service.execute_goal(
            SetGoal(
                actor="e1",
                owner="e1",
                goal_id=f"g{number}",
                title="t",
                theme="vitality",
                agreed_in=agreed_in,
            )
        )
        assert service.store.version(f"goal:g{number}") == 1


def test_a_dissent_from_a_record_about_a_special_theme_is_special_too():
    """A dissent from a record about vitality, and the answer to it, say as much as the
    record: a legal basis that covers dissents opens them only on a record about ordinary
    themes (before, the dissent was decided as ordinary content wherever the record was)."""
    from magcore.domain.conversation import AddDissent

    basis = LegalBasis(
        name="reintegration",
        article="Wet verbetering poortwachter art. 25",
        roles={"hr_adviser"},
        parts={Part.RECORD, Part.DISSENT},
        purpose="reintegration",
    )
    policy = ReadPolicy.for_cycle(
        mag_cycle(),
        forms=[RECORD_FORM],
        directory=Directory.from_organisation(small_org(), ROLES),
        legal_bases=[basis],
    )
    at = FixedClock(T0 + timedelta(days=1))
    for themes, shown in ((("performing", "vitality"), False), (("performing",), True)):
        store = _store("mag", themes=themes)
        run(store, "c1", AddDissent(actor="e1", text="Ik zie dat anders."), T0)
        hr = read_conversation(
            store, "c1", viewer="hr", purpose="reintegration", clock=at, policy=policy
        )
        assert bool(hr.dissents) is shown, themes
        mine = read_conversation(
            store, "c1", viewer="e1", purpose="conversation", clock=at, policy=policy
        )
        assert [d.text for d in mine.dissents] == ["Ik zie dat anders."]
