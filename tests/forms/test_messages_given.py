"""A wrong choice and a number written with its unit: the message names the field, quotes
what was given (cut short, one line, no control characters) and says what is allowed: the
choices, or the unit the number is in. In Dutch, English and Frisian; both engines alike."""

from __future__ import annotations

import pytest

from magcore.forms import FormValidator, validate
from magcore.forms.validation import SHOWN_CHARACTERS, shown

from .support import FILLED, mag_form

AGREEMENT = mag_form("agreement")
PREPARATION = mag_form("preparation")


def _message(form, answers, pointer, language, keyword=None):
    [problem] = [
        p
        for p in validate(form, answers, language=language)
        if p.pointer == pointer and keyword in (None, p.keyword)
    ]
    return problem


def _agreement(**changes):
    return {**FILLED["agreement"], **changes}


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            'Choose one of the options for "Agreement 1: Who does it?": employee (The '
            'employee), manager (The manager), or both. "everyone" is not one of them.',
        ),
        (
            "nl",
            'Kies bij "Afspraak 1: Wie doet het?" een van de mogelijkheden: employee (De '
            'medewerker), manager (De leidinggevende) of both (Allebei). "everyone" is daar '
            "geen van.",
        ),
    ],
)
def test_a_choice_outside_the_list_names_the_field_the_value_and_the_choices(language, expected):
    answers = _agreement(agreements=[{"text": "Rooster bekijken", "owner": "everyone"}])
    problem = _message(AGREEMENT, answers, "/agreements/0/owner", language)
    assert problem.keyword == "enum"
    assert problem.message == expected


def test_a_long_label_is_cut_short_in_the_list_of_choices():
    answers = {**FILLED["preparation"], "themes": ["vitality", "weather"]}
    message = _message(PREPARATION, answers, "/themes/1", "en").message
    assert "vitality (Vitality: how is your energy?)" in message
    assert "social_safety (Social safety: do you feel sa…)" in message
    assert message.endswith('"weather" is not one of them.')


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            'Write a whole number in "How many hours a month are there for learning?" (in '
            'hours), without the unit or a decimal point. Now it says "8 uur".',
        ),
        (
            "nl",
            'Schrijf bij "Hoeveel uur per maand is er om te leren?" een heel getal (in uur), '
            'zonder de eenheid en zonder komma. Nu staat er "8 uur".',
        ),
        (
            "fy",
            'Skriuw by "Hoeveel uur per maand is er om te leren?" in hiel getal (yn oere), '
            'sûnder de ienheid en sûnder komma. No stiet der "8 uur".',
        ),
    ],
)
def test_a_number_written_with_its_unit_names_the_unit_and_the_value(language, expected):
    problem = _message(AGREEMENT, _agreement(learning_hours="8 uur"), "/learning_hours", language)
    assert problem.keyword == "type"
    assert problem.message == expected


def test_a_number_out_of_range_names_the_unit_and_the_value():
    problem = _message(AGREEMENT, _agreement(learning_hours=-2), "/learning_hours", "en")
    assert problem.message == (
        'Write a number of 0 or more in "How many hours a month are there for learning?" '
        "(in hours). Now it is -2."
    )


def test_the_value_quoted_is_cut_short_on_one_line_without_control_characters():
    hostile = "a\u202eb\x1b[2J\nc<script>" + "x" * 200
    quoted = shown(hostile)
    assert len(quoted) == SHOWN_CHARACTERS
    assert quoted.endswith("…")
    assert quoted.startswith("a\\u202eb\\u001b[2J c<script>")
    assert not any(ord(c) < 32 or 0x202A <= ord(c) <= 0x202E for c in quoted)
    assert shown({"a": [1, True, None]}) == '{"a": [1, true, null]}'
    answers = _agreement(agreements=[{"text": "Rooster", "owner": hostile}])
    message = _message(AGREEMENT, answers, "/agreements/0/owner", "en", "enum").message
    assert f'"{quoted}" is not one of them.' in message
    assert "x" * 50 not in message


@pytest.mark.parametrize(
    "answers",
    [
        _agreement(learning_hours="8 uur"),
        _agreement(learning_hours=-2),
        _agreement(learning_hours=8.5),
        _agreement(agreements=[{"text": "Rooster", "owner": "everyone"}]),
    ],
)
def test_both_engines_give_the_same_messages(answers):
    fast = FormValidator.build(AGREEMENT)
    slow = FormValidator.build(AGREEMENT, use_fast=False)
    assert fast.fast is not None
    for language in ("nl", "en"):
        assert fast.problems(answers, language=language) == slow.problems(
            answers, language=language
        )
