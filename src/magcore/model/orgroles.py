"""The roles people hold in the organisation: the three the core knows, and any other a
municipality imports.

``member``, ``manager`` and ``coach`` (:class:`Role`) carry meaning in the core: team
membership, who manages whom, the coach pool. Any other role is a lower-case id such as
``hr_adviser``, ``exit_interviewer``, ``swop_adviser`` or ``alderman``: a function someone holds
in a team (an HR team, the executive) from a start day to an end day, like the built-in roles.
The core gives such a role no meaning of its own; a conversation kind's party with membership
``holds_role`` names the role its people must hold on the conversation's day
(:class:`~magcore.model.parties.Party`), so that only the people who hold it may take that
part, and nobody can name themselves for it.

>>> as_org_role("manager") is Role.MANAGER
True
>>> as_org_role("hr_adviser")
'hr_adviser'
"""

from __future__ import annotations

import enum
import re
from typing import Any

from ..errors import DefinitionError

__all__ = ["ORG_ROLE_PATTERN", "Role", "as_org_role", "org_role_problem"]


class Role(enum.StrEnum):
    """A role a person holds in a team for a while (the built-in three; any other role is
    a lower-case id, see :func:`as_org_role`)."""

    MEMBER = "member"
    MANAGER = "manager"
    COACH = "coach"


#: An organisation role id: a lower-case letter, then up to 39 lower-case letters, digits or
#: ``_`` (the same form as a party's role id).
ORG_ROLE_PATTERN = r"[a-z][a-z0-9_]{0,39}"
_ORG_ROLE = re.compile(ORG_ROLE_PATTERN)
_BUILT_IN: dict[Any, Role] = {role.value: role for role in Role}


def org_role_problem(value: Any) -> str | None:
    """Why *value* is not an organisation role (a message naming it), or ``None``."""
    if isinstance(value, str) and (value in _BUILT_IN or _ORG_ROLE.fullmatch(value)):
        return None
    return (
        f"role {value!r} is not member, manager, coach or another role id in lower case "
        "(a letter, then up to 39 letters a-z, digits or _; e.g. 'hr_adviser')"
    )


def as_org_role(value: Any) -> str:
    """Converter: the :class:`Role` member for a built-in role, else the checked role id;
    anything else is a :class:`~magcore.errors.DefinitionError` naming the field ``/role``."""
    built_in = _BUILT_IN.get(value) if isinstance(value, str) else None
    if built_in is not None:
        return built_in
    problem = org_role_problem(value)
    if problem is not None:
        raise DefinitionError(problem, pointer="/role")
    return str(value)
