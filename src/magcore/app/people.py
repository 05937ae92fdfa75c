"""The service's organisation and people: imports, dated changes, sharing choices, planning.

Mixed into :class:`~magcore.app.service.Service`. The organisation is a stream of snapshots and
dated changes; person ids are checked against it once it is imported.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Any

import attrs

from ..access.due import due_lists, last_held
from ..domain.organisation import OrganisationEvent, OrgState, org_stream
from ..domain.orgbulk import BULK_FROM, BULK_TYPES, bulk_changes
from ..domain.orgchanges import (
    ChangeManager,
    Move,
    OrgChange,
    SingleChange,
    apply_change,
    changes,
    iter_changes,
)
from ..domain.orgcolumns import BulkFold
from ..domain.orgsnapshot import (
    ImportTracker,
    imported_state,
    read_snapshot,
    read_snapshot_tables,
    snapshot_parts,
)
from ..domain.participants import participants
from ..domain.planning import CoverageReport, DueConversation, coverage, plan
from ..errors import MagcoreError, NotFoundError
from ..events import CommittedBatch, Event
from ..model.cycle import CycleDefinition
from ..model.input_policy import check_id
from ..model.organisation import Organisation
from ..model.orgtables import cyclic_gc_paused
from ..model.records import Participant
from ..storage.streaming import append_stream, read_stream_data
from ..storage.streaming import read_snapshot as stored_snapshot
from ._sharing_choices import SharingChoicesMixin
from .handler import Aggregate, CommandHandler, Loaded

if TYPE_CHECKING:
    from ..plugins import PluginHost
    from ..storage.base import Store

__all__ = ["OrgImportSummary", "OrganisationMixin"]


@attrs.frozen(kw_only=True)
class OrgImportSummary:
    """What an organisation import wrote (:meth:`OrganisationMixin.import_organisation_summary`)."""

    organisation: str
    written: int
    """How many events were appended (0: nothing changed since the last import)."""
    changes: Mapping[str, int]
    """Events written per type (``person.joined``: 12, ...)."""
    removed: tuple[str, ...]
    """People of the stored organisation who are not in the imported one, in id order."""
    facts: Mapping[str, int] = attrs.field(factory=dict)
    """Changes per type as single events would count them: a ``people.joined`` batch of 20,000
    people counts 20,000 ``person.joined`` (equal to ``changes`` when there are no batches)."""


_SINGLE: dict[str, str] = {
    OrganisationEvent.PEOPLE_JOINED: OrganisationEvent.JOINED,
    OrganisationEvent.TEAMS_ADDED: OrganisationEvent.TEAM_ADDED,
}
"""The single event each batch event stands for (in :attr:`OrgImportSummary.facts`)."""


def _event(stream: str, version: int, change: OrgChange, at: datetime, actor: str) -> Event:
    """The event that records *change* as *version* of *stream*."""
    return Event(
        stream=stream, version=version, type=change.type, at=at, actor=actor, data=change.data
    )


class OrganisationMixin(SharingChoicesMixin):
    """The organisation, people's sharing choices and planning of a service (mixed into
    ``Service``)."""

    if TYPE_CHECKING:
        store: Store
        host: PluginHost
        handler: CommandHandler
        timezone: tzinfo
        organisation_id: str | None
        _organisations: dict[str, tuple[int, Organisation]]
        _org_states: dict[str, tuple[int, OrgState]]
        _org_goals: dict[str, tuple[int, OrgState]]
        _organisation_aggregate: Aggregate[Organisation | None]

        def cycle(self, key: str) -> CycleDefinition: ...

        @property
        def cycles(self) -> Mapping[str, CycleDefinition]: ...

    # -- organisation ----------------------------------------------------------------------

    def import_organisation(self, org: Organisation, *, actor: str) -> tuple[Event, ...]:
        """Record what changed between the stored organisation and *org* (a full import).

        The changes are events on ``org:<id>`` (people joined, left, moved team, managers
        changed..., see :mod:`magcore.domain.orgchanges`), appended in one transaction; the
        same organisation imported again writes nothing. Returns the events written (for a
        large organisation :meth:`import_organisation_summary` holds far less).
        """
        kept: list[Event] = []
        self._import(org, actor=actor, keep=kept)
        return tuple(kept)

    def import_organisation_summary(self, org: Organisation, *, actor: str) -> OrgImportSummary:
        """:meth:`import_organisation`, returning how many events of each type were written
        instead of the events: the changes are made and written a chunk at a time
        (:mod:`magcore.storage.streaming`), so memory does not grow with the changes."""
        return self._import(org, actor=actor, keep=None)

    def _import(
        self, org: Organisation, *, actor: str, keep: list[Event] | None
    ) -> OrgImportSummary:
        """Compare *org* with the stored organisation and append the changes as they are made:
        one transaction, written chunk by chunk; refused (and audited) as a whole."""
        check_id(actor, pointer="/actor")  # before the audit line of a refusal names it
        handler = self.handler
        stream = org_stream(org.id)
        counts: dict[str, int] = {}
        removed: list[str] = []
        try:
            version = self.store.version(stream)
            if version == 0 and len(org.people) >= BULK_FROM:
                return self._import_bulk(org, actor=actor, keep=keep)
            if version and self.organisation(org.id) == org:
                return OrgImportSummary(organisation=org.id, written=0, changes={}, removed=())
            state = self._org_state_at(org.id, version) if version else None
            now = handler.clock.now()
            goal = OrgState.of(org)
            found = iter_changes(
                state, org, today=now.astimezone(self.timezone).date(), target=goal
            )
            tracked = ImportTracker()
            written = version

            def events() -> Iterator[Event]:
                nonlocal written
                for number, change in enumerate(found, start=version + 1):
                    tracked.note(change)
                    written = number
                    event = _event(stream, number, change, now, actor)
                    counts[event.type] = counts.get(event.type, 0) + 1
                    if change.type is OrganisationEvent.REMOVED:
                        removed.append(change.data["person"])
                    if keep is not None:
                        keep.append(event)
                    yield event

            def snapshot() -> Iterator[str]:
                # What the changes fold into, written beside them (a cache of the fold).
                return snapshot_parts(imported_state(state, goal, tracked, written))

            appended = append_stream(
                self.store, stream, version, events(), origin=handler.origin, snapshot=snapshot
            )
        except MagcoreError as exc:
            handler.refused(stream, exc, actor=actor, action="import")
            raise
        if appended.count:
            # The fold of the changes is the organisation imported (``changes`` promises it):
            # kept as it is, made into a value when first asked for.
            self._org_goals = {org.id: (version + appended.count, goal)}
            handler.tell(CommittedBatch(appended.last, appended.position))
        return OrgImportSummary(
            organisation=org.id,
            written=appended.count,
            changes=dict(sorted(counts.items())),
            removed=tuple(sorted(removed)),
            facts=dict(sorted(counts.items())),
        )

    def _import_bulk(
        self, org: Organisation, *, actor: str, keep: list[Event] | None
    ) -> OrgImportSummary:
        """A first import of a large organisation: its teams and people in batches
        (:mod:`magcore.domain.orgbulk`), one transaction; the organisation is kept as it is."""
        handler = self.handler
        stream = org_stream(org.id)
        now = handler.clock.now()
        counts: dict[str, int] = {}

        def events() -> Iterator[Event]:
            found = bulk_changes(org, today=now.astimezone(self.timezone).date())
            for number, change in enumerate(found, start=1):
                event = _event(stream, number, change, now, actor)
                counts[event.type] = counts.get(event.type, 0) + 1
                single = _SINGLE.get(event.type, event.type)
                facts[single] = facts.get(single, 0) + int(change.data.get("count", 1))
                if keep is not None:
                    keep.append(event)
                yield event

        facts: dict[str, int] = {}
        with cyclic_gc_paused():
            appended = append_stream(self.store, stream, 0, events(), origin=handler.origin)
        if appended.count:
            self._organisations[org.id] = (appended.count, org)
            handler.tell(CommittedBatch(appended.last, appended.position))
        return OrgImportSummary(
            organisation=org.id,
            written=appended.count,
            changes=dict(sorted(counts.items())),
            removed=(),
            facts=dict(sorted(facts.items())) if appended.count else {},
        )

    def record_change(self, org_id: str, change: SingleChange, *, actor: str) -> tuple[Event, ...]:
        """Record one change without a full import: someone joins, leaves, moves team, or a
        team gets another manager (:mod:`magcore.domain.orgchanges`). An unknown person or team
        is refused with an error naming the field, and nothing is written. Returns the events."""
        check_id(org_id, pointer="/organisation")
        check_id(actor, pointer="/actor")

        def changed(current: Organisation | None) -> Organisation:
            if current is None:
                raise NotFoundError(f"unknown organisation {org_id!r}: import it first")
            return apply_change(current, change)

        return self._record_org(org_id, changed, actor=actor, action=type(change).__name__)

    def _record_org(
        self,
        org_id: str,
        new: Callable[[Organisation | None], Organisation],
        *,
        actor: str,
        action: str,
    ) -> tuple[Event, ...]:
        def decision(loaded: Loaded[Organisation | None], now: datetime) -> Sequence[Event]:
            state = self._org_state(org_id, loaded.events) if loaded.events else None
            today = now.astimezone(self.timezone).date()
            found = changes(state, new(loaded.state), today=today)
            return tuple(
                Event(
                    stream=loaded.stream,
                    version=loaded.version + index,
                    type=change.type,
                    at=now,
                    actor=actor,
                    data=change.data,
                )
                for index, change in enumerate(found, start=1)
            )

        handled = self.handler.handle(
            self._organisation_aggregate, org_id, decision, actor=actor, action=action
        )
        if handled.events and handled.state is not None:
            self._organisations[org_id] = (handled.events[-1].version, handled.state)
        return handled.events

    def _org_state(self, org_id: str, events: Sequence[Event]) -> OrgState:
        """The folded stream (with what it announced), kept for the version last folded."""
        cached = self._org_states.get(org_id)
        if cached is not None and cached[0] == len(events):
            return cached[1]
        state = OrgState.replay(org_id, events)
        self._org_states = {org_id: (len(events), state)}  # one organisation's worth at most
        return state

    def _org_state_at(self, org_id: str, version: int) -> OrgState:
        """The stream folded up to *version*, read a page at a time (not all events at once)."""
        cached = self._org_states.get(org_id)
        if cached is not None and cached[0] == version:
            return cached[1]
        self._org_states = {}  # the old state goes before the new one is built
        state = self._org_snapshot(org_id, version) or OrgState(id=org_id)
        for _number, kind, data in read_stream_data(
            self.store, org_stream(org_id), upto=version, after=state.events
        ):
            state.apply_data(kind, data)
        if state.events != version:  # the stream was destroyed meanwhile: it says so
            raise NotFoundError(f"organisation {org_id!r} changed while it was read: try again")
        self._org_states = {org_id: (version, state)}  # one organisation's worth at most
        return state

    def _org_snapshot(self, org_id: str, version: int) -> OrgState | None:
        """The stream's snapshot (:mod:`magcore.domain.orgsnapshot`) if the store keeps one at
        *version* or before, of a format this version reads."""
        found = stored_snapshot(self.store, org_stream(org_id))
        if found is None or found[0] > version:
            return None
        state = read_snapshot(org_id, found[1])
        return state if state is not None and state.events == found[0] else None

    def _known_organisation(self, org_id: str, version: int) -> Organisation | None:
        """The organisation at *version* if this service has it (or imported it) already."""
        cached = self._organisations.get(org_id)
        if cached is not None and cached[0] == version:
            return cached[1]
        goal = self._org_goals.get(org_id)
        if goal is not None and goal[0] == version:
            org = goal[1].organisation()
            self._org_goals = {}
            self._organisations[org_id] = (version, org)
            return org
        return None

    def _replay_organisation(self, org_id: str, events: Sequence[Event]) -> Organisation | None:
        """The organisation after *events*, from the cache when its version is known."""
        known = self._known_organisation(org_id, len(events))
        if known is not None:
            return known
        if not events:
            return None
        org = self._org_state(org_id, events).organisation()
        self._organisations[org_id] = (len(events), org)
        return org

    def _evolve_organisation(
        self, org: Organisation | None, new_events: Sequence[Event]
    ) -> Organisation | None:
        """*org* after *new_events* (no second read of the stream's earlier events)."""
        if org is None or not new_events:
            return org
        state = OrgState.of(org)
        for event in new_events:
            state.apply(event)
        return state.organisation()

    def organisation(self, org_id: str) -> Organisation:
        """The organisation as its stream tells it: the last import plus later changes."""
        check_id(org_id, pointer="/organisation")
        stream = org_stream(org_id)
        version = self.store.version(stream)
        if version == 0:
            raise NotFoundError(f"unknown organisation {org_id!r}: import it first")
        known = self._known_organisation(org_id, version)
        if known is not None:
            return known
        with cyclic_gc_paused():
            org = self._load_organisation(org_id, version)
        self._organisations[org_id] = (version, org)
        return org

    def _load_organisation(self, org_id: str, version: int) -> Organisation:
        """The organisation at *version*, made column by column (no value per person) from a
        snapshot made at *version* or from a stream of batch events only (a large first
        import); else the stream is folded value by value (:meth:`_org_state_at`)."""
        stream = org_stream(org_id)
        found = stored_snapshot(self.store, stream)
        if found is not None:  # a snapshot at this version, or the events after it are folded
            tables = read_snapshot_tables(org_id, found[1]) if found[0] == version else None
            return tables or self._org_state_at(org_id, version).organisation()
        fold, name = BulkFold(), ""
        read: list[tuple[int, str, Any]] = []
        items = read_stream_data(self.store, stream, upto=version)
        for item in items:
            _number, kind, data = item
            if kind not in BULK_TYPES and kind != OrganisationEvent.RENAMED:
                # not batches only: the same events folded value by value, read once
                state = OrgState.replay_data(org_id, itertools.chain(read, [item], items))
                if state.events != version:
                    raise NotFoundError(
                        f"organisation {org_id!r} changed while it was read: try again"
                    )
                self._org_states = {org_id: (version, state)}
                return state.organisation()
            read.append(item)
            if kind == OrganisationEvent.RENAMED:
                name = data["name"]
            else:
                fold.apply(kind, data)
        if len(read) != version:
            raise NotFoundError(f"organisation {org_id!r} changed while it was read: try again")
        return fold.organisation(org_id, name)

    def change_manager(
        self, org_id: str, team: str, manager: str | None, on: date, *, actor: str
    ) -> Organisation:
        """Record that *manager* manages *team* from *on* (a dated event; the handover starts)."""
        self.record_change(org_id, ChangeManager(team=team, manager=manager, on=on), actor=actor)
        return self.organisation(org_id)

    def move_person(self, org_id: str, person: str, team: str, on: date, *, actor: str) -> None:
        """Record that *person* joins *team* from *on*."""
        self.record_change(org_id, Move(person=person, team=team, on=on), actor=actor)

    def participants_for(
        self,
        org_id: str,
        cycle: CycleDefinition,
        kind_id: str,
        employee: str,
        *,
        on: date,
        peer: str | None = None,
        coach: str | None = None,
        chosen: Mapping[str, Iterable[str]] | None = None,
        organisation: Organisation | None = None,
    ) -> tuple[Participant, ...]:
        """The participants the organisation gives a conversation of *kind_id* about *employee*.

        The manager is the employee's manager on *on*; *chosen* names the people the caller
        chose for a role (``peer``/``coach`` are short for the built-in ones); each must fit the
        party's membership rule (:func:`magcore.domain.participants.participants`).
        """
        org = organisation if organisation is not None else self.organisation(org_id)
        return participants(
            org, cycle.kind(kind_id), employee, on=on, peer=peer, coach=coach, chosen=chosen
        )

    # -- planning --------------------------------------------------------------------------

    def plan(
        self,
        org_id: str,
        cycle: str | CycleDefinition,
        start: date,
        end: date,
        *,
        people: Collection[str] | None = None,
    ) -> tuple[DueConversation, ...]:
        """Who is due which conversation in ``[start, end)`` (free cadences use the history);
        with *people*, only the conversations of those person ids. At most 50 years
        (:func:`~magcore.domain.planning.plan`)."""
        definition = cycle if isinstance(cycle, CycleDefinition) else self.cycle(cycle)
        return self.plan_many(org_id, [definition], start, end, people=people)[definition.key]

    def plan_many(
        self,
        org_id: str,
        cycles: Iterable[str | CycleDefinition],
        start: date,
        end: date,
        *,
        people: Collection[str] | None = None,
    ) -> dict[str, tuple[DueConversation, ...]]:
        """:meth:`plan` for each of *cycles*, by cycle key, reading the organisation and the
        history once for all of them (a page that lists every cycle's due conversations reads
        the store twice, not twice per cycle). *people*, when given, keeps only the
        conversations of those person ids, without planning the others (see
        :func:`~magcore.domain.planning.plan`). Added in 0.2."""
        definitions = [c if isinstance(c, CycleDefinition) else self.cycle(c) for c in cycles]
        if not definitions:
            return {}
        rows = self.store.conversations(held_until=start)
        org = self.organisation(org_id)
        return {
            definition.key: plan(
                org,
                definition,
                start,
                end,
                last_of_kind=last_held(rows, definition.id, before=start),
                people=people,
            )
            for definition in definitions
        }

    def outstanding(
        self,
        org_id: str,
        cycle: str | CycleDefinition,
        start: date,
        end: date,
        *,
        people: Collection[str] | None = None,
    ) -> tuple[DueConversation, ...]:
        """:meth:`plan` without the conversations already answered: a conversation of the same
        cycle and kind about the same person (or team) requested, planned or held since the
        due one's window started (:func:`~magcore.domain.planning.outstanding`). Added in 0.2."""
        return self.due_and_outstanding(org_id, cycle, start, end, people=people)[1]

    def outstanding_many(
        self,
        org_id: str,
        cycles: Iterable[str | CycleDefinition],
        start: date,
        end: date,
        *,
        people: Collection[str] | None = None,
    ) -> dict[str, tuple[DueConversation, ...]]:
        """:meth:`outstanding` for each of *cycles*, by cycle key, reading the organisation and
        the conversations once for all of them (as :meth:`plan_many`). The conversations due in
        the year before *start* take part in the answering, so a conversation requested or held
        for one of those is not taken for one in the period. Added in 0.2."""
        both = self._due_and_outstanding(org_id, cycles, start, end, people=people)
        return {key: still for key, (_due, still) in both.items()}

    def due_and_outstanding(
        self,
        org_id: str,
        cycle: str | CycleDefinition,
        start: date,
        end: date,
        *,
        people: Collection[str] | None = None,
    ) -> tuple[tuple[DueConversation, ...], tuple[DueConversation, ...]]:
        """What :meth:`plan` and :meth:`outstanding` give, planning once: every conversation
        due in the period, and those of them no conversation answers yet (``magcore plan
        --request`` shows the first and requests the second). Added in 0.3."""
        definition = cycle if isinstance(cycle, CycleDefinition) else self.cycle(cycle)
        return self._due_and_outstanding(org_id, [definition], start, end, people=people)[
            definition.key
        ]

    def _due_and_outstanding(
        self,
        org_id: str,
        cycles: Iterable[str | CycleDefinition],
        start: date,
        end: date,
        *,
        people: Collection[str] | None = None,
    ) -> dict[str, tuple[tuple[DueConversation, ...], tuple[DueConversation, ...]]]:
        definitions = [c if isinstance(c, CycleDefinition) else self.cycle(c) for c in cycles]
        if not definitions:
            return {}
        rows = self.store.conversations(subjects=people)
        return due_lists(self.organisation(org_id), definitions, rows, start, end, people=people)

    def coverage(
        self, org_id: str, cycle: str | CycleDefinition, start: date, end: date
    ) -> CoverageReport:
        """Who was due a conversation in ``[start, end)`` and had none held."""
        definition = cycle if isinstance(cycle, CycleDefinition) else self.cycle(cycle)
        held = [
            (row.subject, row.held_on)
            for row in self.store.conversations(held_from=start, held_until=end)
            if row.subject and row.held_on
        ]
        return coverage(self.organisation(org_id), definition, held, start, end)
