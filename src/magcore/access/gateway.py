"""The one gateway content leaves the core through: decide, then audit, then hand out.

Every way content reaches a person goes through a :class:`Gateway`: reading a conversation or a
goal (:meth:`Gateway.conversation`, :meth:`Gateway.goal`, which are
:func:`~magcore.access.reading.read_conversation` and :func:`~magcore.access.reading.read_goal`
with the service's clock and the policy of each conversation's cycle), the result of a command
(the service returns :meth:`Gateway.conversation` for the actor, never raw state), the
subject-access export (:meth:`Gateway.export`), the guarded listing "what may this person see,
for this purpose" (:meth:`Gateway.listing`), who is due a conversation (:meth:`Gateway.due`),
and what a notification may say (:meth:`Gateway.notice`). Each leaves its audit line,
refusals too, stamped with the gateway's own clock.

Raw state (:class:`~magcore.domain.conversation.Conversation`,
:class:`~magcore.domain.goals.Goal`) stays inside the library.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import attrs

from ..clock import Clock
from ..domain.conversation.read_model import DESTROYED
from ..domain.sharing import SharingChoice, person_stream
from ..domain.sharing import replay as replay_sharing
from ..events import Event, freeze
from ..model.days import local_day, timezone
from ..model.input_policy import check_id, check_text
from ..storage.base import AuditRecord, ConversationRow, Store
from ..storage.chain import event_object
from ..storage.listing_sql import CandidateFilter
from .decision import (
    PARTICIPATION,
    PRIVACY_OFFICER,
    Basis,
    ChoiceRow,
    Decision,
    Part,
    Restrictions,
    grantee_keys,
    restrictions,
)
from .delivery import DELIVER_CONTENT, declared, delivery_decision
from .listing import (
    CONTENT_PARTS,
    NEVER_OPENS,
    IndexedListingSource,
    candidates_of,
    decide_candidates,
    indexed_source,
)
from .listing_trust import taken_problems
from .policy import kept_policies
from .reading import (
    ConversationView,
    GoalView,
    ReadPolicy,
    audit_record,
    read_conversation,
    read_goal,
)

__all__ = [
    "CONTENT_PARTS",
    "LISTING",
    "NOTIFICATION",
    "Gateway",
    "Listed",
    "Listing",
    "ListingSource",
    "Notice",
    "StoreListing",
]

if TYPE_CHECKING:
    from ..model.cycle import CycleDefinition
    from ..model.organisation import Organisation
    from .due import DueList

log = logging.getLogger(__name__)

#: The purpose of a notification (an e-mail reminder, an invitation).
NOTIFICATION = "notification"
#: The audit action of a listing.
LISTING = "list"
#: The longest reference a notification may name (it goes into the audit line).
MAX_REFERENCE = 512
_OPEN = Restrictions()
_PARTICIPANT_PARTS = frozenset({Part.METADATA, *CONTENT_PARTS, Part.PRIVATE_NOTE})


@attrs.frozen(kw_only=True)
class Listed:
    """One conversation a person may see something of, and which parts (never content)."""

    conversation: str
    cycle: str
    kind: str
    state: str
    subject: str | None
    parts: frozenset[Part]
    themes: frozenset[str] = frozenset()
    """When only theme choices open it: the parts about these themes, nothing else."""
    reasons: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class Listing:
    """What *viewer* may see for *purpose* at *at*: the conversations and parts, by id."""

    viewer: str
    purpose: str
    at: datetime
    items: tuple[Listed, ...] = ()
    doubts: tuple[str, ...] = ()
    """Index rows the listing did not believe (:mod:`magcore.access.listing_trust`): left out,
    or their person decided from the events. Empty when the index is whole."""

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(item.conversation for item in self.items)

    def __iter__(self) -> Iterator[Listed]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


@attrs.frozen(kw_only=True)
class Notice:
    """What a notification about a conversation may say to its recipient: that it exists, its
    kind, state and date, only if the recipient may see that much (``allowed``)."""

    reference: str
    recipient: str
    decision: Decision

    @property
    def allowed(self) -> bool:
        return self.decision.allowed


@runtime_checkable
class ListingSource(Protocol):
    """The indexed queries a listing needs; a store offers them (see :class:`StoreListing`).

    A source that can make the policy's cheap tests in its index offers
    :class:`~magcore.access.listing.IndexedListingSource` instead (``candidates`` in place of
    ``choices`` and ``about``).
    """

    def participations(self, person: str) -> Iterable[ConversationRow]:
        """The conversations *person* takes part in (index: conversation_people)."""
        ...

    def choices(self, grantees: Collection[str], subjects: Collection[str]) -> Iterable[ChoiceRow]:
        """Sharing choices naming one of *grantees*, and ``next_manager`` choices of
        *subjects* (index: sharing choices by grantee, by subject)."""
        ...

    def about(self, subjects: Collection[str]) -> Iterable[ConversationRow]:
        """The conversations about *subjects* (index: conversations by subject)."""
        ...

    def restrictions(self, subjects: Collection[str]) -> Mapping[str, Restrictions]:
        """The AVG art. 18 restrictions of *subjects* that hold now."""
        ...


class StoreListing:
    """A :class:`ListingSource` over any :class:`~magcore.storage.base.Store`.

    Uses the store's ``sharing_choices(grantees, subjects)`` and ``restrictions_of(subjects)``
    indexes when it has them; otherwise folds the ``person:`` streams once (correct, but not
    indexed: fine for the memory store and small installations).
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._people: dict[str, tuple[list[ChoiceRow], Restrictions]] | None = None

    def _folded(self) -> dict[str, tuple[list[ChoiceRow], Restrictions]]:
        if self._people is None:
            people: dict[str, tuple[list[ChoiceRow], Restrictions]] = {}
            for stream in self.store.streams("person:"):
                person = stream.partition(":")[2]
                events = self.store.read(stream)
                state = replay_sharing(person, events)
                rows = [_choice_row(c) for _, c in sorted(state.choices.items())]
                people[person] = (rows, restrictions(events))
            self._people = people
        return self._people

    def participations(self, person: str) -> Iterable[ConversationRow]:
        return self.store.conversations(participant=person)

    def choices(self, grantees: Collection[str], subjects: Collection[str]) -> Iterable[ChoiceRow]:
        indexed = getattr(self.store, "sharing_choices", None)
        if indexed is not None:
            return list(indexed(grantees=grantees, subjects=subjects))
        found = []
        for person, (rows, _) in self._folded().items():
            for row in rows:
                if row[2] in grantees or (row[2] == "next_manager" and person in subjects):
                    found.append(row)
        return found

    def about(self, subjects: Collection[str]) -> Iterable[ConversationRow]:
        rows: list[ConversationRow] = []
        for subject in sorted(subjects):
            rows.extend(self.store.conversations(subject=subject))
        return rows

    def restrictions(self, subjects: Collection[str]) -> Mapping[str, Restrictions]:
        indexed = getattr(self.store, "restrictions_of", None)
        if indexed is not None:
            return dict(indexed(subjects))
        if self._people is None:
            return {s: restrictions(self.store.read(person_stream(s))) for s in subjects}
        folded = self._people
        return {s: folded[s][1] for s in subjects if s in folded}


def _choice_row(choice: SharingChoice) -> ChoiceRow:
    return (
        choice.id,
        choice.person,
        choice.to,
        choice.what,
        choice.purpose,
        choice.until.isoformat() if choice.until else None,
        choice.conversation,
        choice.granted_at.isoformat(),
        choice.revoked_at.isoformat() if choice.revoked_at else None,
    )


class Gateway:
    """Decide, audit, hand out: the one way content leaves the core.

    *policy_for* gives the :class:`~magcore.access.reading.ReadPolicy` of a cycle
    (``id@version``): who is who, declared legal bases, special kinds, themes and fields.
    Audit lines carry *clock*'s time, never a caller's.
    """

    def __init__(
        self,
        store: Store,
        *,
        clock: Clock,
        policy_for: Callable[[str], ReadPolicy] | None = None,
        policy: ReadPolicy | None = None,
        origin: str = "api",
        source: ListingSource | IndexedListingSource | None = None,
        zone: tzinfo | str | None = None,
    ) -> None:
        fixed = policy or ReadPolicy()
        self.zone: tzinfo = zone if isinstance(zone, tzinfo) else timezone(zone)
        self.store = store
        self.clock = clock
        self.policy_for: Callable[[str], ReadPolicy] = policy_for or kept_policies(store, fixed)
        self.policy = fixed
        self.origin = origin
        self.source: ListingSource | IndexedListingSource | None = source

    # -- reads -----------------------------------------------------------------------------

    def conversation(
        self, conversation_id: str, *, actor: str, purpose: str = PARTICIPATION
    ) -> ConversationView:
        """What *actor* may see of *conversation_id* for *purpose* now; every part audited."""
        return read_conversation(
            self.store,
            conversation_id,
            viewer=actor,
            purpose=purpose,
            clock=self.clock,
            zone=self.zone,
            policy=self.policy,
            policy_for=self.policy_for,
            origin=self.origin,
        )

    def goal(self, goal_id: str, *, actor: str, purpose: str = PARTICIPATION) -> GoalView:
        """What *actor* may see of goal *goal_id* for *purpose* now (all or nothing), audited."""
        return read_goal(
            self.store,
            goal_id,
            viewer=actor,
            purpose=purpose,
            clock=self.clock,
            zone=self.zone,
            policy=self.policy,
            origin=self.origin,
            policy_for=self.policy_for,
        )

    def export(self, person: str, *, requester: str, organisation: Any = None) -> dict[str, Any]:
        """The subject-access export of *person* (AVG art. 15), asked by *requester*."""
        from .subject_access import subject_access_export

        return subject_access_export(
            self.store,
            person,
            requester=requester,
            clock=self.clock,
            zone=self.zone,
            policy=self.policy,
            policy_for=self.policy_for,
            organisation=organisation,
            origin=self.origin,
        )

    def due(
        self,
        viewer: str,
        *,
        purpose: str,
        organisation: Organisation,
        cycles: Sequence[CycleDefinition],
        start: date,
        end: date,
        roles: Collection[str] = (),
    ) -> DueList:
        """Who *viewer* may see is due a conversation in ``[start, end)`` under *cycles*, for
        *purpose* now: a manager their own team's, an HR adviser the organisation's for
        planning (:func:`~magcore.access.due.due_list`); one audit line, refusals too."""
        from .due import due_list

        return due_list(
            self.store,
            viewer,
            purpose=purpose,
            organisation=organisation,
            cycles=cycles,
            start=start,
            end=end,
            directory=self.policy.directory,
            now=self.clock.now(),
            zone=self.zone,
            origin=self.origin,
            roles=roles,
            special_kinds=self.policy.special_kinds,
        )

    # -- notifications ---------------------------------------------------------------------

    def notice(self, reference: str, *, recipient: str) -> Notice:
        """May a notification about *reference* (``conversation:<id>``, ``goal:<id>``...) reach
        *recipient*? Only if they may see that the conversation exists; audited either way.
        *recipient* is an id, *reference* a short text (a reference such as
        ``cycle:<id>/<kind>`` holds a ``/``): :class:`~magcore.errors.InputRefused` naming
        ``/recipient`` or ``/reference`` otherwise, before anything is written."""
        reference = check_text(reference, pointer="/reference", max_length=MAX_REFERENCE)
        check_id(recipient, pointer="/recipient")
        kind, _, ident = reference.partition(":")
        now = self.clock.now()
        if kind == "conversation":
            view = self.conversation_metadata(ident, actor=recipient, now=now)
        elif kind == "goal":
            goal = self.goal(ident, actor=recipient, purpose=NOTIFICATION)
            view = goal.decision
        else:
            view = Decision(True, "not about a record", Basis.PARTICIPANT)
        self.store.append_audit(
            [
                audit_record(
                    viewer=recipient,
                    obj=reference,
                    decision=view,
                    purpose=NOTIFICATION,
                    at=now,
                    origin=self.origin,
                )
            ]
        )
        return Notice(reference=reference, recipient=recipient, decision=view)

    def agreements_told(
        self, refs: Iterable[tuple[str, str]], *, recipient: str
    ) -> tuple[tuple[str, str], ...]:
        """The open agreements (conversation, agreement) of *refs* a notification may count
        for *recipient* now (:func:`~magcore.access.told.agreements_told`); each audited."""
        from .told import agreements_told

        return agreements_told(
            self.store,
            refs,
            recipient=recipient,
            now=self.clock.now(),
            zone=self.zone,
            policy_for=self.policy_for,
            origin=self.origin,
        )

    def conversation_metadata(self, conversation_id: str, *, actor: str, now: datetime) -> Decision:
        """May *actor* be told that *conversation_id* exists (its kind, state, date)? Only a
        participant of a record that is not restricted. No content is read; no line written."""
        rows = [r for r in self.store.conversations(participant=actor) if r.id == conversation_id]
        if not rows:
            return Decision(
                False, "denied because a notification goes to the participants only", Basis.DENIED
            )
        subject = rows[0].subject
        if subject is not None and restrictions(self.store.read(person_stream(subject))).covers(
            conversation_id
        ):
            return Decision(
                False, "denied because the record is restricted (AVG art. 18)", Basis.DENIED
            )
        return Decision(True, "participant", Basis.PARTICIPANT)

    # -- deliveries to observing plugins -----------------------------------------------------

    def deliver(
        self,
        stream: str,
        version: int,
        *,
        plugin: str,
        fields: Collection[str],
        purpose: str,
        basis: str,
        events: tuple[Event, ...] | None = None,
    ) -> Mapping[str, Any] | None:
        """The declared *fields* of event *version* of *stream*, opened (decrypted) for the
        observing *plugin*, or ``None`` when they may not go; audited either way, before. An
        event that holds none of the *fields* gives ``None`` and no audit line: nothing went.

        Decided as a legal basis (:mod:`magcore.access.delivery`): never a private note, an
        open conversation's preparation, a special-category kind or theme, a restricted or a
        destroyed record. *events* is the stream as this gateway's store reads it (a caller
        delivering a batch reads each stream once).
        """
        now = self.clock.now()
        events = self.store.read(stream) if events is None else events
        found, event = delivery_decision(
            self.store, stream, events, version, policy_for=self.policy_for, fallback=self.policy
        )
        if event is not None and not any(name in event.data for name in fields):
            return None  # the event holds none of the declared fields: nothing goes, no line
        content = None
        if found.decision.allowed and event is not None:
            content = freeze(declared(event.data, fields, found))
        reason = f"{', '.join(sorted(fields))}; basis: {basis}; {found.decision.reason}"
        self.store.append_audit(
            [
                AuditRecord(
                    at=now.isoformat(),
                    actor=f"plugin:{plugin}",
                    action=DELIVER_CONTENT,
                    object=event_object(stream, version),
                    result="done" if content is not None else "denied",
                    origin="dispatcher",
                    reason=reason[:500],
                    purpose=purpose[:200],
                )
            ]
        )
        return content

    # -- listing ---------------------------------------------------------------------------

    def listing(self, viewer: str, *, purpose: str) -> Listing:
        """What *viewer* may see for *purpose* now: conversation ids and the parts allowed.

        Starts from the indexes (the conversations *viewer* takes part in; the sharing choices
        naming them or a role they hold, or ``next_manager`` choices of the people they manage),
        applies the same tests as :func:`~magcore.access.decision.decide_access` (restriction,
        time, purpose, special-category kinds and themes, legal bases), and writes one audit
        line for the listing. Reading content is a separate, audited read.

        The tests that need no more than the choice, the moment and the local day are made by
        the index (:mod:`magcore.access.listing`); the rest once per candidate row, decided per
        distinct cycle, kind and ``what``.
        """
        check_id(viewer, pointer="/viewer")
        check_id(purpose, pointer="/purpose")
        now = self.clock.now()
        day = local_day(now, self.zone)
        source = self.source or indexed_source(self.store) or StoreListing(self.store)
        directory = self.policy.directory
        found: dict[str, Listed] = {}
        roles = directory.roles_of(viewer, day)
        officer = PRIVACY_OFFICER in roles
        mine = list(source.participations(viewer))
        held = source.restrictions({r.subject for r in mine if r.subject}) if mine else {}
        for row in mine:
            # a participant keeps the trace of a destroyed conversation (its content-free row,
            # state "destroyed"); a sharing choice or a legal basis lists nothing of it
            shut = row.subject and held.get(row.subject, _OPEN).covers(row.id)
            if officer or not shut:
                found[row.id] = _listed(row, _PARTICIPANT_PARTS, reason="participant")
        wanted = CandidateFilter(
            grantees=grantee_keys(viewer, day, directory),
            reports=frozenset(directory.reports_of(viewer, day)),
            purpose=purpose,
            at=now,
            today=day,
            officer=officer,
            never=NEVER_OPENS,
        )
        found.update(
            decide_candidates(
                candidates_of(source, wanted),
                viewer=viewer,
                wanted=wanted,
                directory=directory,
                special_kinds=self._special_kinds,
                make=Listed,
                skip=found,
                special_themes=self._special_themes,
            )
        )
        bases = [b for b in self.policy.legal_bases if b.purpose == purpose and b.roles & roles]
        if bases:
            self._by_bases(found, bases, source)
        items = tuple(found[conversation] for conversation in sorted(found))
        doubts = taken_problems(source)
        reason = f"{len(items)} conversations listed (metadata and parts, no content)"
        if doubts:
            log.warning("listing for %s: the index is not believed: %s", viewer, "; ".join(doubts))
            reason += f"; {len(doubts)} index rows not believed: {doubts[0]}"
        self.store.append_audit(
            [
                AuditRecord(
                    at=now.isoformat(),
                    actor=viewer,
                    action=LISTING,
                    object=f"listing:{viewer}",
                    result="allowed",
                    origin=self.origin,
                    reason=reason[:500],
                    purpose=purpose,
                )
            ]
        )
        return Listing(viewer=viewer, purpose=purpose, at=now, items=items, doubts=doubts)

    def _special_kinds(self, cycle: str) -> Collection[str]:
        return self.policy_for(cycle).special_kinds

    def _special_themes(self, cycle: str) -> Collection[str]:
        return self.policy_for(cycle).special_themes

    def _by_bases(
        self,
        found: dict[str, Listed],
        bases: list[Any],
        source: ListingSource | IndexedListingSource,
    ) -> None:
        """Conversations a declared legal basis opens (never a special-category kind)."""
        rows = [
            r
            for r in self.store.conversations()
            if r.id not in found and r.subject and r.state != DESTROYED
        ]
        restricted = source.restrictions({r.subject for r in rows if r.subject})
        for row in rows:
            assert row.subject is not None
            if restricted.get(row.subject, _OPEN).covers(row.id):
                continue
            if row.kind in self.policy_for(row.cycle).special_kinds:
                continue
            parts = frozenset({Part.METADATA}).union(*(b.parts for b in bases))
            reasons = tuple(f"legal basis {b.name} ({b.article})" for b in bases)
            found[row.id] = _listed(row, parts - {Part.GOAL}, reasons=reasons)


def _listed(
    row: ConversationRow,
    parts: frozenset[Part],
    *,
    reason: str = "",
    reasons: tuple[str, ...] = (),
    themes: Iterable[str] = (),
) -> Listed:
    return Listed(
        conversation=row.id,
        cycle=row.cycle,
        kind=row.kind,
        state=row.state,
        subject=row.subject,
        parts=parts,
        themes=frozenset(themes),
        reasons=reasons or ((reason,) if reason else ()),
    )
