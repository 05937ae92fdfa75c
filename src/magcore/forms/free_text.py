"""The answers of a conversation whose kind names no form: free text only.

A kind without a preparation or record form still takes answers (``{"wensen": "..."}``), but
only texts under plain names: no numbers, no choices, no nested values, and no name that says
score, rating or a judgement of the person. The answers of a form are checked against the form
instead (:mod:`magcore.forms.validation`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..errors import Problem
from ..i18n import DEFAULT_CATALOGUE, Catalogue
from ..model.scoring import is_judgement_name, is_scoring_name

__all__ = ["ANSWER_NAME", "free_text_problems"]

#: The name of a free-text answer: as a form's field name.
ANSWER_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def free_text_problems(
    answers: Any, *, language: str = "nl", catalogue: Catalogue | None = None
) -> list[Problem]:
    """Every problem with *answers* to a kind that has no form, messages in *language*.

    >>> free_text_problems({"wensen": "Een cursus Excel."})
    []
    >>> [p.pointer for p in free_text_problems({"score": "8", "werk": 3}, language="en")]
    ['/score', '/werk']
    """
    catalogue = catalogue or DEFAULT_CATALOGUE
    if not isinstance(answers, Mapping):
        return [Problem("", catalogue.message("validation.whole_form", language), "type")]
    problems: list[Problem] = []
    for number, (name, value) in enumerate(answers.items(), 1):
        if not isinstance(name, str) or not ANSWER_NAME.fullmatch(name):
            # the name is not quoted back: it may be anything the client sent
            message = catalogue.message("validation.free_text.name", language, number=number)
            problems.append(Problem("", message, "propertyNames"))
            continue
        if is_scoring_name(name) or is_judgement_name(name):
            message = catalogue.message("validation.free_text.score", language, name=name)
            problems.append(Problem(f"/{name}", message, "scoring"))
            continue
        if not isinstance(value, str):
            message = catalogue.message("validation.free_text.text", language, name=name)
            problems.append(Problem(f"/{name}", message, "type"))
    return problems
