"""The field checks of people, teams and assignments (attrs validators by the input policy),
apart from :mod:`magcore.model.organisation` so that module stays about the organisation."""

from __future__ import annotations

from datetime import date

import attrs

from ..errors import DefinitionError, Problem
from .input_policy import (
    day_problem,
    email_problem,
    id_problem,
    is_email,
    is_valid_id,
    text_problem,
)


def _refuse(name: str, problem: Problem | None) -> None:
    """Raise the input policy's *problem* with field *name* as a definition error."""
    if problem is not None:
        raise DefinitionError(f"{name} {problem.message}", pointer=problem.pointer)


def _valid_id(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    """An id by the input policy (:data:`~magcore.model.input_policy.ID_PATTERN`)."""
    if is_valid_id(value):  # the common case, without building a pointer
        return
    problem = id_problem(value, pointer=f"/{attribute.name}")
    _refuse(attribute.name, problem)


def _valid_name(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    """A name by the input policy: no control or bidirectional characters, at most 200."""
    problem = text_problem(value, pointer=f"/{attribute.name}", max_length=200)
    _refuse(attribute.name, problem)


def _optional_name(
    instance: object, attribute: attrs.Attribute[str | None], value: str | None
) -> None:
    if value is not None:
        _valid_name(instance, attribute, value)  # type: ignore[arg-type]


def _optional_email(
    instance: object, attribute: attrs.Attribute[str | None], value: str | None
) -> None:
    """An e-mail address by the input policy (text rules, at most 254 characters), or None."""
    if value is None or is_email(value):
        return
    problem = email_problem(value, pointer=f"/{attribute.name}")
    _refuse(attribute.name, problem)


def _day(instance: object, attribute: attrs.Attribute[date], value: date) -> None:
    """A calendar day (a ``date``, not a text or a ``datetime``)."""
    problem = day_problem(value, pointer=f"/{attribute.name}")
    _refuse(attribute.name, problem)


def _optional_day(
    instance: object, attribute: attrs.Attribute[date | None], value: date | None
) -> None:
    if value is not None:
        _day(instance, attribute, value)  # type: ignore[arg-type]


def _optional_id(
    instance: object, attribute: attrs.Attribute[str | None], value: str | None
) -> None:
    if value is not None:
        _valid_id(instance, attribute, value)  # type: ignore[arg-type]
