"""The application service: commands in, events stored, observers told.

Data flows one way: a call here → the aggregate checks the rule and produces events → the store
appends them in one transaction → plugins observing committed batches hear about them. The
service holds no rules of its own beyond looking people up in the organisation.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Any

import attrs

from ..access.content import protect
from ..access.decision import Directory
from ..access.reading import ConversationView, GoalView, ReadPolicy
from ..clock import Clock, SystemClock
from ..domain.approvals import ApprovalState
from ..domain.conversation import (
    OPEN_STATES,
    AddDissent,
    AddPrivateNote,
    AddResponse,
    Command,
    Conversation,
    DraftRecord,
    MarkHeld,
    PublishPreparation,
    RaiseTopic,
    RequestConversation,
    SavePreparation,
    apply,
    decide,
    read_model,
    replay,
    stream_of,
)
from ..domain.goals import (
    Goal,
    GoalCommand,
    NoteProgress,
    SetGoal,
    decide_goal,
    goal_stream,
    replay_goal,
)
from ..domain.organisation import OrganisationEvent, org_stream, replay_organisation
from ..domain.participants import participants
from ..domain.planning import CoverageReport, DueConversation, coverage, plan
from ..domain.sharing import (
    GRANTEE_ROLES,
    GrantSharing,
    SharingCommand,
    SharingState,
    person_stream,
)
from ..domain.sharing import decide as decide_sharing
from ..domain.sharing import replay as replay_sharing
from ..errors import (
    NotFoundError,
    PluginError,
    Problem,
    RecordInvalidError,
    TransitionError,
)
from ..events import CommittedBatch, Event, thaw
from ..model.cycle import CycleDefinition, ParticipantRole
from ..model.days import timezone as _timezone
from ..model.input_policy import check_id, check_known_people
from ..model.organisation import Organisation
from ..model.records import Agreement, Participant
from ..plugins import PluginHost, get_plugin_manager
from ..storage.base import Store, StoreSettings, StreamWrite
from . import versions
from .access import AccessMixin
from .chain import key_audit_chain, log_is_keyed
from .dispatcher import Dispatcher
from .handler import Aggregate, CommandHandler, Loaded
from .versions import CYCLE_DEFINED, definition_stream

if TYPE_CHECKING:
    from ..forms import FormDefinition

__all__ = [
    "CONVERSATION",
    "CYCLE_DEFINED",
    "GOAL",
    "IDEMPOTENT",
    "SHARING",
    "Service",
    "definition_stream",
    "open_service",
    "org_stream",
]

log = logging.getLogger("magcore")


def _new_id() -> str:
    return uuid.uuid4().hex[:16]


def _evolve_conversation(conv: Conversation, events: Sequence[Event]) -> Conversation:
    for event in events:
        conv = apply(event, conv)
    return conv


#: A conversation's stream (``conversation:<id>``) and how its state is rebuilt.
CONVERSATION: Aggregate[Conversation] = Aggregate(
    "conversation",
    stream_of,
    lambda _id, events: replay(events),
    _evolve_conversation,
    read_model,
)
#: A goal's stream (``goal:<id>``).
GOAL: Aggregate[Goal] = Aggregate("goal", goal_stream, lambda _id, events: replay_goal(events))
#: A person's sharing choices (``person:<id>``).
SHARING: Aggregate[SharingState] = Aggregate("person", person_stream, replay_sharing)


#: Commands that are safe to decide again on a newer state after a conflict: each changes only
#: what its own author wrote (a preparation, a topic, a note, a response, a dissent, progress on
#: a goal) or a person's own sharing choices. The handler retries them with jittered back-off.
#: Commands about what both sides saw (a record, its confirmation, a date) are not retried: a
#: conflict there means the other side changed something the caller should look at first.
IDEMPOTENT: tuple[type, ...] = (
    SavePreparation,
    PublishPreparation,
    RaiseTopic,
    AddPrivateNote,
    AddResponse,
    AddDissent,
    NoteProgress,
    SharingCommand,
)


class Service(AccessMixin):
    """One municipality's magcore: a store, the installed plugins, a clock.

    Use :func:`open_service` to open one by URL. Every method that changes something is one
    transaction; a refused command raises and writes nothing.

    Installation settings: *timezone* (an IANA name, ``Europe/Amsterdam`` by default) is where
    the days of sharing choices, restrictions and retention are counted; *organisation* names
    the organisation whose people may take part and be granted a sharing choice (once it is
    imported, an unknown person id is refused with
    :class:`~magcore.errors.InputRefused`).
    """

    def __init__(
        self,
        store: Store,
        *,
        host: PluginHost | None = None,
        clock: Clock | None = None,
        new_id: Callable[[], str] = _new_id,
        origin: str = "api",
        language: str = "nl",
        dispatch: str = "thread",
        timezone: str | None = None,
        organisation: str | None = None,
    ) -> None:
        if dispatch not in ("thread", "sync", "off"):
            raise ValueError(f"dispatch must be 'thread', 'sync' or 'off', not {dispatch!r}")
        self.timezone: tzinfo = _timezone(timezone)
        self.organisation_id = organisation
        self.language = language
        self.host = host if host is not None else get_plugin_manager()
        self.key_provider = key_audit_chain(store, self.host)
        """The key provider whose audit key chains the store's log (``None``: unkeyed)."""
        self.handler = CommandHandler(
            self._protect(store), clock=clock or SystemClock(), tell=self._tell, origin=origin
        )
        self.new_id = new_id
        self.origin = origin
        self.plugin_failures: list[PluginError] = []
        self.dispatch = dispatch
        """Where observers are told: ``thread`` (default), ``sync`` (after each commit, in the
        caller's thread) or ``off`` (a separate ``magcore dispatch`` worker)."""
        self.dispatcher = Dispatcher(
            store, self.host, clock=self.handler.clock, on_failure=self.plugin_failures.append
        )
        self._cycles: dict[str, CycleDefinition] = {}
        contributed = self.host.hooks.cycles()
        self.plugin_failures.extend(contributed.problems)
        for definition in contributed:
            self._cycles[definition.key] = definition
        self._organisations: dict[str, tuple[int, Organisation]] = {}
        self._forms: dict[str, FormDefinition] | None = None
        self._form_versions: dict[str, FormDefinition] = {}
        self._policy_hashes: dict[str, str] = {}
        self._organisation_aggregate: Aggregate[Organisation | None] = Aggregate(
            "organisation", org_stream, self._replay_organisation
        )
        self._directory: Directory | None = None
        self.access_organisation: str | None = None
        self._policies: dict[tuple[str, int], ReadPolicy] = {}

    @property
    def store(self) -> Store:
        """The store every command of this service goes to (through :attr:`handler`)."""
        return self.handler.store

    @store.setter
    def store(self, store: Store) -> None:
        self.handler.store = self._protect(store)
        self.dispatcher.store = store

    def _protect(self, store: Store) -> Store:
        """*store* behind the content codec: content encrypted on append, decrypted on read
        (:mod:`magcore.access.content`), with the key provider the plugins give for it."""
        # A store whose log is keyed already has its keys: a missing key file is then an error
        # (KeyProviderError), never silently replaced by new keys that cannot open old content.
        settings = StoreSettings(create=not log_is_keyed(store))
        return protect(
            store,
            lambda s: self.host.hooks.key_provider(s.url, settings),
            language=self.language,
        )

    @property
    def clock(self) -> Clock:
        """The clock that dates every event (injected, so tests and simulations control time)."""
        return self.handler.clock

    @clock.setter
    def clock(self, clock: Clock) -> None:
        self.handler.clock = clock
        self.dispatcher.clock = clock

    # -- cycles ----------------------------------------------------------------------------

    def add_cycle(self, definition: CycleDefinition | Mapping[str, Any]) -> CycleDefinition:
        """Make a cycle definition available (plugins' definitions are added automatically)."""
        if not isinstance(definition, CycleDefinition):
            definition = CycleDefinition.from_json(definition)
        self._cycles[definition.key] = definition
        return definition

    @property
    def cycles(self) -> Mapping[str, CycleDefinition]:
        """Every known definition by ``id@version``."""
        return dict(self._cycles)

    def cycle(self, key: str) -> CycleDefinition:
        """The definition ``id@version``, or the newest version of ``id``."""
        if key in self._cycles:
            return self._cycles[key]
        stored = versions.stored_cycle(self.store, key) if "@" in key else None
        if stored is not None:
            self._cycles[key] = stored
            return stored
        candidates = [d for d in self._cycles.values() if d.id == key]
        if not candidates:
            known = ", ".join(sorted(self._cycles)) or "none"
            raise NotFoundError(f"unknown cycle {key!r} (known: {known})")
        return max(candidates, key=lambda d: d.version)

    # -- approval ----------------------------------------------------------------------------

    def policy_hash(self, cycle: str | CycleDefinition) -> str:
        """The current hash of a cycle version's regulation (what its approvals approve)."""
        definition = cycle if isinstance(cycle, CycleDefinition) else self.cycle(cycle)
        if definition.key not in self._policy_hashes:
            self._policy_hashes[definition.key] = versions.regulation_hash(
                self.host, definition, self.forms
            )
        return self._policy_hashes[definition.key]

    def approve_policy(
        self,
        cycle: str | CycleDefinition,
        *,
        body: str,
        reference: str,
        on: date,
        actor: str,
        policy_hash: str | None = None,
    ) -> ApprovalState:
        """Record that *body* approved a cycle version's regulation (WOR art. 27), in the
        stream ``cycle:<id>`` and the audit log (:func:`magcore.app.versions.approve`)."""
        definition = cycle if isinstance(cycle, CycleDefinition) else self.cycle(cycle)
        used = {f for k in definition.kinds for f in versions.kind_forms(definition, k.id).values()}
        batch = versions.approve(
            self.store,
            definition,
            current_hash=self.policy_hash(definition),
            forms=[self.form(f) for f in sorted(used)],
            body=body,
            reference=reference,
            on=on,
            actor=actor,
            origin=self.origin,
            policy_hash=policy_hash,
            now=self.clock.now(),
        )
        self._tell(batch)
        return versions.approval_state(self.store, definition.id)

    # -- forms -----------------------------------------------------------------------------

    @property
    def forms(self) -> Mapping[str, FormDefinition]:
        """Every form the plugins contribute, by id (the newest version of each)."""
        if self._forms is None:
            contributed = self.host.hooks.forms()
            self.plugin_failures.extend(contributed.problems)
            newest: dict[str, FormDefinition] = {}
            for form in contributed:
                self._form_versions[form.key] = form
                if form.id not in newest or form.version > newest[form.id].version:
                    newest[form.id] = form
            self._forms = newest
        return self._forms

    def form(self, form_id: str) -> FormDefinition:
        """The newest installed version of form *form_id*."""
        try:
            return self.forms[form_id]
        except KeyError:
            known = ", ".join(sorted(self.forms)) or "none"
            failed = [str(f) for f in self.plugin_failures if f.hook == "magcore_register_forms"]
            because = (
                f"; plugins that failed to contribute forms: {'; '.join(failed)}" if failed else ""
            )
            raise NotFoundError(
                f"form {form_id!r} is not installed (known: {known}){because}"
            ) from None

    def form_version(self, key: str) -> FormDefinition:
        """Form ``id@version``: installed, or kept in the store since a conversation used it."""
        if key not in self.forms and key in self._form_versions:
            return self._form_versions[key]
        stored = versions.stored_form(self.store, key)
        if stored is None:
            raise NotFoundError(f"form {key!r} is neither installed nor kept in the store")
        self._form_versions[key] = stored
        return stored

    def check_answers(self, conv: Conversation, command: Command) -> None:
        """Validate a preparation's or record's answers before anything is stored.

        The answers must fit the form the conversation kind names (its JSON Schema, messages in
        the service's language), and then every ``magcore_check_record`` plugin may object.
        Raises :class:`~magcore.errors.RecordInvalidError` with every problem; nothing is stored.
        """
        if not isinstance(command, DraftRecord | SavePreparation):
            return
        kind = self.cycle(conv.cycle).kind(conv.kind)
        form_id = kind.record_form if isinstance(command, DraftRecord) else kind.preparation_form
        answers = thaw(command.answers)
        use = "record" if isinstance(command, DraftRecord) else "preparation"
        pinned = conv.forms.get(use)
        form = self.form_version(pinned) if pinned else self.form(form_id) if form_id else None
        problems: list[Problem] = []
        if form is not None:
            from ..forms import validate

            problems.extend(validate(form, answers, language=self.language))
        if not problems:
            problems.extend(
                self.host.hooks.check_record(
                    answers, form, conv, actor=command.actor, language=self.language
                )
            )
        if problems:
            what = f"answers to form {form_id}" if form_id else "answers"
            raise RecordInvalidError(problems, what=what)

    # -- sharing choices ---------------------------------------------------------------------

    def share(self, command: SharingCommand) -> SharingState:
        """Grant or revoke a sharing choice; only the employee decides about their own record,
        so the result (their own choices) goes back to them alone."""

        def decision(loaded: Loaded[SharingState], now: datetime) -> Sequence[Event]:
            state = loaded.state or SharingState(person=command.person)
            new_events = decide_sharing(state, command, now=now, zone=self.timezone)
            if isinstance(command, GrantSharing) and command.to not in GRANTEE_ROLES:
                self._check_people([("/to", command.to)])
            return new_events

        return self.handler.handle(
            SHARING,
            command.person,
            decision,
            idempotent=True,
            actor=command.actor,
            action=type(command).__name__,
        ).state

    def _check_people(self, people: Sequence[tuple[str, str]]) -> None:
        """Refuse person ids the installation's organisation does not know (once imported)."""
        if (
            self.organisation_id is None
            or self.store.version(org_stream(self.organisation_id)) == 0
        ):
            return
        check_known_people(self.organisation(self.organisation_id).people, people)

    # -- reading ---------------------------------------------------------------------------

    def read_conversation(
        self, conversation_id: str, *, viewer: str, purpose: str, policy: ReadPolicy | None = None
    ) -> ConversationView:
        """Read a conversation as *viewer* for *purpose* at the service clock's time, with days
        in the installation's time zone; every decision is audited
        (:func:`magcore.access.reading.read_conversation`)."""
        from ..access.reading import read_conversation

        reading: dict[str, Any] = {
            "clock": self.clock,
            "zone": self.timezone,
            "origin": self.origin,
        }
        return read_conversation(
            self.store, conversation_id, viewer=viewer, purpose=purpose, policy=policy, **reading
        )

    def read_goal(
        self, goal_id: str, *, viewer: str, purpose: str, policy: ReadPolicy | None = None
    ) -> GoalView:
        """Read a goal like :meth:`read_conversation` reads a conversation."""
        from ..access.reading import read_goal

        reading: dict[str, Any] = {
            "clock": self.clock,
            "zone": self.timezone,
            "origin": self.origin,
        }
        return read_goal(
            self.store, goal_id, viewer=viewer, purpose=purpose, policy=policy, **reading
        )

    # -- writing ---------------------------------------------------------------------------

    def commit(self, writes: Sequence[StreamWrite]) -> CommittedBatch:
        """Append *writes* in one transaction, then tell the observing plugins (once).

        For code that builds its own events (workflows, connectors); a stale version raises
        :class:`~magcore.errors.ConflictError` and nothing is written. Commands go through
        :attr:`handler`, which commits the same way.
        """
        return self.handler.commit(self.handler.with_read_models(writes, [CONVERSATION]))

    def _tell(self, batch: CommittedBatch) -> None:
        """Wake the dispatcher: the batch is in the outbox (their failures are kept)."""
        if not batch.events or not self.dispatcher.observers:
            return
        if self.dispatch == "sync":
            self.dispatcher.drain()
        elif self.dispatch == "thread":
            self.dispatcher.start()
            self.dispatcher.notify()

    # -- organisation ----------------------------------------------------------------------

    def import_organisation(self, org: Organisation, *, actor: str) -> None:
        """Store *org* as a new snapshot of its organisation (people, teams, roles over time)."""
        self._append_org_event(org.id, OrganisationEvent.IMPORTED, org.to_json(), actor=actor)
        self._organisations.pop(org.id, None)

    def _append_org_event(
        self, org_id: str, kind: str, data: Mapping[str, Any], *, actor: str
    ) -> None:
        def decision(loaded: Loaded[Organisation | None], now: datetime) -> Sequence[Event]:
            event = Event(
                stream=loaded.stream,
                version=loaded.version + 1,
                type=kind,
                at=now,
                actor=actor,
                data=data,
            )
            return (event,)

        self.handler.handle(self._organisation_aggregate, org_id, decision)

    def _replay_organisation(self, org_id: str, events: Sequence[Event]) -> Organisation | None:
        """The organisation after *events*, from the cache when its version is known."""
        cached = self._organisations.get(org_id)
        if cached is not None and cached[0] == len(events):
            return cached[1]
        org = replay_organisation(events)
        if org is not None:
            self._organisations[org_id] = (len(events), org)
        return org

    def organisation(self, org_id: str) -> Organisation:
        """The organisation as its stream tells it: the last import plus later changes."""
        check_id(org_id, pointer="/organisation")
        stream = org_stream(org_id)
        version = self.store.version(stream)
        cached = self._organisations.get(org_id)
        if cached is not None and cached[0] == version:
            return cached[1]
        org = replay_organisation(self.store.read(stream))
        if org is None:
            raise NotFoundError(f"unknown organisation {org_id!r}: import it first")
        self._organisations[org_id] = (version, org)
        return org

    def change_manager(
        self, org_id: str, team: str, manager: str | None, on: date, *, actor: str
    ) -> Organisation:
        """Record that *manager* manages *team* from *on* (a dated event; the handover starts)."""
        org = self.organisation(org_id)
        changed = org.change_manager(team, manager, on)
        data = {
            "team": team,
            "previous": org.manager_of_team(team, on),
            "manager": manager,
            "on": on.isoformat(),
        }
        self._append_org_event(org_id, OrganisationEvent.MANAGER_CHANGED, data, actor=actor)
        return changed

    def move_person(self, org_id: str, person: str, team: str, on: date, *, actor: str) -> None:
        """Record that *person* joins *team* from *on*."""
        self.organisation(org_id).move_person(person, team, on)
        data = {"person": person, "team": team, "on": on.isoformat()}
        self._append_org_event(org_id, OrganisationEvent.PERSON_MOVED, data, actor=actor)

    # -- conversations ---------------------------------------------------------------------

    def _load(self, conversation_id: str) -> Conversation:
        """The raw state of a conversation, for the library's own checks: not audited, never
        handed to a person (people get :meth:`view`)."""
        check_id(conversation_id, pointer="/conversation_id")
        return self.handler.require(CONVERSATION, conversation_id)

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
        organisation: Organisation | None = None,
    ) -> tuple[Participant, ...]:
        """The participants the organisation gives a conversation of *kind_id* about *employee*.

        The manager is the employee's manager on *on*; a peer must share the employee's team; a
        coach must hold a coach role (the rule: :func:`magcore.domain.participants.participants`).
        """
        org = organisation if organisation is not None else self.organisation(org_id)
        return participants(org, cycle.kind(kind_id), employee, on=on, peer=peer, coach=coach)

    def request(
        self,
        *,
        cycle: str | CycleDefinition,
        kind: str,
        participants: Iterable[Participant],
        actor: str,
        team: str | None = None,
        themes: Iterable[str] = (),
        conversation_id: str | None = None,
        carry_forward: bool = True,
    ) -> ConversationView:
        """Start a conversation; open agreements about the employee carry forward into it.

        Returns what *actor* may see of it: a new manager sees the carried agreements only
        where they took part or the employee's handover choice shows them.
        """
        definition = cycle if isinstance(cycle, CycleDefinition) else self.cycle(cycle)
        forms = {use: self.form(f) for use, f in versions.kind_forms(definition, kind).items()}
        pins = versions.pin_writes(
            self.store, definition, list(forms.values()), at=self.clock.now()
        )
        versions.check_approved(
            definition,
            self.policy_hash(definition),
            versions.approval_state(self.store, definition.id),
        )
        participants = tuple(participants)
        self._check_people(
            [(f"/participants/{i}/person", p.person) for i, p in enumerate(participants)]
        )
        subject = next((p.person for p in participants if p.role is ParticipantRole.EMPLOYEE), None)
        carried: tuple[Agreement, ...] = ()
        if carry_forward and subject is not None:
            carried = tuple(
                attrs.evolve(
                    self._original_agreement(row.conversation, row.agreement),
                    id=f"{row.conversation}#{row.agreement}",
                    carried_from=f"{row.conversation}#{row.agreement}",
                )
                for row in self.store.open_agreements(subject)
            )
        command = RequestConversation(
            actor=actor,
            conversation_id=conversation_id or self.new_id(),
            cycle=definition,
            kind=kind,
            participants=participants,
            team=team,
            themes=tuple(themes),
            carried_forward=carried,
            forms={use: form.key for use, form in forms.items()},
        )
        handled = self.handler.handle(
            CONVERSATION,
            command.conversation_id,
            lambda _loaded, now: decide(None, command, now=now),
            new=True,
            also=lambda: pins,
            actor=actor,
            action="RequestConversation",
        )
        # Known from now on, so later commands can check answers against its forms; only after
        # the request was stored, so a refused request leaves the service as it was.
        self._cycles.setdefault(definition.key, definition)
        return self.view(handled.state.id, actor=actor)

    def request_many(
        self,
        requests: Iterable[Mapping[str, Any]],
        *,
        batch_size: int = 2000,
        progress: Callable[[int], None] | None = None,
    ) -> list[str]:
        """Start many conversations, *batch_size* per transaction: the bulk path of
        :meth:`request` (a year's conversations for a whole organisation). Returns their ids,
        in order: no content (read each through :meth:`view`).

        Each of *requests* holds :meth:`request`'s keyword arguments. Every request in a batch
        is decided first; a refused one raises before anything of its batch is written, so each
        batch is stored whole or not at all (earlier batches stay). Observers hear once per
        batch. *progress* is called with the number of requests stored so far.
        """
        started: list[str] = []
        pending: list[Mapping[str, Any]] = []

        def flush() -> None:
            writes: list[StreamWrite] = []
            definitions: dict[str, CycleDefinition] = {}
            pinned: dict[str, FormDefinition] = {}
            batch: list[str] = []
            for spec in pending:
                cycle = spec["cycle"]
                definition = cycle if isinstance(cycle, CycleDefinition) else self.cycle(cycle)
                if definition.key not in definitions:
                    versions.check_approved(
                        definition,
                        self.policy_hash(definition),
                        versions.approval_state(self.store, definition.id),
                    )
                forms = {
                    use: self.form(f)
                    for use, f in versions.kind_forms(definition, spec["kind"]).items()
                }
                pinned.update({form.key: form for form in forms.values()})
                participants = tuple(spec["participants"])
                subject = next(
                    (p.person for p in participants if p.role is ParticipantRole.EMPLOYEE), None
                )
                carried: tuple[Agreement, ...] = ()
                if spec.get("carry_forward", True) and subject is not None:
                    carried = tuple(
                        attrs.evolve(
                            self._original_agreement(row.conversation, row.agreement),
                            id=f"{row.conversation}#{row.agreement}",
                            carried_from=f"{row.conversation}#{row.agreement}",
                        )
                        for row in self.store.open_agreements(subject)
                    )
                command = RequestConversation(
                    actor=spec["actor"],
                    conversation_id=spec.get("conversation_id") or self.new_id(),
                    cycle=definition,
                    kind=spec["kind"],
                    participants=participants,
                    team=spec.get("team"),
                    themes=tuple(spec.get("themes", ())),
                    carried_forward=carried,
                    forms={use: form.key for use, form in forms.items()},
                )
                events = decide(None, command, now=self.clock.now())
                state = replay(events)
                rows = CONVERSATION.read_model(state) if CONVERSATION.read_model else None
                writes.append(
                    StreamWrite(stream_of(command.conversation_id), 0, events, read_model=rows)
                )
                definitions.setdefault(definition.key, definition)
                batch.append(command.conversation_id)
            for index, definition in enumerate(definitions.values()):
                # Each form is kept once per batch (a stream appears once per transaction).
                kept = list(pinned.values()) if index == 0 else []
                writes.extend(
                    versions.pin_writes(self.store, definition, kept, at=self.clock.now())
                )
            self.commit(writes)
            for definition in definitions.values():
                self._cycles.setdefault(definition.key, definition)
            started.extend(batch)
            pending.clear()
            if progress is not None:
                progress(len(started))

        for spec in requests:
            pending.append(spec)
            if len(pending) >= batch_size:
                flush()
        if pending:
            flush()
        return started

    def _original_agreement(self, conversation_id: str, agreement_id: str) -> Agreement:
        """The agreement as it stands in its conversation (text, owner, due date, theme)."""
        for agreement in self._load(conversation_id).agreements:
            if agreement.id == agreement_id:
                return agreement
        raise NotFoundError(f"agreement {agreement_id!r} of {conversation_id!r} is gone")

    def execute(self, conversation_id: str, command: Command) -> ConversationView:
        """Apply *command* to a conversation; raises TransitionError and writes nothing if refused.

        Returns what the command's actor may see of the conversation afterwards (audited).

        A concurrent change between reading and writing raises ConflictError (nothing written);
        retry with the new state.
        """
        check_id(conversation_id, pointer="/conversation_id")

        def decision(loaded: Loaded[Conversation], now: datetime) -> Sequence[Event]:
            assert loaded.state is not None  # must_exist
            new_events = decide(loaded.state, command, now=now)
            self.check_answers(loaded.state, command)
            return new_events

        self.handler.handle(
            CONVERSATION,
            conversation_id,
            decision,
            must_exist=True,
            idempotent=isinstance(command, IDEMPOTENT),
            actor=command.actor,
            action=type(command).__name__,
        )
        return self.view(conversation_id, actor=command.actor)

    def record(
        self, conversation_id: str, draft: DraftRecord, *, held_on: date | None = None
    ) -> ConversationView:
        """Write the record of a conversation, marking it held first if it is still open.

        An open conversation is marked held on *held_on* (default: today by the service's
        clock) and gets the record in the same transaction, after both steps and the answers
        were checked, so a bad record leaves the store unchanged. A conversation already held
        keeps its date: a different *held_on* is refused with
        :class:`~magcore.errors.TransitionError`.
        """
        check_id(conversation_id, pointer="/conversation_id")

        def decision(loaded: Loaded[Conversation], now: datetime) -> Sequence[Event]:
            conv = loaded.state
            assert conv is not None  # must_exist
            held: tuple[Event, ...] = ()
            if conv.state in OPEN_STATES:
                day = held_on if held_on is not None else now.date()
                held = decide(conv, MarkHeld(actor=draft.actor, on=day), now=now)
                conv = _evolve_conversation(conv, held)
            elif held_on is not None and conv.held_on != held_on:
                raise TransitionError(
                    conversation_id=conv.id,
                    state=conv.state.value,
                    action="mark_held",
                    reason=f"it was already held on {conv.held_on}",
                )
            recorded = decide(conv, draft, now=now)
            self.check_answers(conv, draft)
            return (*held, *recorded)

        self.handler.handle(
            CONVERSATION,
            conversation_id,
            decision,
            must_exist=True,
            actor=draft.actor,
            action="DraftRecord",
        )
        return self.view(conversation_id, actor=draft.actor)

    # -- goals -----------------------------------------------------------------------------

    def _goal(self, goal_id: str) -> Goal:
        """The raw state of a goal (unaudited, for the library's own checks)."""
        check_id(goal_id, pointer="/goal_id")
        return self.handler.require(GOAL, goal_id)

    def execute_goal(self, command: GoalCommand) -> GoalView:
        """Set a goal, note progress, link a conversation or close it (one transaction).

        Returns what the actor may see of the goal afterwards (audited)."""

        def decision(loaded: Loaded[Goal], now: datetime) -> Sequence[Event]:
            new_events = decide_goal(loaded.state, command, now=now)
            if isinstance(command, SetGoal) and command.actor != command.owner:
                assert command.agreed_in is not None  # decide_goal refuses it otherwise
                conv = self._load(command.agreed_in)
                if not (conv.is_participant(command.actor) and conv.is_participant(command.owner)):
                    raise TransitionError(
                        conversation_id=f"goal {command.goal_id}",
                        state="new",
                        action="set_goal",
                        reason=f"{command.actor} and {command.owner} did not both take part in "
                        f"conversation {command.agreed_in}",
                    )
            return new_events

        self.handler.handle(
            GOAL,
            command.goal_id,
            decision,
            idempotent=isinstance(command, IDEMPOTENT),
            actor=command.actor,
            action=type(command).__name__,
        )
        return self.view_goal(command.goal_id, actor=command.actor)

    # -- planning --------------------------------------------------------------------------

    def plan(
        self, org_id: str, cycle: str | CycleDefinition, start: date, end: date
    ) -> tuple[DueConversation, ...]:
        """Who is due which conversation in ``[start, end)`` (free cadences use the history)."""
        definition = cycle if isinstance(cycle, CycleDefinition) else self.cycle(cycle)
        last: dict[str, date] = {}
        for row in self.store.conversations(held_until=start):
            if row.subject and row.held_on and row.held_on > last.get(row.subject, date.min):
                last[row.subject] = row.held_on
        return plan(self.organisation(org_id), definition, start, end, last_conversations=last)

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

    def close(self) -> None:
        self.dispatcher.stop()
        self.store.close()


def open_service(
    url: str = "memory://",
    *,
    clock: Clock | None = None,
    host: PluginHost | None = None,
    settings: StoreSettings | None = None,
    origin: str = "api",
    language: str = "nl",
    dispatch: str = "thread",
    timezone: str | None = None,
    organisation: str | None = None,
) -> Service:
    """Open the store at *url* through the installed plugins and return a :class:`Service`.

    *timezone* and *organisation* are the installation's settings (see :class:`Service`); a
    time zone that does not exist raises :class:`~magcore.errors.TimezoneError` before the store
    is opened.
    """
    _timezone(timezone)
    host = host if host is not None else get_plugin_manager()
    store = host.hooks.open_store(url, settings)
    return Service(
        store,
        host=host,
        clock=clock,
        origin=origin,
        language=language,
        dispatch=dispatch,
        timezone=timezone,
        organisation=organisation,
    )
