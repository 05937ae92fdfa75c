"""Validation: problems with pointers and messages in the reader's language; two engines agree."""

from __future__ import annotations

import jsonschema
import jsonschema_rs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from magcore.errors import RecordInvalidError
from magcore.events import freeze
from magcore.forms import FormValidator, check, fast_available, validate, validator_for

from . import strategies
from .support import BROKEN, FILLED, mag_form

FORMS = {name: mag_form(name) for name in ("preparation", "agreement")}


@pytest.mark.parametrize("name", sorted(FORMS))
def test_filled_in_examples_are_valid(name):
    """The sample answers used in the docs and renderers are valid."""
    assert validate(FORMS[name], FILLED[name]) == []


def test_problems_point_at_each_field_in_form_order_in_dutch():
    """Each fault becomes one problem with its JSON pointer and a Dutch message naming the field."""
    problems = validate(FORMS["agreement"], BROKEN["agreement"], language="nl")

    assert [(p.pointer, p.keyword) for p in problems] == [
        ("/held_on", "format"),
        ("/summary", "required"),
        ("/agreements/0/text", "minLength"),
        ("/agreements/0/owner", "enum"),
        ("/agreements/1/text", "required"),
        ("/learning_hours", "minimum"),
    ]
    assert problems[0].message == (
        'Schrijf bij "Datum van het gesprek" een datum, bijvoorbeeld 2025-03-31.'
    )
    assert problems[4].message == 'Vul "Afspraak 2: Wat spreken jullie af?" in.'


def test_the_same_problems_in_english():
    """The reader's language decides the messages, not the pointers."""
    dutch = validate(FORMS["agreement"], BROKEN["agreement"], language="nl")
    english = validate(FORMS["agreement"], BROKEN["agreement"], language="en")

    assert [p.pointer for p in english] == [p.pointer for p in dutch]
    assert english[1].message == 'Fill in "Short summary".'
    assert english[5].message == (
        'Write a number of 0 or more in "How many hours a month are there for learning?" '
        "(in hours). Now it is -2."
    )


def test_too_long_text_and_unknown_option_and_unknown_field():
    """maxLength, a wrong option and a field the form does not have each give one problem."""
    document = {**BROKEN["preparation"], "shoe_size": 44}

    problems = validate(FORMS["preparation"], document, language="en")

    assert [(p.pointer, p.keyword) for p in problems] == [
        ("/going_well", "maxLength"),
        ("/themes/1", "enum"),
        ("/shoe_size", "additionalProperties"),
    ]
    assert "4001" in problems[0].message
    assert problems[2].message == 'This form has no field called "shoe_size".'


def test_check_raises_record_invalid_with_every_problem():
    """check() raises RecordInvalidError carrying all problems, never a jsonschema error."""
    with pytest.raises(RecordInvalidError) as caught:
        check(FORMS["agreement"], BROKEN["agreement"], language="en")

    assert len(caught.value.problems) == 6
    assert "mag-agreement@1" in str(caught.value)
    check(FORMS["agreement"], FILLED["agreement"])


def test_a_document_that_is_not_an_object_is_explained():
    """Even a list instead of answers gives a message, not a traceback."""
    problems = validate(FORMS["preparation"], ["not", "answers"], language="nl")

    assert [(p.pointer, p.keyword) for p in problems] == [("", "type")]
    assert "het formulier" in problems[0].message


def test_bulk_validation_matches_one_by_one():
    """validate_many returns the same problems as validate, per document."""
    documents = [FILLED["agreement"], BROKEN["agreement"], {}, FILLED["agreement"]]
    validator = validator_for(FORMS["agreement"])

    bulk = validator.validate_many(documents, language="en")

    assert bulk == [tuple(validate(FORMS["agreement"], d, language="en")) for d in documents]
    assert [bool(p) for p in bulk] == [False, True, True, False]


def test_fast_engine_is_used_when_installed_and_fallback_gives_same_verdicts():
    """With jsonschema-rs installed the compiled engine decides; without it jsonschema does."""
    assert fast_available()
    fast = FormValidator.build(FORMS["agreement"])
    slow = FormValidator.build(FORMS["agreement"], use_fast=False)

    assert fast.fast is not None
    assert slow.fast is None
    for document in (FILLED["agreement"], BROKEN["agreement"], {}):
        assert fast.is_valid(document) == slow.is_valid(document)


def _engines(name):
    schema = FORMS[name].json_schema()
    slow = jsonschema.Draft202012Validator(
        schema, format_checker=validator_for(FORMS[name]).explainer.format_checker
    )
    fast = jsonschema_rs.validator_for(schema, validate_formats=True, offline=True)
    return slow, fast


@pytest.mark.parametrize("name", sorted(FORMS))
@settings(max_examples=150)
@given(data=st.data())
def test_both_engines_accept_generated_valid_documents(name, data):
    """Documents drawn from the form definition are accepted by jsonschema and jsonschema-rs."""
    document = data.draw(strategies.answers(FORMS[name]))
    slow, fast = _engines(name)

    assert slow.is_valid(document)
    assert fast.is_valid(document)
    assert validate(FORMS[name], document) == []


@pytest.mark.parametrize("name", sorted(FORMS))
@settings(max_examples=150)
@given(data=st.data())
def test_both_engines_reject_generated_broken_documents(name, data):
    """A document with one deliberate fault is rejected by both engines and explained."""
    fault, document = data.draw(strategies.broken_answers(FORMS[name]))
    slow, fast = _engines(name)

    assert not slow.is_valid(document)
    assert not fast.is_valid(document)
    problems = validate(FORMS[name], document, language="nl")
    assert problems
    assert fault in {p.keyword for p in problems}


@pytest.mark.parametrize("name", sorted(FORMS))
@settings(max_examples=150)
@given(data=st.data())
def test_both_engines_explain_broken_documents_the_same_way(name, data):
    """The problems found through jsonschema-rs equal those found through jsonschema."""
    _, document = data.draw(strategies.broken_answers(FORMS[name]))
    fast = FormValidator.build(FORMS[name])
    slow = FormValidator.build(FORMS[name], use_fast=False)

    for language in ("nl", "en"):
        assert fast.problems(document, language=language) == slow.problems(
            document, language=language
        )


@pytest.mark.parametrize("name", sorted(FORMS))
@settings(max_examples=60)
@given(data=st.data(), broken=st.booleans())
def test_frozen_answers_get_the_verdict_of_plain_ones(name, data, broken):
    """Answers as an event holds them (read-only mappings, tuples: ``freeze``) are judged as
    the same answers in plain dicts and lists, by both engines and every entry point; the
    compiled validator does not take them as they are (it raised ``ValueError`` here)."""
    if broken:
        _, document = data.draw(strategies.broken_answers(FORMS[name]))
    else:
        document = data.draw(strategies.answers(FORMS[name]))
    frozen = freeze(document)
    for validator in (
        FormValidator.build(FORMS[name]),
        FormValidator.build(FORMS[name], use_fast=False),
    ):
        expected = tuple(validator.problems(document, language="en"))
        assert bool(expected) is broken
        assert validator.is_valid(frozen) is not broken
        assert validator.validate_many([frozen, document], language="en") == [expected] * 2
