"""``--answer FIELD=TEXT`` read as the form asks: a whole number for an ``integer`` question."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from magcore.cli._answers import typed_answer

SCHEMA = {
    "type": "object",
    "properties": {
        "uren_per_week": {"type": "integer", "minimum": 0, "maximum": 60},
        "afstand_km": {"type": "number"},
        "thuiswerken": {"type": "boolean"},
        "toelichting": {"type": "string"},
        "ooit": {"type": ["integer", "null"]},
    },
}


@given(st.integers(-(10**17), 10**17))
def test_a_whole_number_answers_an_integer_question(number):
    assert typed_answer(SCHEMA, "uren_per_week", str(number)) == number
    assert typed_answer(SCHEMA, "ooit", f" {number} ") == number


@given(st.text())
def test_a_text_question_keeps_the_text_as_typed(text):
    assert typed_answer(SCHEMA, "toelichting", text) == text
    assert typed_answer(SCHEMA, "no_such_question", text) == text
    assert typed_answer(None, "uren_per_week", text) == text


def test_numbers_yes_and_no_and_what_is_not_of_the_shape():
    assert typed_answer(SCHEMA, "afstand_km", "12,5") == 12.5
    assert typed_answer(SCHEMA, "afstand_km", "12") == 12
    assert typed_answer(SCHEMA, "thuiswerken", "ja") is True
    assert typed_answer(SCHEMA, "thuiswerken", "Nee") is False
    # not of the shape: left as text, so the form's own check names the field
    assert typed_answer(SCHEMA, "uren_per_week", "zestien") == "zestien"
    assert typed_answer(SCHEMA, "uren_per_week", "16.5") == "16.5"
    assert typed_answer(SCHEMA, "thuiswerken", "misschien") == "misschien"
