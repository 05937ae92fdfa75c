"""The themes a conversation's commands name, checked against the conversation's cycle.

A theme id decides how content is protected: a topic, an agreement or a record about a
special-category theme (health) is shared only by the employee's own choice. A theme the cycle
does not declare (``wrk`` for ``work``, ``helth`` for ``health``) would be treated as an
ordinary one, so the protection would silently not apply: every theme a command names must be
one of the cycle's, or the command is refused and nothing is stored.

Only the conversation's own cycle (``id@version``) counts, not a theme a plugin contributes as a
card elsewhere: the cycle's themes are the ones its regulation lists and its read policy knows
as special-category or not (:mod:`magcore.access.policy`).
"""

from __future__ import annotations

from collections.abc import Iterable

from ...errors import InputRefused, Problem
from ...model.cycle import CycleDefinition
from .commands import Command, DraftRecord, RaiseTopic, RequestConversation

__all__ = ["UNKNOWN_THEME", "check_themes", "theme_problems"]

#: The ``keyword`` of the problem about a theme the cycle does not declare.
UNKNOWN_THEME = "unknownTheme"


def _named(command: Command) -> Iterable[tuple[str, str]]:
    """Every (JSON pointer, theme id) *command* names itself. Agreements carried forward into
    a request are left out: they were checked in the conversation where they were made."""
    if isinstance(command, RequestConversation | DraftRecord):
        yield from ((f"/themes/{i}", theme) for i, theme in enumerate(command.themes))
    if isinstance(command, DraftRecord):
        for i, agreement in enumerate(command.agreements):
            if agreement.theme is not None:
                yield f"/agreements/{i}/theme", agreement.theme
    if isinstance(command, RaiseTopic) and command.theme is not None:
        yield "/theme", command.theme


def theme_problems(cycle: CycleDefinition, command: Command) -> list[Problem]:
    """One problem per theme *command* names that *cycle* does not declare, naming the field
    and the themes the cycle has (``keyword`` :data:`UNKNOWN_THEME`)."""
    named = list(_named(command))
    if not named:
        return []  # most commands name no theme: nothing to look up
    known = sorted(t.id for t in cycle.themes)
    listed = ", ".join(known) if known else "none"
    return [
        Problem(
            pointer,
            f"{theme!a} is not a theme of cycle {cycle.key} (its themes: {listed})",
            UNKNOWN_THEME,
        )
        for pointer, theme in named
        if theme not in known
    ]


def check_themes(cycle: CycleDefinition, command: Command) -> None:
    """Refuse *command* when it names a theme *cycle* does not declare:
    :class:`~magcore.errors.InputRefused` with one problem per such theme."""
    problems = theme_problems(cycle, command)
    if problems:
        raise InputRefused(problems, what="themes")
