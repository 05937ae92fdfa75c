"""The listing path of the access policy: which stored sharing-choice rows name a viewer.

Re-exported by :mod:`magcore.access.decision` (``grantee_keys``, ``ChoiceRow``,
``shared_with``), where they are documented; kept apart so that module holds the rules of a
decision and stays within the size a module may have.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, tzinfo

from ..domain.sharing import GRANTEE_ROLES
from ..model.days import local_day
from .directory import Directory

__all__ = ["ChoiceRow", "grantee_keys", "shared_with"]


def grantee_keys(viewer: str, day: date, directory: Directory) -> frozenset[str]:
    """The ``to`` values of sharing choices that name *viewer* on *day*: their own id and the
    roles they hold. ``next_manager`` choices are found by subject instead (the people the
    viewer manages that day) and checked with :func:`shared_with` like the rest.

    A store indexes choices by grantee; listing what a person may see starts with these keys.
    """
    return frozenset({viewer} | (directory.roles_of(viewer, day) & GRANTEE_ROLES))


#: A sharing choice as a store row: (choice, subject, to, what, purpose, until, conversation,
#: granted_at, revoked_at), dates and times as ISO 8601 text in UTC.
ChoiceRow = tuple[int, str, str, str, str, str | None, str | None, str, str | None]


def _instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def shared_with(
    rows: Iterable[ChoiceRow],
    viewer: str,
    at: datetime,
    directory: Directory,
    zone: tzinfo | str | None = None,
) -> list[ChoiceRow]:
    """The rows whose choice lets *viewer* read something at *at*: the listing path of the
    policy, with the same tests as :func:`~magcore.access.decision.decide_access` applies to a
    choice (grantee on that day, granted and not revoked before *at*, not past ``until``).

    Instants are compared as instants, not as text, so *at* (timezone-aware, as everywhere in
    the policy) may carry any UTC offset. A ``to`` that is not one of
    :data:`~magcore.domain.sharing.GRANTEE_ROLES` names a person, exactly as in
    :func:`~magcore.access.decision.grantee_matches`: a choice to a person called
    ``works_council`` is no choice to every works council member.
    """
    day = local_day(at, zone)
    today = day.isoformat()
    roles = directory.roles_of(viewer, day) & GRANTEE_ROLES
    manager_of = directory.manager_of
    found = []
    for row in rows:
        to = row[2]
        if to in GRANTEE_ROLES:
            if to == "next_manager":
                if manager_of(row[1], day) != viewer:
                    continue
            elif to not in roles:
                continue
        elif to != viewer:
            continue
        if _instant(row[7]) > at or (row[8] is not None and _instant(row[8]) <= at):
            continue
        if row[5] is not None and row[5] < today:
            continue
        found.append(row)
    return found
