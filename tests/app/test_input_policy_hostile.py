"""Hostile input at every entry point: always a named error, never a traceback, nothing stored.

Every public API entry point that takes a text or an id (commands through ``Service``, sharing
choices, goals, organisation import and changes, reads, the subject-access export, form
answers) and every ``magcore`` command with a text option is fed generated hostile input:
control characters, bidirectional controls, lone surrogates, texts over the 64 KiB cap, ids
that are no ids, JSON nested thousands of levels deep, unknown people. Each call must raise a
:class:`~magcore.errors.MagcoreError` (the command: exit non-zero with one ``error:`` line),
and the store (every event of every stream, and the audit log) must be as it was.
"""

from __future__ import annotations

import contextlib
import functools
import json
import sqlite3
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from magcore import get_plugin_manager, open_service
from magcore.access.reading import read_conversation
from magcore.access.statistics_report import participation_report
from magcore.access.subject_access import subject_access_export
from magcore.app.service import Service
from magcore.clock import FixedClock
from magcore.domain.conversation import (
    AddDissent,
    AddPrivateNote,
    AddResponse,
    Cancel,
    ConfirmRecord,
    DraftRecord,
    MarkHeld,
    RaiseTopic,
    Reschedule,
    SavePreparation,
    Schedule,
    UpdateAgreement,
)
from magcore.domain.goals import CloseGoal, NoteProgress, SetGoal
from magcore.domain.sharing import GrantSharing
from magcore.errors import InputRefused, MagcoreError
from magcore.forms import validate
from magcore.model import input_policy as ip
from magcore.model.organisation import Organisation
from magcore.model.records import Agreement, Participant
from magcore.testing import approve_cycle
from tests.support.approve import approve_by_cli

from ..cli.conftest import ORG_CSV, make_host
from ..forms.support import mag_form
from ..sharing.support import MAG_CYCLE, T0, small_org

FORBIDDEN = [
    "\x00",
    "\x07",
    "\x1b",
    "\r",
    "\x7f",
    "\x85",
    "\x9b",
    "\ud800",
    "\udfff",
    *ip.BIDI_CONTROLS,
    "\U000e0041",
    "\U000e007f",
]
_SAFE = st.text(st.characters(codec="ascii", exclude_categories=("Cc",)), max_size=6)


class _Huge(str):
    """A long text that prints short (when a failing example is reported)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<{self[:1]!r} x {len(self):,}>"


def _with_forbidden(pre: str, char: str, post: str) -> str:
    return pre + char + post


#: A text the policy must refuse: a forbidden character somewhere, or over the cap.
hostile_text = st.one_of(
    st.builds(_with_forbidden, _SAFE, st.sampled_from(FORBIDDEN), _SAFE),
    st.builds(
        _with_forbidden, st.text(max_size=4), st.sampled_from(FORBIDDEN), st.text(max_size=4)
    ),
    st.integers(ip.MAX_TEXT_BYTES + 1, ip.MAX_TEXT_BYTES + 40).map(lambda n: _Huge("x" * n)),
    st.integers(ip.MAX_TEXT_BYTES // 2 + 1, ip.MAX_TEXT_BYTES // 2 + 9).map(
        lambda n: _Huge("é" * n)
    ),
)
#: An id the policy must refuse.
hostile_id = st.one_of(
    hostile_text,
    st.sampled_from(["", " ", "a b", "../etc", "p/1", "-p", "#a", "a#", "pé", "a" * 256]),
)


def _nested(depth: int) -> Any:
    value: Any = "x"
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


#: Answers the policy must refuse: hostile texts or keys, or nesting past 32 levels.
hostile_answers = st.one_of(
    hostile_text.map(lambda text: {"work": text}),
    hostile_text.map(lambda text: {text: "fine"}),
    st.integers(ip.MAX_JSON_DEPTH + 1, 3000).map(lambda depth: {"work": _nested(depth)}),
)


def _many_fields(count: int) -> dict[str, Any]:
    return {f"q{index}": "x" for index in range(count)}


def _heavy_fields(count: int) -> dict[str, Any]:
    """*count* texts of 60,000 bytes: each under the text cap, together over the command's."""
    return {f"q{index}": _Huge("a" * 60_000) for index in range(count)}


#: Answers each text of which passes, too large as a whole: more fields or list items than
#: MAX_ITEMS, or more text than MAX_COMMAND_BYTES.
oversized_answers = st.one_of(
    st.integers(ip.MAX_ITEMS + 1, ip.MAX_ITEMS + 40).map(_many_fields),
    st.integers(ip.MAX_ITEMS + 1, ip.MAX_ITEMS + 40).map(lambda n: {"work": ["x"] * n}),
    st.integers(ip.MAX_COMMAND_BYTES // 60_000 + 1, 200).map(_heavy_fields),
)


def test_the_strategies_only_make_refused_input():
    """A guard on the generators: every value they make breaks the policy."""

    @given(hostile_text, hostile_id, hostile_answers)
    @settings(max_examples=200)
    def check(text: str, some_id: str, answers: Any) -> None:
        assert ip.text_problem(ip.normalise(text), pointer="/t") is not None
        assert not ip.is_valid_id(some_id)
        assert list(ip.json_problems(answers))

    @given(oversized_answers)
    @settings(max_examples=30)
    def oversized(answers: Any) -> None:
        assert not list(ip.json_problems(answers))  # every text passes on its own
        with pytest.raises(InputRefused) as refused:
            SavePreparation(actor="e1", answers=answers)
        assert all(p.pointer.startswith("/answers") for p in refused.value.problems)

    check()
    oversized()


# -- the library -------------------------------------------------------------------------------


def _dump(service: Service) -> Any:
    store = service.store
    events = {stream: store.read(stream) for stream in sorted(store.streams())}
    return events, list(store.read_audit())


def requested() -> tuple[Service, str]:
    """A service with an organisation and one requested conversation of e1 (its id)."""
    service = open_service(
        "memory://",
        clock=FixedClock(T0),
        host=get_plugin_manager(load_entry_points=False),
        organisation="org",
    )
    approve_cycle(service, service.add_cycle(MAG_CYCLE))
    service.import_organisation(small_org(), actor="hr")
    cycle = service.cycle("mag@1")
    people = service.participants_for("org", cycle, "mag", "e1", on=T0.date())
    conv = service.request(cycle=cycle, kind="mag", participants=people, actor="e1")
    return service, conv.id


@functools.cache
def _world() -> tuple[Service, str, str]:
    """A service with an organisation, a conversation with a drafted record, and a goal."""
    service, conversation = requested()
    service.execute(conversation, MarkHeld(actor="m1", on=T0.date()))
    service.execute(
        conversation,
        DraftRecord(
            actor="m1",
            summary="summary",
            agreements=(Agreement(id="a1", text="agreement", owner="employee"),),
        ),
    )
    service.execute_goal(SetGoal(actor="e1", goal_id="g1", owner="e1", title="Leren"))
    return service, conversation, "g1"


def _org_json(**person: Any) -> dict[str, Any]:
    data = small_org().to_json()
    data["people"] = [*data["people"], {"id": "x1", **person}]
    return data


#: Every entry point, as (name, call(service, conversation id, goal id, hostile value)).
TEXT_ENTRIES: list[tuple[str, Callable[[Service, str, str, Any], object]]] = [
    ("raise_topic", lambda s, c, g, h: s.execute(c, RaiseTopic(actor="e1", text=h))),
    ("notice.reference", lambda s, c, g, h: s.gateway.notice(h, recipient="e1")),
    (
        "schedule.place",
        lambda s, c, g, h: s.execute(c, Schedule(actor="m1", on=T0 + timedelta(1), place=h)),
    ),
    (
        "reschedule.reason",
        lambda s, c, g, h: s.execute(c, Reschedule(actor="m1", on=T0 + timedelta(1), reason=h)),
    ),
    ("cancel.reason", lambda s, c, g, h: s.execute(c, Cancel(actor="m1", reason=h))),
    ("draft.summary", lambda s, c, g, h: s.execute(c, DraftRecord(actor="m1", summary=h))),
    (
        "draft.agreement",
        lambda s, c, g, h: s.execute(
            c,
            DraftRecord(
                actor="m1", summary="s", agreements=[Agreement(id="a1", text=h, owner="employee")]
            ),
        ),
    ),
    ("dissent", lambda s, c, g, h: s.execute(c, AddDissent(actor="e1", text=h))),
    ("private_note", lambda s, c, g, h: s.execute(c, AddPrivateNote(actor="e1", text=h))),
    (
        "response",
        lambda s, c, g, h: s.execute(c, AddResponse(actor="e1", about="record", text=h)),
    ),
    (
        "update_agreement.note",
        lambda s, c, g, h: s.execute(
            c, UpdateAgreement(actor="e1", agreement_id="a1", status="done", note=h)
        ),
    ),
    (
        "goal.title",
        lambda s, c, g, h: s.execute_goal(SetGoal(actor="e1", goal_id="g2", owner="e1", title=h)),
    ),
    (
        "goal.progress",
        lambda s, c, g, h: s.execute_goal(NoteProgress(actor="e1", goal_id=g, text=h)),
    ),
    (
        "goal.close",
        lambda s, c, g, h: s.execute_goal(
            CloseGoal(actor="e1", goal_id=g, status="reached", note=h)
        ),
    ),
    (
        "organisation.name",
        lambda s, c, g, h: s.import_organisation(
            Organisation.from_json({**small_org().to_json(), "name": h}), actor="hr"
        ),
    ),
]

ID_ENTRIES: list[tuple[str, Callable[[Service, str, str, Any], object]]] = [
    (
        "request.participant",
        lambda s, c, g, h: s.request(
            cycle="mag@1",
            kind="mag",
            participants=[Participant(h, "employee"), Participant("m1", "manager")],
            actor="m1",
        ),
    ),
    (
        "request.conversation_id",
        lambda s, c, g, h: s.request(
            cycle="mag@1",
            kind="mag",
            participants=[Participant("e2", "employee"), Participant("m1", "manager")],
            actor="m1",
            conversation_id=h,
        ),
    ),
    (
        "request.theme",
        lambda s, c, g, h: s.request(
            cycle="mag@1",
            kind="mag",
            participants=[Participant("e2", "employee"), Participant("m1", "manager")],
            actor="m1",
            themes=[h],
        ),
    ),
    (
        "execute.conversation_id",
        lambda s, c, g, h: s.execute(h, MarkHeld(actor="m1", on=T0.date())),
    ),
    ("execute.actor", lambda s, c, g, h: s.execute(c, RaiseTopic(actor=h, text="t"))),
    ("confirm.actor", lambda s, c, g, h: s.execute(c, ConfirmRecord(actor=h, revision=1))),
    (
        "share.to",
        lambda s, c, g, h: s.share(
            GrantSharing(actor="e1", person="e1", to=h, what="agreements", purpose="handover")
        ),
    ),
    (
        "share.what",
        lambda s, c, g, h: s.share(
            GrantSharing(actor="e1", person="e1", to="m2", what=h, purpose="handover")
        ),
    ),
    (
        "share.purpose",
        lambda s, c, g, h: s.share(
            GrantSharing(actor="e1", person="e1", to="m2", what="agreements", purpose=h)
        ),
    ),
    (
        "share.conversation",
        lambda s, c, g, h: s.share(
            GrantSharing(
                actor="e1",
                person="e1",
                to="m2",
                what="agreements",
                purpose="handover",
                conversation=h,
            )
        ),
    ),
    (
        "goal.collaborator",
        lambda s, c, g, h: s.execute_goal(
            SetGoal(actor="e1", goal_id="g3", owner="e1", title="t", collaborators=[h])
        ),
    ),
    (
        "organisation.person",
        lambda s, c, g, h: s.import_organisation(
            Organisation.from_json(_org_json(id=h)), actor="hr"
        ),
    ),
    (
        "change_manager.team",
        lambda s, c, g, h: s.change_manager("org", h, "m1", T0.date(), actor="hr"),
    ),
    ("move_person.person", lambda s, c, g, h: s.move_person("org", h, "t1", T0.date(), actor="hr")),
    (
        "read.viewer",
        lambda s, c, g, h: read_conversation(s.store, c, viewer=h, purpose="advice", clock=s.clock),
    ),
    (
        "read.conversation",
        lambda s, c, g, h: s.read_conversation(h, viewer="e1", purpose="advice"),
    ),
    ("read_goal", lambda s, c, g, h: s.read_goal(h, viewer="e1", purpose="advice")),
    (
        "subject_access.person",
        lambda s, c, g, h: subject_access_export(s.store, h, requester="e1", clock=FixedClock(T0)),
    ),
    (
        "subject_access.requester",
        lambda s, c, g, h: subject_access_export(s.store, "e1", requester=h, clock=FixedClock(T0)),
    ),
    (
        "participation_report.asker",
        lambda s, c, g, h: participation_report(
            s.store, small_org(), start=date(2025, 1, 1), end=date(2026, 1, 1), asker=h, at=T0
        ),
    ),
    ("notice.recipient", lambda s, c, g, h: s.gateway.notice(f"conversation:{c}", recipient=h)),
]

ANSWER_ENTRIES: list[tuple[str, Callable[[Service, str, str, Any], object]]] = [
    ("prepare", lambda s, c, g, h: s.execute(c, SavePreparation(actor="e1", answers=h))),
    (
        "draft.answers",
        lambda s, c, g, h: s.execute(c, DraftRecord(actor="m1", summary="s", answers=h)),
    ),
]


def _refused(entry: Callable[[Service, str, str, Any], object], value: Any) -> None:
    service, conv, goal = _world()
    events, audit = _dump(service)
    with pytest.raises(MagcoreError):
        entry(service, conv, goal, value)
    events_after, audit_after = _dump(service)
    assert events_after == events
    # A command refused by the domain leaves its own audit line (result "refused"), nothing else.
    assert audit_after[: len(audit)] == audit
    assert all(line["result"] == "refused" for line in audit_after[len(audit) :])


@pytest.mark.parametrize(("name", "entry"), TEXT_ENTRIES, ids=[n for n, _ in TEXT_ENTRIES])
@given(value=hostile_text)
@settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow])
def test_hostile_text_is_refused_everywhere(name, entry, value):
    _refused(entry, value)


@pytest.mark.parametrize(("name", "entry"), ID_ENTRIES, ids=[n for n, _ in ID_ENTRIES])
@given(value=hostile_id)
@settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow])
def test_hostile_ids_are_refused_everywhere(name, entry, value):
    _refused(entry, value)


@pytest.mark.parametrize(("name", "entry"), ANSWER_ENTRIES, ids=[n for n, _ in ANSWER_ENTRIES])
@given(value=hostile_answers)
@settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow])
def test_hostile_answers_are_refused(name, entry, value):
    _refused(entry, value)


@pytest.mark.parametrize(("name", "entry"), ANSWER_ENTRIES, ids=[n for n, _ in ANSWER_ENTRIES])
@given(value=oversized_answers)
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_oversized_answers_are_refused(name, entry, value):
    """Answers too large as a whole (too many fields or items, too much text together): an
    InputRefused naming /answers before anything is decided, so not even an audit line."""
    service, conv, goal = _world()
    before = _dump(service)
    with pytest.raises(InputRefused) as refused:
        entry(service, conv, goal, value)
    assert all(p.pointer.startswith("/answers") for p in refused.value.problems)
    assert _dump(service) == before


#: Commands with lists too long or too much text together, each text passing on its own.
OVERSIZED_COMMANDS: list[tuple[str, str, Callable[[Service, str, str], object]]] = [
    (
        "draft.agreements",
        "/agreements",
        lambda s, c, g: s.execute(
            c,
            DraftRecord(
                actor="m1",
                summary="s",
                agreements=[
                    Agreement(id=f"a{i}", text="t", owner="employee")
                    for i in range(ip.MAX_ITEMS + 1)
                ],
            ),
        ),
    ),
    (
        "draft.agreement_texts",
        "/agreements",
        lambda s, c, g: s.execute(
            c,
            DraftRecord(
                actor="m1",
                summary="s",
                agreements=[
                    Agreement(id=f"a{i}", text="t" * 60_000, owner="employee") for i in range(20)
                ],
            ),
        ),
    ),
    (
        "draft.themes",
        "/themes",
        lambda s, c, g: s.execute(
            c, DraftRecord(actor="m1", summary="s", themes=["work"] * (ip.MAX_ITEMS + 1))
        ),
    ),
    (
        "goal.collaborators",
        "/collaborators",
        lambda s, c, g: s.execute_goal(
            SetGoal(
                actor="e1",
                goal_id="g3",
                owner="e1",
                title="t",
                collaborators=[f"p{i}" for i in range(ip.MAX_ITEMS + 1)],
            )
        ),
    ),
]


@pytest.mark.parametrize(
    ("name", "pointer", "entry"), OVERSIZED_COMMANDS, ids=[n for n, _, _ in OVERSIZED_COMMANDS]
)
def test_oversized_commands_are_refused_naming_the_field(name, pointer, entry):
    service, conv, goal = _world()
    events, audit = _dump(service)
    with pytest.raises(InputRefused) as refused:
        entry(service, conv, goal)
    assert [p.pointer for p in refused.value.problems] == [pointer]
    assert _dump(service) == (events, audit)


@given(value=hostile_answers)
@settings(max_examples=25)
def test_forms_report_hostile_answers_as_problems(value):
    form = mag_form("agreement")
    # Plain str (the compiled engine takes no str subclass such as _Huge).
    value = {str(k): str(v) if isinstance(v, str) else v for k, v in value.items()}
    problems = validate(form, value, language="nl")
    assert problems
    assert all(p.pointer.startswith("/") for p in problems)


@pytest.mark.parametrize(
    ("name", "entry"),
    [
        (
            "request",
            lambda s, c, g, h: s.request(
                cycle="mag@1",
                kind="mag",
                participants=[Participant(h, "employee"), Participant("m1", "manager")],
                actor="m1",
            ),
        ),
        (
            "share.to",
            lambda s, c, g, h: s.share(
                GrantSharing(actor="e1", person="e1", to=h, what="agreements", purpose="handover")
            ),
        ),
    ],
)
@given(value=st.from_regex(r"\Aghost-[a-z0-9]{1,8}\Z"))
@settings(max_examples=10)
def test_unknown_people_are_refused(name, entry, value):
    """Well-formed ids of people the organisation does not know: refused, nothing stored."""
    _refused(entry, value)


# -- the command line ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A ``magcore`` folder with the test organisation and one held conversation of e1."""
    workdir = tmp_path_factory.mktemp("hostile-cli")
    (workdir / "org.csv").write_text(ORG_CSV, encoding="utf-8")
    assert _cli(workdir, "init").exit_code == 0
    assert _cli(workdir, "import-org", str(workdir / "org.csv")).exit_code == 0
    approve_by_cli(lambda *args: _cli(workdir, *args))
    plan = _cli(
        workdir, "plan", "--from", "2025-01-01", "--to", "2026-01-01", "--request", "--json"
    )
    conv = next(
        r["conversation"] for r in json.loads(plan.stdout)["requested"] if r["person"] == "e1"
    )
    assert _cli(workdir, "schedule", conv, "--on", "2025-03-20T10:00", "--as", "m1").exit_code == 0
    return workdir, conv


def _cli(workdir: Path, *args: str) -> Any:
    from magcore.cli import cli
    from magcore.cli._app import App

    app = App(config_path=workdir / "magcore.toml", host=make_host("employee-manager.json"))
    with contextlib.chdir(workdir):
        return CliRunner().invoke(
            cli, list(args), obj=app, env={"MAGCORE_NOW": "2025-03-10T09:00:00+00:00"}
        )


def _db_dump(workdir: Path) -> Any:
    with sqlite3.connect(workdir / "magcore.db") as conn:
        events = conn.execute("SELECT * FROM events ORDER BY 1").fetchall()
        audit = conn.execute("SELECT * FROM audit ORDER BY 1").fetchall()
    return events, audit


#: Each command with a text option, as argv builders of (conversation, hostile value).
TEXT_COMMANDS: list[tuple[str, Callable[[str, str], list[str]]]] = [
    ("record --summary", lambda c, h: ["record", c, "--as", "m1", "--summary", h]),
    (
        "record --agreement",
        lambda c, h: ["record", c, "--as", "m1", "--summary", "s", "--agreement", f"employee:{h}"],
    ),
    ("dissent text", lambda c, h: ["dissent", c, h, "--as", "e1"]),
    (
        "schedule --place",
        lambda c, h: ["schedule", c, "--on", "2025-03-21T10:00", "--as", "m1", "--place", h],
    ),
    ("import-org --name", lambda c, h: ["import-org", "org.csv", "--name", h]),
]

#: Each command with an id option or argument.
ID_COMMANDS: list[tuple[str, Callable[[str, str], list[str]]]] = [
    ("record --theme", lambda c, h: ["record", c, "--as", "m1", "--summary", "s", "--theme", h]),
    ("record --as", lambda c, h: ["record", c, "--as", h, "--summary", "s"]),
    ("record conversation", lambda c, h: ["record", h, "--as", "m1", "--summary", "s"]),
    ("dissent --as", lambda c, h: ["dissent", c, "text", "--as", h]),
    ("agree conversation", lambda c, h: ["agree", h, "--as", "e1"]),
    ("agree --as", lambda c, h: ["agree", c, "--as", h]),
    ("export person", lambda c, h: ["export", "person", h, "--as", "e1"]),
    ("export person --as", lambda c, h: ["export", "person", "e1", "--as", h]),
    ("export records --as", lambda c, h: ["export", "records", "--as", h]),
    ("export ics --person", lambda c, h: ["export", "ics", "--person", h]),
    ("import-org --as", lambda c, h: ["import-org", "org.csv", "--as", h]),
    ("schedule --as", lambda c, h: ["schedule", c, "--on", "2025-03-21T10:00", "--as", h]),
]


def _assert_refused(workdir: Path, args: list[str]) -> None:
    before = _db_dump(workdir)
    result = _cli(workdir, *args)
    assert isinstance(result.exception, SystemExit), result.exception  # never a traceback
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    assert _db_dump(workdir) == before


def _argv(workdir: Path, argv: Callable[[str, str], list[str]], conv: str, value: str) -> list[str]:
    return [str(workdir / a) if a == "org.csv" else a for a in argv(conv, value)]


@pytest.mark.parametrize(("name", "argv"), TEXT_COMMANDS, ids=[n for n, _ in TEXT_COMMANDS])
@given(value=hostile_text)
@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_every_command_refuses_hostile_text(folder, name, argv, value):
    workdir, conv = folder
    _assert_refused(workdir, _argv(workdir, argv, conv, value))


@pytest.mark.parametrize(("name", "argv"), ID_COMMANDS, ids=[n for n, _ in ID_COMMANDS])
@given(value=hostile_id)
@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_every_command_refuses_hostile_ids(folder, name, argv, value):
    workdir, conv = folder
    _assert_refused(workdir, _argv(workdir, argv, conv, value))


@given(
    depth=st.integers(ip.MAX_JSON_DEPTH + 1, 3000),
    text=st.one_of(
        st.none(), hostile_text.filter(lambda t: "\ud800" not in t and "\udfff" not in t)
    ),
)
@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_record_answers_file_refuses_deep_or_hostile_json(folder, depth, text):
    """``magcore record --answers FILE``: 3,000 levels deep was a RecursionError; now one line."""
    workdir, conv = folder
    answers = workdir / "answers.json"
    if text is None:
        body = '{"work": ' + "[" * depth + "]" * depth + "}"
    else:
        body = json.dumps({"work": text}, ensure_ascii=False)
    answers.write_text(body, encoding="utf-8")
    _assert_refused(
        workdir, ["record", conv, "--as", "m1", "--summary", "s", "--answers", str(answers)]
    )


def test_record_answers_file_that_is_not_utf8(folder):
    workdir, conv = folder
    answers = workdir / "latin1.json"
    answers.write_bytes(b'{"work": "caf\xe9"}')
    _assert_refused(
        workdir, ["record", conv, "--as", "m1", "--summary", "s", "--answers", str(answers)]
    )
