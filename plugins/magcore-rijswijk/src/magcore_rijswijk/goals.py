"""Personal goals linked to core values: checked in the record, carried as agreements.

Why: in Rijswijk's one-to-one conversations a personal goal belongs to one of the core values of
the growth matrix. The record form holds the goals with their value; :func:`goals_as_agreements`
turns them into magcore agreements whose ``theme`` is that value, so they carry forward into the
next conversation, can be marked done or dropped (never judged), and an employee can share the
goals of one value alone with a ``theme:<value>`` sharing choice.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from magcore.domain.conversation import Conversation
from magcore.errors import Problem
from magcore.i18n import MessageBundle
from magcore.model.records import Agreement, AgreementOwner

__all__ = [
    "CYCLE_ID",
    "MESSAGE_KEY",
    "goals_as_agreements",
    "message_bundles",
    "record_problems",
]

CYCLE_ID = "rijswijk-growth-matrix"
MESSAGE_KEY = "rijswijk.goal_value_not_discussed"
_TEXTS = {
    "nl": "Dit doel hoort bij een kernwaarde waar jullie niet over praatten. Kies die waarde ook "
    "bij 'Over welke kernwaarden hebben jullie gepraat?', of kies een andere waarde.",
    "en": "This goal belongs to a core value you did not talk about. Also choose that value under "
    "'Which core values did you talk about?', or choose another value.",
}


def record_problems(record: Mapping[str, Any], conversation: Any) -> list[Problem]:
    """Every personal goal must belong to a core value the record says was discussed."""
    if not isinstance(conversation, Conversation):
        return []
    if not conversation.cycle.startswith(f"{CYCLE_ID}@"):
        return []
    discussed = set(record.get("values_discussed") or ())
    problems: list[Problem] = []
    for index, goal in enumerate(record.get("personal_goals") or ()):
        if isinstance(goal, Mapping) and goal.get("value") not in discussed:
            pointer = f"/personal_goals/{index}/value"
            problems.append(Problem(pointer, _TEXTS["nl"], keyword=MESSAGE_KEY))
    return problems


def goals_as_agreements(
    record: Mapping[str, Any], *, prefix: str = "goal"
) -> tuple[Agreement, ...]:
    """The record's personal goals as agreements of the employee, each with its value as theme."""
    result: list[Agreement] = []
    for index, goal in enumerate(record.get("personal_goals") or (), start=1):
        due = goal.get("by_when")
        result.append(
            Agreement(
                id=f"{prefix}-{index}",
                text=str(goal["goal"]),
                owner=AgreementOwner.EMPLOYEE,
                due=date.fromisoformat(due) if due else None,
                theme=str(goal["value"]),
            )
        )
    return tuple(result)


def message_bundles() -> tuple[MessageBundle, ...]:
    """The rule's message in Dutch and English, for the catalogue."""
    return tuple(
        MessageBundle(language=language, messages={MESSAGE_KEY: text})
        for language, text in _TEXTS.items()
    )
