"""The input policy folded into a form's schema: one compiled call, never looser than the two.

``folded_schema`` puts the text rule, the number bounds and (where the form leaves keys open)
the key rule and the policy's levels into every node of a form's answers schema. The compiled
validator of the result may refuse more than the policy and the form together (long texts,
large whole floats: those are decided again, exactly), never less; and on the answers a form
really gets it says the same, so the bulk path takes one call.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from magcore.forms import FormDefinition, FormValidator
from magcore.forms import validation as v
from magcore.forms.policy_schema import folded_schema, policy_schema
from magcore.model import input_policy as ip

from .strategies import HOSTILE_TEXT, answers, broken_answers, hostile_json
from .support import mag_form

rs = pytest.importorskip("jsonschema_rs")

#: Schemas of several shapes, closed and open, with a form pattern and a condition.
SHAPES = {
    "closed": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "a": {"type": "string", "maxLength": 6},
            "b": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {"t": {"type": "string"}, "n": {"type": "integer"}},
                },
            },
            "c": {"type": "number"},
            "d": {"enum": ["x", "y", 3]},
        },
    },
    "open": {"type": "object", "properties": {"a": {"type": "string"}}},
    "anything": {},
    "own pattern": {
        "type": "object",
        "properties": {"code": {"type": "string", "pattern": "^[a-z\u202e]+$"}},
    },
    "condition": {
        "type": "object",
        "properties": {"kind": {"enum": ["home", "office"]}, "days": {"type": "integer"}},
        "allOf": [
            {
                "if": {"properties": {"kind": {"const": "home"}}, "required": ["kind"]},
                "then": {"required": ["days"]},
                "else": {"properties": {"days": False}},
            }
        ],
    },
    "untyped list": {"type": "array"},
    # found by a review: an untyped node let NaN and infinities through, a float maxLength
    # lost the form's own limit, a whole float in an enum matched a whole number beyond 2**53
    "untyped extras": {
        "type": "object",
        "properties": {"a": {"type": "string"}},
        "additionalProperties": {"description": "anything else"},
    },
    "float maxLength": {
        "type": "object",
        "properties": {"a": {"type": "string", "maxLength": 4.0}},
    },
    "whole float enum": {"type": "object", "properties": {"d": {"enum": ["x", 1e16]}}},
}

_KEYS = st.sampled_from(["a", "b", "c", "d", "t", "n", "code", "kind", "days"])
#: values whose keys are often the shapes' own fields, and whose texts often their options
_JSON = hostile_json(
    keys=_KEYS | HOSTILE_TEXT,
    texts=HOSTILE_TEXT | st.sampled_from(["home", "office", "x", "y", "abc", "a\u202eb"]),
    leaves=10,
)


def _both(validator: FormValidator, document: object) -> bool:
    """The exact verdict: the policy, then the form's own compiled schema."""
    return not list(ip.json_problems(document)) and bool(validator.fast.is_valid(document))


def _bulk(validator: FormValidator, document: object) -> bool:
    try:
        return bool(validator.bulk.is_valid(document))
    except (ValueError, TypeError, OverflowError):
        return False


def _large_whole_float(value: object) -> bool:
    if isinstance(value, float):
        return value == value and abs(value) > 2**53 and value.is_integer()
    if isinstance(value, dict):
        return any(_large_whole_float(item) for item in value.values())
    if isinstance(value, list):
        return any(_large_whole_float(item) for item in value)
    return False


def _validator(schema: dict) -> FormValidator:
    fast = rs.validator_for(schema, validate_formats=True, offline=True)
    folded = folded_schema(schema)
    assert folded is not None
    bulk = rs.validator_for(folded, validate_formats=True, offline=True)
    return FormValidator(form=mag_form("agreement"), fast=fast, bulk=bulk)


_VALIDATORS = {name: _validator(schema) for name, schema in SHAPES.items()}


@pytest.mark.parametrize("shape", sorted(SHAPES))
@given(document=_JSON)
def test_the_folded_schema_never_takes_what_the_policy_or_the_form_refuses(shape, document):
    validator = _VALIDATORS[shape]
    if _bulk(validator, document):
        assert _both(validator, document)


@pytest.mark.parametrize("shape", sorted(SHAPES))
@given(document=_JSON)
def test_short_documents_get_the_same_verdict(shape, document):
    """Without texts over 16,384 characters (these documents have none) or whole floats
    beyond 2**53, the one call decides exactly as the two."""
    assume(not _large_whole_float(document))
    validator = _VALIDATORS[shape]
    assert _bulk(validator, document) == _both(validator, document)


@pytest.mark.parametrize("name", ["preparation", "agreement"])
@given(data=st.data())
def test_mag_forms_take_their_answers_in_one_call(name, data):
    form = mag_form(name)
    validator = FormValidator.build(form)
    assert validator.bulk is not None
    good = data.draw(answers(form))
    assert _bulk(validator, good)
    _, broken = data.draw(broken_answers(form))
    assert _bulk(validator, broken) == _both(validator, broken)
    bad_text = {**good, form.fields[0].name: "a\u202eb"}
    assert not _bulk(validator, bad_text)


def _installed_forms() -> list[FormDefinition]:
    from magcore import get_plugin_manager

    return sorted(get_plugin_manager().hooks.forms(), key=lambda f: f.id)


@pytest.mark.parametrize("form", _installed_forms(), ids=lambda f: f.id)
def test_every_installed_plugin_form_folds_and_takes_its_example_in_one_call(form):
    from magcore.forms.examples import example_answers

    validator = FormValidator.build(form)
    assert validator.bulk is not None, f"{form.id} is checked in two calls"
    example = example_answers(form)
    assert _bulk(validator, example)
    assert validator.validate_many([example]) == [()]


def test_validate_many_explains_exactly_what_the_one_call_refuses():
    form = mag_form("agreement")
    validator = FormValidator.build(form)
    good = {"held_on": "2025-03-10", "summary": "Goed gesprek."}
    long_text = {**good, "summary": "é" * 20_000}  # refused by maxLength 8000 anyway
    open_long = {**good, "employee_view": "a" * 3_000}
    documents = [good, {**good, "summary": "a\u202eb"}, long_text, open_long, {"held_on": 5}]
    found = validator.validate_many(documents)
    assert found == [tuple(validator.problems(d)) for d in documents]
    assert found[0] == ()
    assert found[3] == ()
    assert [p.keyword for p in found[1]] == ["characters"]


def test_a_long_text_the_policy_takes_is_decided_again():
    """A text of 20,000 ASCII characters is within the policy's 64 KiB but over what the
    folded schema lets through without counting bytes: the exact path takes it."""
    validator = _validator({"type": "object", "properties": {"note": {"type": "string"}}})
    document = {"note": "a" * 20_000}
    assert validator.bulk is not None
    assert not validator.bulk.is_valid(document)
    assert validator.is_valid(document)
    assert validator.validate_many([document]) == [()]


@pytest.mark.parametrize(
    "schema",
    [
        {"$defs": {"t": {"type": "string"}}, "properties": {"a": {"$ref": "#/$defs/t"}}},
        {"patternProperties": {"^x": {"type": "string"}}},
        {"properties": {"a": {"type": "array", "prefixItems": [{"type": "string"}]}}},
        {"unevaluatedProperties": False, "properties": {"a": {}}},
        {"propertyNames": {"maxLength": 3}},
        {"properties": {"a\u202e": {"type": "string"}}},
        # another dialect reads the folded keywords differently (draft-04: no propertyNames)
        {"$schema": "http://json-schema.org/draft-04/schema#", "properties": {}},
        # deeper than the policy allows: 33 levels of arrays
        json.loads('{"type":"array","items":' * 33 + "{}" + "}" * 33),
    ],
)
def test_schemas_that_cannot_be_folded_are_checked_in_two_calls(schema):
    assert folded_schema(schema) is None


def test_the_policy_schema_is_the_one_the_validator_uses():
    assert v._policy_validator() is v._policy_validator()
    assert rs.validator_for(policy_schema()).is_valid({"a": ["b", 1, None]})
    assert not rs.validator_for(policy_schema()).is_valid({"a": ["b\u202e"]})


@pytest.mark.parametrize(
    ("shape", "document"),
    [
        ("untyped extras", {"zzz": float("nan")}),
        ("untyped extras", {"zzz": float("inf")}),
        ("anything", float("nan")),
        ("float maxLength", {"a": "x" * 500}),
        ("whole float enum", {"d": 10**16}),
    ],
)
def test_what_a_review_found_is_refused(shape, document):
    validator = _VALIDATORS[shape]
    assert not _both(validator, document)
    assert not _bulk(validator, document)
