"""Input that once slipped past the input policy: refused at the boundary, nothing stored.

Each test feeds one kind of input that used to be accepted (or refused only by the store, after
an audit line or a key was written, or with a ``TypeError``) and checks that it is now a named
:class:`~magcore.errors.MagcoreError` and that the store is as it was: every event, every audit
line and the key table.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from magcore.access.reading import read_conversation, read_goal
from magcore.app import measurement
from magcore.app.service import Service
from magcore.cli.orgcsv import OrgCsvError, read_organisation_csv
from magcore.domain.conversation import DraftRecord, MarkHeld, SavePreparation
from magcore.domain.sharing import GrantSharing
from magcore.errors import (
    DefinitionError,
    InputRefused,
    MagcoreError,
    NotFoundError,
    RecordInvalidError,
)
from magcore.model import input_policy as ip
from magcore.model.measurement import RoundState
from magcore.model.organisation import Assignment, Organisation, Person, Return
from magcore.model.orgtables import PeopleTable

from ..cli.conftest import ORG_CSV
from ..sharing.support import T0, small_org
from ..support.measurement import QUESTIONNAIRE
from ..support.measurement import service as measurement_service
from .test_input_policy_hostile import requested


def _contents(service: Service) -> tuple[Any, ...]:
    """Everything the store holds: events, audit lines and the key table."""
    store: Any = service.store
    keys = [repr(k) for k in store.list_keys()] if hasattr(store, "list_keys") else None
    return list(store.read_all()), list(store.read_audit()), keys


@pytest.fixture
def world() -> Iterator[tuple[Service, str]]:
    """A service with an organisation and one requested conversation of e1 (id returned)."""
    service, conversation = requested()
    yield service, conversation
    service.close()


def _refused(
    service: Service, call: Callable[[], object], error: type[Exception] = MagcoreError
) -> Exception:
    """*call* raises *error* and leaves the store as it was; the error is returned."""
    before = _contents(service)
    with pytest.raises(error) as raised:
        call()
    assert _contents(service) == before
    return raised.value


# -- e-mail addresses ---------------------------------------------------------------------------

HOSTILE_EMAILS = {
    "escape": "a\x1b[31m@example.nl",
    "rlo": "a\u202e@example.nl",
    "del": "a\x7f@example.nl",
    "lri": "a\u2066@example.nl",
    "c1": "a\x9b@example.nl",
    "nel": "a\x85@example.nl",
    "nul": "a\x00@example.nl",
    "lone-surrogate": "a\ud800@example.nl",
    "lrm": "a\u200e@example.nl",
    "over-the-cap": "a" * 100_000 + "@example.nl",
    "over-254": "a" * 250 + "@example.nl",
    "trailing-newline": "a@example.nl\n",
}


def _org_with(email: str) -> Organisation:
    data = small_org().to_json()
    data["people"] = [*data["people"], {"id": "x1", "email": email}]
    return Organisation.from_json(data)


@pytest.mark.parametrize("email", HOSTILE_EMAILS.values(), ids=HOSTILE_EMAILS.keys())
def test_an_email_address_follows_the_text_policy(world, email):
    service, _ = world
    error = _refused(service, lambda: service.import_organisation(_org_with(email), actor="hr"))
    assert isinstance(error, DefinitionError)
    assert error.pointer == "/people/11/email"
    with pytest.raises(DefinitionError) as raised:
        Person(id="x1", email=email)
    assert raised.value.pointer == "/email"
    with pytest.raises(DefinitionError) as raised:
        PeopleTable(["x1", "x2"], email=["ok@example.nl", email])
    assert raised.value.pointer == "/email/1"


#: The hostile addresses a CSV line can hold (a line break ends the line, so it is no value).
IN_ONE_CSV_LINE = {
    name: email
    for name, email in HOSTILE_EMAILS.items()
    if not email.endswith("\n") and "\x85" not in email
}


@pytest.mark.parametrize("email", IN_ONE_CSV_LINE.values(), ids=IN_ONE_CSV_LINE.keys())
def test_an_email_address_in_the_organisation_csv_follows_the_text_policy(world, email):
    service, _ = world
    header, *rows = ORG_CSV.splitlines()
    lines = [f"{header},email", *(f"{row}," for row in rows[:-1]), f"{rows[-1]},{email}"]
    text = "\n".join(lines) + "\n"

    def read_and_import() -> None:
        org = read_organisation_csv("org.csv", org_id="org", text=text)
        service.import_organisation(org, actor="hr")

    error = _refused(service, read_and_import, OrgCsvError)
    assert isinstance(error, OrgCsvError)
    assert any("email" in p.message for p in error.problems), error.problems


def test_a_good_email_address_is_kept_in_nfc():
    assert Person(id="x1", email="jose\u0301@example.nl").email == "jos\u00e9@example.nl"
    table = PeopleTable(["x1"], email=["jose\u0301@example.nl"])
    assert table["x1"].email == "jos\u00e9@example.nl"
    assert ip.is_email("a" * 243 + "@example.nl")  # 254 characters
    assert ip.email_problem("a" * 244 + "@example.nl", pointer="/email") is not None


# -- purposes -----------------------------------------------------------------------------------

HOSTILE_PURPOSES = {
    "escape-and-rlo": "x\u202e\x1b[31m",
    "empty": "",
    "space": "hr overview",
    "slash": "../x",
    "newline": "advice\nforged audit line",
    "too-long": "p" * 300,
    "not-a-text": 5,
}

#: Every public read that takes a purpose, as call(service, conversation id, purpose).
PURPOSE_READS: dict[str, Callable[[Service, str, Any], object]] = {
    "read_conversation": lambda s, c, p: read_conversation(
        s.store, c, viewer="e1", purpose=p, clock=s.clock
    ),
    "read_goal": lambda s, c, p: read_goal(s.store, "g1", viewer="e1", purpose=p, clock=s.clock),
    "service.read_conversation": lambda s, c, p: s.read_conversation(c, viewer="e1", purpose=p),
    "service.read_goal": lambda s, c, p: s.read_goal("g1", viewer="e1", purpose=p),
    "service.view": lambda s, c, p: s.view(c, actor="e1", purpose=p),
    "service.view_goal": lambda s, c, p: s.view_goal("g1", actor="e1", purpose=p),
    "service.listing": lambda s, c, p: s.listing("e1", purpose=p),
    "service.profile": lambda s, c, p: s.profile(c, actor="e1", purpose=p),
    "service.profile_overview": lambda s, c, p: s.profile_overview(
        actor="m1", cycle="mag@1", purpose=p
    ),
}


@pytest.mark.parametrize("read", PURPOSE_READS.values(), ids=PURPOSE_READS.keys())
@pytest.mark.parametrize("purpose", HOSTILE_PURPOSES.values(), ids=HOSTILE_PURPOSES.keys())
def test_a_purpose_is_an_id(world, read, purpose):
    """A purpose lands in the audit line: checked as an id before anything is read or written."""
    service, conv = world
    error = _refused(service, lambda: read(service, conv, purpose), InputRefused)
    assert isinstance(error, InputRefused)
    assert [p.pointer for p in error.problems] == ["/purpose"]


@pytest.mark.parametrize("read", PURPOSE_READS.values(), ids=PURPOSE_READS.keys())
def test_a_purpose_that_is_an_id_is_read_as_before(world, read):
    service, conv = world
    with contextlib.suppress(NotFoundError):  # no goal g1, no profile in the cycle
        read(service, conv, "advice")


# -- actors -------------------------------------------------------------------------------------

HOSTILE_ACTORS = {
    "slash": "../x",
    "empty": "",
    "escape": "hr\x1b[2K",
    "rlo": "hr\u202e",
    "space": "h r",
    "not-a-text": 7,
}

#: Every public call that takes an actor and wrote it unchecked, as call(service, actor).
ACTOR_CALLS: dict[str, Callable[[Service, Any], object]] = {
    "import_organisation": lambda s, a: s.import_organisation(_org_with("x1@example.nl"), actor=a),
    "import_organisation.same": lambda s, a: s.import_organisation(small_org(), actor=a),
    "import_organisation_summary": lambda s, a: s.import_organisation_summary(
        _org_with("x1@example.nl"), actor=a
    ),
    "change_manager": lambda s, a: s.change_manager("org", "t1", "m2", T0.date(), actor=a),
    "move_person": lambda s, a: s.move_person("org", "e2", "t0", T0.date(), actor=a),
    "sharing": lambda s, a: s.sharing("e1", actor=a),
}


@pytest.mark.parametrize("call", ACTOR_CALLS.values(), ids=ACTOR_CALLS.keys())
@pytest.mark.parametrize("actor", HOSTILE_ACTORS.values(), ids=HOSTILE_ACTORS.keys())
def test_an_actor_is_an_id(world, call, actor):
    service, _ = world
    error = _refused(service, lambda: call(service, actor), InputRefused)
    assert isinstance(error, InputRefused)
    assert [p.pointer for p in error.problems] == ["/actor"]


@pytest.mark.parametrize("actor", HOSTILE_ACTORS.values(), ids=HOSTILE_ACTORS.keys())
def test_a_measurement_actor_is_an_id(actor):
    svc = measurement_service("memory://", {"big": 6})
    opened = measurement.open_round(
        svc, series="s-1", unit="big", phase="baseline", questionnaire=QUESTIONNAIRE, actor="hr"
    )
    for call in (
        lambda: measurement.open_round(
            svc,
            series="s-2",
            unit="big",
            phase="baseline",
            questionnaire=QUESTIONNAIRE,
            actor=actor,
        ),
        lambda: measurement.close_round(svc, opened.round.id, actor=actor),
    ):
        before = _contents(svc)
        with pytest.raises(InputRefused) as raised:
            call()
        assert [p.pointer for p in raised.value.problems] == ["/actor"]
        assert _contents(svc) == before
    assert measurement.load_round(svc, opened.round.id).state is RoundState.OPEN
    svc.close()


# -- days of the wrong type ---------------------------------------------------------------------

WRONG_DAYS = {
    "impossible-text": "2026-02-30",
    "text": "2026-03-01",
    "date-and-time": datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
    "number": 20260301,
}


@pytest.mark.parametrize("until", WRONG_DAYS.values(), ids=WRONG_DAYS.keys())
def test_a_sharing_choice_until_that_is_no_day_is_refused(world, until):
    service, _ = world

    def grant() -> None:
        service.share(
            GrantSharing(
                actor="e1", person="e1", to="m2", what="agreements", purpose="handover", until=until
            )
        )

    error = _refused(service, grant, InputRefused)
    assert isinstance(error, InputRefused)
    assert [p.pointer for p in error.problems] == ["/until"]


def _org_with_person(**fields: Any) -> Organisation:
    org = small_org()
    return Organisation.build(
        id="org",
        people=[*org.people.values(), Person(id="x1", **fields)],
        teams=list(org.teams.values()),
        assignments=list(org.assignments),
    )


@pytest.mark.parametrize("field", ["hired_on", "left_on"])
@pytest.mark.parametrize("day", WRONG_DAYS.values(), ids=WRONG_DAYS.keys())
def test_a_person_date_that_is_no_day_is_refused(world, field, day):
    service, _ = world
    error = _refused(
        service,
        lambda: service.import_organisation(_org_with_person(**{field: day}), actor="hr"),
        DefinitionError,
    )
    assert isinstance(error, DefinitionError)
    assert error.pointer == f"/{field}"


@pytest.mark.parametrize("day", WRONG_DAYS.values(), ids=WRONG_DAYS.keys())
def test_an_assignment_or_return_date_that_is_no_day_is_refused(day):
    with pytest.raises(DefinitionError) as raised:
        Assignment(person="e1", team="t1", role="member", start=day)
    assert raised.value.pointer == "/start"
    with pytest.raises(DefinitionError) as raised:
        Assignment(person="e1", team="t1", role="member", start=date(2024, 1, 1), end=day)
    assert raised.value.pointer == "/end"
    with pytest.raises(DefinitionError) as raised:
        Return(on=day, absent_days=30)
    assert raised.value.pointer == "/on"


# -- numbers in answers -------------------------------------------------------------------------

HOSTILE_NUMBERS = {
    "10**5000": {"a": 10**5000},
    "2**53+1": {"a": 2**53 + 1},
    "-(2**53+1)": {"a": -(2**53) - 1},
    "nan": {"a": float("nan")},
    "infinity": {"a": float("inf")},
    "-infinity": {"a": float("-inf")},
    "nested-nan": {"a": [{"b": float("nan")}]},
}
_POINTERS = {"nested-nan": "/answers/a/0/b"}


@pytest.mark.parametrize("name", HOSTILE_NUMBERS)
@pytest.mark.parametrize("command", ["prepare", "draft"])
def test_numbers_in_answers_are_finite_and_exact(world, command, name):
    service, conv = world
    service.execute(conv, MarkHeld(actor="m1", on=T0.date()))
    answers = HOSTILE_NUMBERS[name]

    def execute() -> None:
        if command == "prepare":
            service.execute(conv, SavePreparation(actor="e1", answers=answers))
        else:
            service.execute(conv, DraftRecord(actor="m1", summary="s", answers=answers))

    error = _refused(service, execute, InputRefused)
    assert isinstance(error, InputRefused)
    assert [p.pointer for p in error.problems] == [_POINTERS.get(name, "/answers/a")]
    assert {p.keyword for p in error.problems} == {"number"}


def test_numbers_within_the_range_pass_the_input_policy(world):
    service, conv = world
    answers = {"a": 2**53, "b": -(2**53), "c": 1e300, "d": -0.5, "e": True}
    assert not list(ip.json_problems(answers))
    # the input policy lets them through; this kind has no form, so it takes texts only
    version = service.store.version(f"conversation:{conv}")
    with pytest.raises(RecordInvalidError) as refused:
        service.execute(conv, SavePreparation(actor="e1", answers=answers))
    assert [p.pointer for p in refused.value.problems] == ["/a", "/b", "/c", "/d", "/e"]
    assert {p.keyword for p in refused.value.problems} == {"type"}
    assert service.store.version(f"conversation:{conv}") == version
    for text in ("NaN", "Infinity", "-Infinity", str(2**53 + 1)):
        with pytest.raises(InputRefused):
            ip.load_json('{"a": ' + text + "}")
