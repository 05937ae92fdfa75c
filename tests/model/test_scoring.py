"""The scoring-free rule: names, numeric scales and ordered grades are refused; quantities pass."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import magcore
from magcore import ScoringNotAllowedError, check_schema
from magcore.model.scoring import check_definition, find_scoring, is_scoring_name


@pytest.mark.parametrize(
    "name",
    [
        "score",
        "Rating",
        "performance_rating",
        "eindoordeel",
        "beoordelingsscore",
        "prestatieCijfer",
        "rank",
        "nine-box",
        "stars",
        "zelfbeoordeling",
        "overallGrade",
        "functioneringsniveau",
        "Prestatie-indicator",
        "prestatieindicatoren",
        "KPI",
        "kpi's",
        "performance_level",
    ],
)
def test_scoring_names(name):
    """Names that say score, rating, grade, rank (English and Dutch, compounds too) are caught."""
    assert is_scoring_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "collaborating",
        "vooroordelen",
        "agreements",
        "development",
        "wellbeing",
        "integrating",
        "operating_hours",
        "career",
        "separate",
        "description",
        "graduation",
        "werkdruk",
        "functioneringsgesprek",
        "presteren en functioneren",
        "taalniveau",
    ],
)
def test_ordinary_names_pass(name):
    """Ordinary words that merely contain the letters are not flagged."""
    assert not is_scoring_name(name)


@pytest.mark.parametrize(
    ("schema", "pointer", "words"),
    [
        (
            {
                "type": "object",
                "properties": {"x": {"type": "integer", "minimum": 1, "maximum": 5}},
            },
            "/properties/x",
            "without a unit",
        ),
        (
            {
                "type": "object",
                "properties": {
                    "x": {"type": "string", "enum": ["onvoldoende", "voldoende", "goed"]}
                },
            },
            "/properties/x",
            "grades",
        ),
        (
            {"type": "object", "properties": {"x": {"enum": [1, 2, 3, 4, 5]}}},
            "/properties/x",
            "numbers",
        ),
        (
            {
                "type": "object",
                "properties": {"x": {"type": "string", "enum": ["A", "B", "C", "D"]}},
            },
            "/properties/x",
            "letter grades",
        ),
        (
            {
                "type": "object",
                "properties": {"x": {"type": "string", "x-magcore-widget": "slider"}},
            },
            "/properties/x",
            "widget",
        ),
        (
            {
                "type": "object",
                "properties": {
                    "x": {
                        "oneOf": [
                            {"const": "meets expectations"},
                            {"const": "exceeds expectations"},
                        ]
                    }
                },
            },
            "/properties/x",
            "grades",
        ),
        (
            {
                "type": "object",
                "properties": {
                    "g": {
                        "type": "array",
                        "items": {"type": "object", "properties": {"rating": {"type": "string"}}},
                    }
                },
            },
            "/properties/g/items/properties/rating",
            "named like",
        ),
        (
            {"type": "object", "properties": {"x": {"type": "string", "title": "Beoordeling"}}},
            "/properties/x",
            "label",
        ),
    ],
)
def test_scoring_constructs_in_forms_are_refused(schema, pointer, words):
    """Each construct is refused with the pointer of the field and the reason."""
    with pytest.raises(ScoringNotAllowedError, match=words) as caught:
        check_schema(schema, source="plugin-x")
    assert caught.value.field == pointer
    assert "plugin-x" in str(caught.value)


def test_quantities_with_a_unit_are_allowed():
    """Hours of training per year is a quantity, not a score of a person."""
    check_schema(
        {
            "type": "object",
            "properties": {
                "training_hours": {"type": "integer", "minimum": 0, "x-magcore-unit": "hours"},
                "topic": {"type": "string", "enum": ["werk", "thuis", "opleiding"]},
            },
        }
    )


@given(st.from_regex(r"[a-z]{3,12}", fullmatch=True))
def test_enum_of_free_words_is_not_a_grade(word):
    """A choice of arbitrary words is never mistaken for a grade unless the words are grades."""
    problems = find_scoring(
        {"type": "object", "properties": {"topic": {"type": "string", "enum": [word, word + "x"]}}}
    )
    grade_words = {"goed", "matig", "slecht", "zwak", "sterk", "fair", "poor", "bad", "good"}
    assert (not problems) or {word, word + "x"} & grade_words or is_scoring_name(word)


def test_no_model_class_has_a_scoring_field():
    """No attrs value in the public API has a field named like a score, rating, grade or rank."""
    checked = 0
    for name in magcore.__all__:
        value = getattr(magcore, name)
        if isinstance(value, type) and attrs.has(value):
            for field in attrs.fields(value):
                assert not is_scoring_name(field.name), f"{name}.{field.name}"
                checked += 1
    assert checked > 50


@pytest.mark.parametrize("key", ["name", "title"])
def test_a_kind_named_like_an_appraisal_in_either_language_is_refused(key):
    """A name given per language is checked in every language, not only a plain string id."""
    document = {"kinds": [{"id": "jaarlijks", key: {"nl": "Beoordelingsgesprek", "en": "Talk"}}]}
    with pytest.raises(ScoringNotAllowedError) as caught:
        check_definition(document)
    assert caught.value.field == f"/kinds/0/{key}"
    assert "Beoordelingsgesprek" in str(caught.value)
    check_definition({"kinds": [{"id": "jaarlijks", key: {"nl": "Jaargesprek", "en": "Talk"}}]})
