"""Questionnaires are data about the team, and the scoring guard refuses any that grade."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from magcore.errors import DefinitionError, ScoringNotAllowedError
from magcore.model.measurement import Questionnaire
from tests.support.measurement import QUESTIONNAIRE, QUESTIONNAIRE_JSON


def _with(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(QUESTIONNAIRE_JSON)
    data.update(changes)
    return data


def test_a_questionnaire_reads_back_from_its_json() -> None:
    """to_json and from_json give the same questionnaire; categories are the options."""
    assert Questionnaire.from_json(QUESTIONNAIRE.to_json()) == QUESTIONNAIRE
    assert [c[0] for c in QUESTIONNAIRE.categories()] == ["rarely", "sometimes", "often"]


@pytest.mark.parametrize(
    "options",
    [
        [("onvoldoende", "Onvoldoende"), ("voldoende", "Voldoende"), ("goed", "Goed")],
        [("one", "1"), ("two", "2"), ("three", "3")],
        [("a", "Slecht"), ("b", "Goed")],
        [("x", "Boven verwachting"), ("y", "Soms")],
    ],
)
def test_options_that_grade_are_refused(options: list[tuple[str, str]]) -> None:
    """Grades, numbers and 'boven verwachting' are refused as answer options: it would score."""
    data = _with(options=[{"id": i, "text": {"nl": t, "en": t}} for i, t in options])
    with pytest.raises(ScoringNotAllowedError):
        Questionnaire.from_json(data)


def test_a_statement_named_as_a_score_is_refused() -> None:
    """A statement whose id says score is refused, naming where."""
    data = _with(statements=[{"id": "performance-score", "text": {"nl": "Tekst", "en": "Text"}}])
    with pytest.raises(ScoringNotAllowedError, match="statements"):
        Questionnaire.from_json(data)


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"statements": []}, "/statements"),
        ({"options": [{"id": "often", "text": {"nl": "Vaak", "en": "Often"}}]}, "/options"),
        (
            {
                "groups": [
                    {"id": "g", "text": {"nl": "G", "en": "G"}, "options": ["never-heard-of"]}
                ]
            },
            "/groups",
        ),
    ],
)
def test_malformed_questionnaires_name_the_field(changes: dict[str, Any], pointer: str) -> None:
    """No statements, one option, or a group of unknown options: refused, naming the field."""
    with pytest.raises(DefinitionError) as caught:
        Questionnaire.from_json(_with(**changes), source="test-plugin")
    assert caught.value.pointer == pointer


def test_a_duplicate_statement_is_refused() -> None:
    """Two statements with one id would merge their counts: refused."""
    statement = QUESTIONNAIRE_JSON["statements"][0]
    with pytest.raises(DefinitionError, match="twice"):
        Questionnaire.from_json(_with(statements=[statement, statement]))
