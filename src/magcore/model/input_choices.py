"""A field that takes one of a fixed set of values (an enum), checked as the input policy
checks everything else: a value outside the set is refused with a
:class:`~magcore.errors.InputRefused` that names the field and the values it takes (never the
value sent, which may hold anything), instead of the enum's bare ``ValueError``.

Use it in a named attrs converter (the attrs plugin of mypy takes named functions only)::

    def _goal_status(value: GoalStatus | str) -> GoalStatus:
        return choice(GoalStatus, value, "/status")

    status: GoalStatus = attrs.field(converter=_goal_status)
"""

from __future__ import annotations

import enum
from typing import Any, TypeVar

from ..errors import InputRefused, Problem

__all__ = ["choice"]

E = TypeVar("E", bound=enum.Enum)


def choice(choices: type[E], value: Any, pointer: str) -> E:
    """*value* as a member of *choices* (given as a member or its value); anything else is
    refused naming *pointer* (``/status``) and the values the field takes."""
    if isinstance(value, choices):
        return value
    try:
        return choices(value)
    except (ValueError, TypeError):
        allowed = ", ".join(str(member.value) for member in choices)
        raise InputRefused([Problem(pointer, f"must be one of: {allowed}")]) from None
