"""What is due and what is still outstanding, for :class:`~magcore.app.people.OrganisationMixin`:
each cycle planned once for the period (and once for the year before it, whose conversations
take part in the answering), with quiet periods counted per kind."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import date, timedelta

from ..domain.planning import DueConversation, outstanding, plan
from ..model.cycle import CycleDefinition
from ..model.organisation import Organisation
from ..storage.base import ConversationRow

__all__ = ["due_lists", "last_held"]

#: How far before a period the due lists look for the conversations due then (a conversation
#: for one of those does not answer one in the period).
_LOOK_BACK = timedelta(days=366)


def last_held(
    rows: Iterable[ConversationRow], cycle_id: str, *, before: date
) -> dict[str, dict[str, date]]:
    """Per kind of cycle *cycle_id* (any version), each person's last conversation of that kind
    held before *before*: a quiet period counts only its own kind's conversations, so a due list
    never shows the day of a conversation its reader was not in (one with a psychologist)."""
    last: dict[str, dict[str, date]] = {}
    for row in rows:
        day = row.held_on
        if not (row.subject and day and day < before) or row.cycle.partition("@")[0] != cycle_id:
            continue
        of_kind = last.setdefault(row.kind, {})
        if day > of_kind.get(row.subject, date.min):
            of_kind[row.subject] = day
    return last


def due_lists(
    org: Organisation,
    definitions: Sequence[CycleDefinition],
    rows: Sequence[ConversationRow],
    start: date,
    end: date,
    *,
    people: Collection[str] | None = None,
) -> dict[str, tuple[tuple[DueConversation, ...], tuple[DueConversation, ...]]]:
    """Per cycle key, the conversations due in ``[start, end)`` and those of them that none of
    *rows* (the store's conversations) answers yet."""
    since = start - _LOOK_BACK if start - date.min > _LOOK_BACK else date.min
    found: dict[str, tuple[tuple[DueConversation, ...], tuple[DueConversation, ...]]] = {}
    for definition in definitions:
        last = last_held(rows, definition.id, before=start)
        items = plan(org, definition, start, end, last_of_kind=last, people=people)
        earlier = (
            plan(org, definition, since, start, last_of_kind=last, people=people)
            if since < start
            else ()
        )
        found[definition.key] = (
            items,
            outstanding(
                items,
                rows,
                cycle=definition.key,
                earlier=[d for d in earlier if not d.prompt_only],
            ),
        )
    return found
