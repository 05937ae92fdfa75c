"""Who is due a conversation, through the gateway: decided for whom to see it, and audited.

A due list names people and says who is due, who is overdue and who has had no conversation
of a kind: personal data, so it leaves the core the way content does
(:meth:`Gateway.due <magcore.access.gateway.Gateway.due>`, :meth:`Service.due_list
<magcore.app.access.AccessMixin.due_list>`): decided for a viewer and a purpose at the clock's
moment, with one audit line (action ``list-due``, object ``listing:<viewer>/due``), refusals
too.

* For taking part (:data:`~magcore.access.decision.PARTICIPATION`, a manager's own list): the
  people the viewer manages today, and of their due conversations only those the viewer holds
  with them (the viewer is their manager on the due day, in a kind the manager takes part
  in). Nobody else's: not a conversation due under another manager, not a kind without the
  manager (a conversation with a psychologist or a company doctor, whose leaving the list
  would tell the manager that it was held).
* For planning (:data:`PLANNING`): the whole organisation, to a holder of a planning role
  (:data:`PLANNING_ROLES`: the HR adviser) on the day, by the directory or by the roles the
  caller's sign-in vouches for; anyone else is refused (:class:`~magcore.errors.AccessDenied`,
  after the refusal's line). Not the kinds that are special-category as a whole (a vitality
  conversation, a health check): who is still due one, and so who has had one, is about
  health, which no legal basis opens, not even a conversation's metadata; those are planned
  by the people who take part in them (the manager's own list, where the manager does).

Any other purpose is refused. The planning itself is :func:`due_lists` (each cycle planned
once for the period, and once for the year before it, whose conversations take part in the
answering), which the service's own planning methods use too.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta, tzinfo

import attrs

from ..domain.planning import DueConversation, outstanding, plan
from ..errors import AccessDenied
from ..model.cycle import CycleDefinition
from ..model.days import local_day
from ..model.input_policy import check_id
from ..model.organisation import Organisation
from ..storage.base import AuditRecord, ConversationRow, Store
from .decision import PARTICIPATION, Directory

__all__ = [
    "DUE_LISTING",
    "PLANNING",
    "PLANNING_ROLES",
    "DueList",
    "due_list",
    "due_lists",
    "last_held",
    "listing_line",
]

#: The purpose of planning the cycle for the organisation (HR's due list).
PLANNING = "planning"
#: The roles that may see the whole organisation's due list for :data:`PLANNING`.
PLANNING_ROLES = frozenset({"hr_adviser"})
#: The audit action of a due list.
DUE_LISTING = "list-due"

#: How far before a period the due lists look for the conversations due then (a conversation
#: for one of those does not answer one in the period).
_LOOK_BACK = timedelta(days=366)


@attrs.frozen(kw_only=True)
class DueList:
    """The conversations *viewer* may see are due in ``[start, end)`` and not answered yet,
    for *purpose* at *at*: each with the key of its cycle, per cycle in the order asked, in
    due order within it. It names people, never content."""

    viewer: str
    purpose: str
    at: datetime
    start: date
    end: date
    items: tuple[tuple[str, DueConversation], ...] = ()

    @property
    def organisation_wide(self) -> bool:
        """Whether the list covers the whole organisation (planning), not the viewer's team."""
        return self.purpose == PLANNING

    def of(self, cycle: str) -> tuple[DueConversation, ...]:
        """The due conversations under the cycle with key *cycle* (``id@version``)."""
        return tuple(item for key, item in self.items if key == cycle)

    @property
    def people(self) -> frozenset[str]:
        """The people the list names."""
        return frozenset(item.person for _, item in self.items if item.person is not None)

    def __iter__(self) -> Iterator[tuple[str, DueConversation]]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


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
    *rows* (the store's conversations) answers yet. Planning, not a disclosure: what a person
    is shown of it goes through :func:`due_list`."""
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


def listing_line(
    viewer: str,
    what: str,
    purpose: str,
    now: datetime,
    origin: str,
    reason: str,
    *,
    action: str,
    allowed: bool,
) -> AuditRecord:
    """The audit line of one list given to (or refused) *viewer*: object
    ``listing:<viewer>/<what>``, result ``allowed`` or ``denied``, the reason cut at 500."""
    return AuditRecord(
        at=now.isoformat(),
        actor=viewer,
        action=action,
        object=f"listing:{viewer}/{what}",
        result="allowed" if allowed else "denied",
        origin=origin,
        reason=reason[:500],
        purpose=purpose,
    )


def _line(
    viewer: str, purpose: str, now: datetime, origin: str, reason: str, *, allowed: bool
) -> AuditRecord:
    return listing_line(
        viewer, "due", purpose, now, origin, reason, action=DUE_LISTING, allowed=allowed
    )


def _scope(
    viewer: str, purpose: str, day: date, directory: Directory, roles: Collection[str]
) -> tuple[frozenset[str] | None, str | None]:
    """Whose due conversations *viewer* may see for *purpose* on *day*: the people they manage,
    or ``None`` for the whole organisation; and the reason for a refusal, else ``None``."""
    if purpose == PLANNING:
        held = (directory.roles_of(viewer, day) | frozenset(roles)) & PLANNING_ROLES
        return None, None if held else "planning the organisation is for an HR adviser"
    if purpose == PARTICIPATION:
        return directory.reports_of(viewer, day), None
    return frozenset(), "a due list is for a manager's own team or for planning"


def _marked_special(definition: CycleDefinition) -> frozenset[str]:
    """The kinds *definition* marks special-category as a whole."""
    return frozenset(kind.id for kind in definition.kinds if kind.special_category)


def due_list(
    store: Store,
    viewer: str,
    *,
    purpose: str,
    organisation: Organisation,
    cycles: Sequence[CycleDefinition],
    start: date,
    end: date,
    directory: Directory,
    now: datetime,
    zone: tzinfo,
    origin: str = "api",
    roles: Collection[str] = (),
    special_kinds: Collection[str] = (),
) -> DueList:
    """The due list *viewer* may see for *purpose* at *now* (see the module's docstring),
    under each of *cycles*, with its audit line.

    The kinds that are special-category as a whole, those each cycle's definition marks and
    *special_kinds* (the gateway passes its read policy's, which may add to them), are left
    out of the organisation's list for planning.

    *directory* says whom the viewer manages and which roles they hold on the local day in
    *zone*; *roles* are roles the caller's sign-in gives the viewer beside the directory's (an
    identity provider's groups). *viewer* and *purpose* are ids
    (:class:`~magcore.errors.InputRefused` naming ``/viewer`` or ``/purpose`` before anything
    is written); a purpose other than taking part or planning, or planning without a planning
    role, is refused with :class:`~magcore.errors.AccessDenied` after the refusal's line.
    """
    check_id(viewer, pointer="/viewer")
    check_id(purpose, pointer="/purpose")
    people, refusal = _scope(viewer, purpose, local_day(now, zone), directory, roles)
    if refusal is not None:
        denied = f"denied because {refusal}"
        store.append_audit([_line(viewer, purpose, now, origin, denied, allowed=False)])
        raise AccessDenied(
            actor=viewer, object_id=f"listing:{viewer}/due", purpose=purpose, reason=refusal
        )
    items: list[tuple[str, DueConversation]] = []
    if cycles and (people is None or people) and end > start:
        rows = store.conversations() if people is None else store.conversations(subjects=people)
        found = due_lists(organisation, cycles, rows, start, end, people=people)
        for definition in cycles:
            closed = _marked_special(definition).union(special_kinds) if people is None else ()
            for item in found[definition.key][1]:
                # a manager's own: the conversations they hold with the people they manage;
                # for planning, every kind but those about health
                if (people is None and item.kind not in closed) or item.manager == viewer:
                    items.append((definition.key, item))
    listed = DueList(
        viewer=viewer,
        purpose=purpose,
        at=now,
        start=start,
        end=end,
        items=tuple(items),
    )
    scope = "the organisation" if people is None else f"the {len(people)} people they manage"
    reason = f"{len(items)} due conversations of {len(listed.people)} people listed, of {scope}"
    store.append_audit([_line(viewer, purpose, now, origin, reason, allowed=True)])
    return listed
