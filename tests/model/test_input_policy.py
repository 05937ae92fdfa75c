"""The input policy, rule by rule: each refusal names the field and the reason."""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from datetime import date

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from magcore.domain.conversation import AddDissent, DraftRecord, RaiseTopic, SavePreparation
from magcore.domain.sharing import GrantSharing
from magcore.errors import DefinitionError, InputRefused
from magcore.forms import validate
from magcore.forms.validation import FormValidator
from magcore.model import input_policy as ip
from magcore.model.cycle import ParticipantRole
from magcore.model.organisation import Organisation, Person, Team
from magcore.model.records import Agreement, Participant

from ..forms.support import mag_form


def _only(exc: InputRefused) -> tuple[str, str]:
    assert len(exc.problems) == 1, exc.problems
    return exc.problems[0].pointer, exc.problems[0].message


@pytest.mark.parametrize(
    ("char", "what"),
    [
        ("\x00", "control character U+0000"),
        ("\r", "control character U+000D"),
        ("\x1b", "control character U+001B"),
        ("\x7f", "control character U+007F"),
        ("\x85", "C1 control character U+0085"),
        ("\ud800", "lone surrogate"),
        ("\u202e", "bidirectional control character U+202E"),
        ("\u2066", "bidirectional control character U+2066"),
        ("\u2069", "bidirectional control character U+2069"),
        ("\u200f", "bidirectional control character U+200F"),
        ("\u061c", "bidirectional control character U+061C"),
        ("\U000e0041", "invisible tag character U+E0041"),
        ("\U000e0001", "invisible tag character U+E0001"),
        ("\U000e007f", "invisible tag character U+E007F"),
        ("\u2028", "line or paragraph separator U+2028"),
        ("\u2029", "line or paragraph separator U+2029"),
        ("\ufff9", "interlinear annotation character U+FFF9"),
        ("\u206e", "deprecated format character U+206E"),
        ("\ufdd0", "noncharacter U+FDD0"),
        ("\uffff", "noncharacter U+FFFF"),
    ],
)
def test_forbidden_characters_are_refused_with_field_and_position(char, what):
    with pytest.raises(InputRefused) as caught:
        RaiseTopic(actor="p000022", text=f"ab{char}cd")
    pointer, message = _only(caught.value)
    assert pointer == "/text"
    assert what in message
    assert "position 2" in message


def test_text_beside_the_tag_characters_is_text():
    """The characters either side of the tag block, emoji beyond U+FFFF, the zero-width joiner
    (emoji, Indic scripts) and the soft hyphen stay text."""
    for char in ("\U000dffff", "\U000e0080", "\U000e0100", "\U0001f600", "\u200d", "\u00ad"):
        assert ip.text_problem(f"ab{char}cd", pointer="/t") is None, hex(ord(char))


def test_the_tag_characters_are_refused_by_both_form_engines():
    """Hidden words in tag characters ("ASCII smuggling") are refused by the form's folded
    schema (jsonschema-rs) and by the pure-Python engine alike, named at their field."""
    form = mag_form("agreement")
    smuggled = "Goed gesprek\U000e0049\U000e0047\U000e004e"
    record = {"held_on": "2025-03-10", "summary": smuggled}
    problems = validate(form, record, language="nl")
    assert [(p.pointer, p.keyword) for p in problems] == [("/summary", "characters")]
    validator = FormValidator.build(form)
    assert not validator.is_valid(record)
    assert validator.validate_many([record, {**record, "summary": "Goed"}])[1] == ()
    assert [p.pointer for p in validator.validate_many([record])[0]] == ["/summary"]
    assert not jsonschema.Draft202012Validator({"pattern": ip.TEXT_PATTERN}).is_valid(smuggled)
    assert re.search(ip.TEXT_PATTERN, smuggled) is None
    assert re.search(ip.TEXT_PATTERN, "Goed gesprek \U0001f600") is not None


def test_a_lone_surrogate_is_named_before_an_earlier_control_character():
    """A text with a surrogate cannot be encoded at all, so that is the problem reported even
    when a control character comes first (a form engine downstream must never see it)."""
    problem = ip.text_problem("\x00\ud800", pointer="/work")
    assert problem is not None
    assert problem.keyword == "surrogate"
    assert "position 1" in problem.message
    form = mag_form("agreement")
    problems = validate(form, {"work": "\x00\ud800"}, language="nl")
    assert [p.keyword for p in problems] == ["surrogate"]


def test_tab_and_newline_are_text():
    topic = RaiseTopic(actor="p1", text="line one\n\tline two")
    assert topic.text == "line one\n\tline two"


def test_texts_are_stored_in_nfc():
    decomposed = "Jose\u0301 e\u0301e\u0301n"
    assert not unicodedata.is_normalized("NFC", decomposed)
    dissent = AddDissent(actor="p1", text=decomposed)
    assert dissent.text == "José één"
    assert unicodedata.is_normalized("NFC", dissent.text)


def test_the_global_cap_is_64_kib_of_utf8():
    assert ip.check_text("a" * ip.MAX_TEXT_BYTES, pointer="/x")
    with pytest.raises(InputRefused, match="64 KiB"):
        ip.check_text("a" * (ip.MAX_TEXT_BYTES + 1), pointer="/x")
    # 2-byte characters: half as many fit.
    with pytest.raises(InputRefused, match="64 KiB"):
        DraftRecord(actor="p1", summary="é" * (ip.MAX_TEXT_BYTES // 2 + 1))


def test_a_field_limit_below_the_cap_is_honoured():
    with pytest.raises(InputRefused) as caught:
        ip.check_text("x" * 11, pointer="/name", max_length=10)
    assert _only(caught.value) == ("/name", "is 11 characters long; at most 10")


@pytest.mark.parametrize(
    "good", ["p000022", "team-7", "mag@1", "3f2a9c0d11aa22bb", "3f2a9c#a1", "c2#c1#a1", "theme:x"]
)
def test_existing_kinds_of_ids_are_ids(good):
    assert ip.is_valid_id(good)


@pytest.mark.parametrize(
    "bad",
    ["", " p1", "p 1", "p1\n", "p1/..", "-p1", "#a1", "a1#", "a##b", "p\u202e1", "pé", "a" * 256],
)
def test_anything_else_is_not_an_id(bad):
    assert not ip.is_valid_id(bad)
    with pytest.raises(InputRefused) as caught:
        Participant(bad, "employee")
    pointer, message = _only(caught.value)
    assert pointer == "/person"
    assert "not a valid id" in message


def test_the_id_pattern_matches_is_valid_id():
    import re

    for value in ("p1", "mag@1", "a#b", "a b", "é"):
        assert ip.is_valid_id(value) == bool(re.fullmatch(ip.ID_PATTERN, value, re.ASCII))


def test_organisation_ids_and_names_follow_the_policy():
    with pytest.raises(DefinitionError, match="not a valid id"):
        Person(id="p\x001")
    with pytest.raises(DefinitionError, match="U\\+202E"):
        Team(id="t1", name="Team \u202eNoord")
    with pytest.raises(DefinitionError) as caught:
        Organisation.from_json({"id": "org", "people": [{"id": "p\u20661"}], "teams": []})
    assert caught.value.pointer == "/people/0/id"
    assert Team(id="t1", name="Team Noord", department="Sociaal Domein").name == "Team Noord"


def test_agreement_ids_and_texts_follow_the_policy():
    with pytest.raises(InputRefused):
        Agreement(id="a1", text="do\x00ne", owner="employee")
    with pytest.raises(InputRefused):
        Agreement(id="a 1", text="done", owner="employee")


def test_sharing_choices_take_ids_only():
    with pytest.raises(InputRefused) as caught:
        GrantSharing(actor="e1", person="e1", to="m\u202e2", what="agreements", purpose="handover")
    assert caught.value.problems[0].pointer == "/to"
    with pytest.raises(InputRefused):
        GrantSharing(
            actor="e1",
            person="e1",
            to="m2",
            what="agreements",
            purpose="handover",
            until=None,
            conversation="c 1",
        )


def _nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def test_deep_json_is_a_named_error_not_a_recursion_error():
    with pytest.raises(InputRefused, match="deeper than 32"):
        ip.load_json(_nested(3000))
    with pytest.raises(InputRefused, match="deeper than 32"):
        ip.load_json('{"a": ' * 100_000 + "1" + "}" * 100_000)
    assert ip.load_json(_nested(ip.MAX_JSON_DEPTH)) is not None


def test_brackets_inside_strings_do_not_count_as_depth():
    text = json.dumps({"a": "[" * 100 + '\\"{' * 50})
    assert ip.load_json(text) == json.loads(text)


def test_json_texts_and_keys_follow_the_policy():
    with pytest.raises(InputRefused) as caught:
        ip.load_json('{"work": "fine\\u0000", "ok\\u202e": 1}')
    pointers = {p.pointer for p in caught.value.problems}
    assert pointers == {"/work", "/ok\u202e"}


def test_bad_json_and_bad_encoding_are_named_errors():
    with pytest.raises(InputRefused, match="not JSON"):
        ip.load_json("{summary:")
    with pytest.raises(InputRefused, match="not UTF-8"):
        ip.load_json(b'{"a": "\xff"}')


def test_answers_in_commands_are_checked_and_normalised():
    with pytest.raises(InputRefused) as caught:
        SavePreparation(actor="p1", answers={"a": [[[{"b": "x\x07"}]]]})
    assert caught.value.problems[0].pointer == "/answers/a/0/0/0/b"
    deep: object = "x"
    for _ in range(40):
        deep = [deep]
    with pytest.raises(InputRefused, match="deeper than 32"):
        DraftRecord(actor="p1", answers={"a": deep})
    prep = SavePreparation(actor="p1", answers={"a": "e\u0301"})
    assert prep.answers == {"a": "é"}


def test_csv_helpers_name_the_problem():
    limit = ip.csv_field_limit()
    assert limit == ip.MAX_CSV_FIELD
    old = csv.field_size_limit(limit)
    try:
        reader = csv.reader(io.StringIO("a,b\n" + "x" * (limit + 1) + ",y\n"))
        with pytest.raises(csv.Error) as raised:
            list(reader)
        error = ip.csv_error(raised.value, line=reader.line_num)
    finally:
        csv.field_size_limit(old)
    assert isinstance(error, InputRefused)
    assert "longer than 65,536 characters" in str(error)
    with pytest.raises(InputRefused, match="not UTF-8"):
        ip.decode_text(b"naam\n\xe9", what="org.csv")


def test_unknown_people_are_refused_by_pointer():
    with pytest.raises(InputRefused) as caught:
        ip.check_known_people({"e1": object()}, [("/participants/0", "e1"), ("/to", "ghost")])
    assert _only(caught.value) == ("/to", "'ghost' is not a person in the organisation")


@given(st.text())
def test_check_text_either_refuses_or_returns_clean_nfc(value):
    try:
        clean = ip.check_text(value, pointer="/t")
    except InputRefused as exc:
        assert exc.problems[0].pointer == "/t"
    else:
        assert unicodedata.is_normalized("NFC", clean)
        assert ip.text_problem(clean, pointer="/t") is None
        assert not set(clean) & set(ip.BIDI_CONTROLS)


def test_a_date_is_not_a_text():
    with pytest.raises(InputRefused, match="must be a text"):
        ip.check_text(date(2025, 1, 1), pointer="/x")


def test_a_command_at_the_limits_passes_and_one_past_them_is_refused():
    """MAX_ITEMS items and MAX_COMMAND_BYTES of text together pass; one more item or byte not."""
    from magcore.domain.conversation import DraftRecord, SavePreparation
    from magcore.errors import InputRefused
    from magcore.model import input_policy as ip
    from magcore.model.records import Agreement

    def agreements(count: int) -> list[Agreement]:
        return [Agreement(id=f"a{i}", text="t", owner="employee") for i in range(count)]

    assert len(DraftRecord(actor="m1", agreements=agreements(ip.MAX_ITEMS)).agreements) == 500
    with pytest.raises(InputRefused) as refused:
        DraftRecord(actor="m1", agreements=agreements(ip.MAX_ITEMS + 1))
    assert [(p.pointer, p.keyword) for p in refused.value.problems] == [("/agreements", "maxItems")]
    chunk = ip.MAX_TEXT_BYTES
    full = {f"q{i}": "a" * chunk for i in range(16)}  # 16 x 64 KiB = 1 MiB, keys on top
    keys = sum(len(k) for k in full)
    full["q0"] = "a" * (chunk - keys - len("m1"))
    assert ip.MAX_COMMAND_BYTES == 1024 * 1024
    SavePreparation(actor="m1", answers=full)  # exactly the cap, the actor's id included
    with pytest.raises(InputRefused) as refused:
        SavePreparation(actor="m1", answers={**full, "q0": full["q0"] + "a"})
    [problem] = refused.value.problems
    assert (problem.pointer, problem.keyword) == ("/answers", "maxBytes")
    assert "1,048,577 bytes together" in problem.message


@settings(max_examples=200)
@given(
    value=st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False)
        | st.text(max_size=30)
        | st.sampled_from(list(ParticipantRole))  # a text's subclass: counted as a text
        | st.builds(  # attrs values inside a command: their fields are counted
            Participant,
            st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True),
            st.sampled_from(["employee", "manager", "peer"]),
        )
        | st.builds(
            Agreement,
            id=st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True),
            text=st.text("abcé ü€", min_size=1, max_size=12).filter(str.strip),
            owner=st.sampled_from(["employee", "both"]),
        ),
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(st.text(max_size=8), inner, max_size=4)
            | st.lists(inner, min_size=0, max_size=4).map(tuple)
        ),
        max_leaves=30,
    ),
    limit=st.sampled_from([2, 3, 500]),
)
def test_the_quick_size_of_a_command_agrees_with_the_walk_that_names_fields(value, limit):
    """``command_problems`` first sizes a command without making pointers; only a command over
    a limit is walked again to name the field. Both count the same bytes and find a list too
    long in the same values."""
    from magcore.model import input_commands

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(input_commands, "MAX_ITEMS", limit)
        walk = input_commands._Content()
        walk.walk(value, "/x")
        quick = input_commands._fast_size(value, False)
    assert (quick < 0) == (walk.problem is not None)
    if quick >= 0:
        assert quick == walk.size
