"""The application service: commands in, events stored, observers told.

Data flows one way: a call here → the aggregate checks the rule and produces events → the store
appends them in one transaction → plugins observing committed batches hear about them. The
service holds no rules of its own beyond looking people up in the organisation.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, tzinfo
from typing import TYPE_CHECKING, Any

import attrs

from ..clock import Clock, SystemClock
from ..domain.approvals import PolicyState, cycle_stream
from ..domain.conversation import (
    Command,
    Conversation,
    DraftRecord,
    RequestConversation,
    SavePreparation,
    decide,
    replay,
    stream_of,
)
from ..domain.goals import Goal, GoalCommand, SetGoal, decide_goal, goal_stream, replay_goal
from ..domain.organisation import org_stream, replay_organisation
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
from ..model.cycle import CycleDefinition, ParticipantRole, Pattern
from ..model.days import timezone as _timezone
from ..model.input_policy import check_id, check_known_people
from ..model.organisation import Organisation
from ..model.records import Agreement, Participant
from ..plugins import PluginHost, get_plugin_manager
from ..storage.base import AuditRecord, Store, StoreSettings, StreamWrite
from . import versions
from .versions import definition_stream

if TYPE_CHECKING:
    from ..access.reading import ConversationView, GoalView, ReadPolicy

__all__ = ["Service", "definition_stream", "open_service", "org_stream"]

log = logging.getLogger("magcore")


def _new_id() -> str:
    return uuid.uuid4().hex[:16]


class Service:
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
        timezone: str | None = None,
        organisation: str | None = None,
    ) -> None:
        self.store = store
        self.timezone: tzinfo = _timezone(timezone)
        self.organisation_id = organisation
        self.language = language
        self.host = host if host is not None else get_plugin_manager()
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.new_id = new_id
        self.origin = origin
        self.plugin_failures: list[PluginError] = []
        self._cycles: dict[str, CycleDefinition] = {}
        contributed = self.host.hooks.cycles()
        self.plugin_failures.extend(contributed.problems)
        for definition in contributed:
            self._cycles[definition.key] = definition
        self._organisations: dict[str, tuple[int, Organisation]] = {}
        self._forms: dict[str, Any] | None = None
        self._form_versions: dict[str, Any] = {}
        self._policy_hashes: dict[str, str] = {}

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
    ) -> PolicyState:
        """Record that *body* approved a cycle version's regulation (WOR art. 27), in the
        stream ``cycle:<id>`` and the audit log. *policy_hash* is the hash of the text that
        was shown (``magcore policy render``); a stale one is refused. Without it, the
        current hash is approved."""
        from ..domain.approvals import ApprovePolicy
        from ..domain.approvals import decide as decide_approval

        definition = cycle if isinstance(cycle, CycleDefinition) else self.cycle(cycle)
        current = self.policy_hash(definition)
        stream = cycle_stream(definition.id)
        state = versions.approval_state(self.store, definition.id)
        command = ApprovePolicy(
            actor=actor,
            cycle=definition,
            policy_hash=current if policy_hash is None else policy_hash,
            body=body,
            reference=reference,
            on=on,
        )
        now = self.clock.now()
        events = decide_approval(state, command, now=now, current_hash=current)
        used = {f for k in definition.kinds for f in versions.kind_forms(definition, k.id).values()}
        forms = [self.form(f) for f in sorted(used)]
        writes = [StreamWrite(stream, state.version, events)]
        writes.extend(versions.pin_writes(self.store, definition, forms, at=now))
        line = AuditRecord(
            at=now.isoformat(),
            actor=actor,
            action="approve",
            object=f"cycle:{definition.key}/regulation",
            result="done",
            origin=self.origin,
            reason=f"{body}: {reference} ({current})",
        )
        self.commit(writes, audit=[line])
        return versions.approval_state(self.store, definition.id)

    # -- forms -----------------------------------------------------------------------------

    @property
    def forms(self) -> Mapping[str, Any]:
        """Every form the plugins contribute, by id (the newest version of each)."""
        if self._forms is None:
            contributed = self.host.hooks.forms()
            self.plugin_failures.extend(contributed.problems)
            newest: dict[str, Any] = {}
            for form in contributed:
                self._form_versions[form.key] = form
                if form.id not in newest or form.version > newest[form.id].version:
                    newest[form.id] = form
            self._forms = newest
        return self._forms

    def form(self, form_id: str) -> Any:
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

    def form_version(self, key: str) -> Any:
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

    def sharing(self, person: str) -> SharingState:
        """Every sharing choice *person* ever made (revoked ones keep their revocation time)."""
        check_id(person, pointer="/person")
        return replay_sharing(person, self.store.read(person_stream(person)))

    def share(self, command: SharingCommand) -> SharingState:
        """Grant or revoke a sharing choice; only the employee decides about their own record."""
        stream = person_stream(command.person)
        events = self.store.read(stream)
        state = replay_sharing(command.person, events)
        new_events = decide_sharing(state, command, now=self.clock.now(), zone=self.timezone)
        if isinstance(command, GrantSharing) and command.to not in GRANTEE_ROLES:
            self._check_people([("/to", command.to)])
        self._append(stream, len(events), new_events)
        return replay_sharing(command.person, (*events, *new_events))

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

    def commit(
        self, writes: Sequence[StreamWrite], *, audit: Sequence[AuditRecord] = ()
    ) -> CommittedBatch:
        """Append *writes* in one transaction, then tell the observing plugins (once).

        For code that builds its own events (workflows, connectors); a stale version raises
        :class:`~magcore.errors.ConflictError` and nothing is written.
        """
        batch = self.store.append(writes, audit=audit)
        failures = self.host.hooks.events_committed(batch)
        for failure in failures:
            log.warning("%s", failure)
        self.plugin_failures.extend(failures)
        return batch

    def _append(self, stream: str, expected: int, events: Sequence[Event]) -> CommittedBatch:
        return self.commit([StreamWrite(stream, expected, tuple(events))])

    # -- organisation ----------------------------------------------------------------------

    def import_organisation(self, org: Organisation, *, actor: str) -> None:
        """Store *org* as a new snapshot of its organisation (people, teams, roles over time)."""
        self._append_org_event(org.id, "organisation.imported", org.to_json(), actor=actor)
        self._organisations.pop(org.id, None)

    def _append_org_event(
        self, org_id: str, kind: str, data: Mapping[str, Any], *, actor: str
    ) -> None:
        stream = org_stream(org_id)
        version = self.store.version(stream)
        event = Event(
            stream=stream,
            version=version + 1,
            type=kind,
            at=self.clock.now(),
            actor=actor,
            data=data,
        )
        self._append(stream, version, [event])

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
        self._append_org_event(org_id, "manager.changed", data, actor=actor)
        return changed

    def move_person(self, org_id: str, person: str, team: str, on: date, *, actor: str) -> None:
        """Record that *person* joins *team* from *on*."""
        self.organisation(org_id).move_person(person, team, on)
        data = {"person": person, "team": team, "on": on.isoformat()}
        self._append_org_event(org_id, "person.moved", data, actor=actor)

    # -- conversations ---------------------------------------------------------------------

    def load(self, conversation_id: str) -> Conversation:
        """The current state of a conversation (for the service's own checks: not audited).

        People read conversations through :mod:`magcore.access.reading`, which applies the access
        policy and writes the audit log.
        """
        check_id(conversation_id, pointer="/conversation_id")
        events = self.store.read(stream_of(conversation_id))
        if not events:
            raise NotFoundError(f"unknown conversation {conversation_id!r}")
        return replay(events)

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
        coach must hold a coach role. Pass *organisation* (as :meth:`organisation` returned it)
        when asking for many people at once, so it is not looked up each time.
        """
        org = organisation if organisation is not None else self.organisation(org_id)
        org.person(employee)
        kind = cycle.kind(kind_id)
        people = [Participant(employee, ParticipantRole.EMPLOYEE)]
        if kind.pattern in (Pattern.EMPLOYEE_MANAGER, Pattern.THREE_PARTY):
            manager = org.manager_of(employee, on)
            if manager is None:
                raise TransitionError(
                    conversation_id="new",
                    state="new",
                    action="request",
                    reason=f"{employee} has no manager on {on} (a self-steering team?)",
                )
            people.append(Participant(manager, ParticipantRole.MANAGER))
        if kind.pattern is Pattern.PEER:
            team = org.team_of(employee, on)
            if peer is None or team is None or peer not in org.members(team, on):
                raise TransitionError(
                    conversation_id="new",
                    state="new",
                    action="request",
                    reason=f"the peer must be a member of {employee}'s team on {on}",
                )
            people.append(Participant(peer, ParticipantRole.PEER))
        if kind.pattern is Pattern.THREE_PARTY:
            if coach is None or coach not in org.coaches(on):
                raise TransitionError(
                    conversation_id="new",
                    state="new",
                    action="request",
                    reason="a three-party conversation needs a person with a coach role",
                )
            people.append(Participant(coach, ParticipantRole.COACH))
        return tuple(people)

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
    ) -> Conversation:
        """Start a conversation; open agreements about the employee carry forward into it."""
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
        events = decide(None, command, now=self.clock.now())
        writes = [StreamWrite(stream_of(command.conversation_id), 0, events)]
        writes.extend(pins)
        self.commit(writes)
        # Known from now on, so later commands can check answers against its forms; only after
        # the request was stored, so a refused request leaves the service as it was.
        self._cycles.setdefault(definition.key, definition)
        return replay(events)

    def request_many(
        self,
        requests: Iterable[Mapping[str, Any]],
        *,
        batch_size: int = 2000,
        progress: Callable[[int], None] | None = None,
    ) -> list[Conversation]:
        """Start many conversations, *batch_size* per transaction: the bulk path of
        :meth:`request` (a year's conversations for a whole organisation).

        Each of *requests* holds :meth:`request`'s keyword arguments. Every request in a batch
        is decided first; a refused one raises before anything of its batch is written, so each
        batch is stored whole or not at all (earlier batches stay). Observers hear once per
        batch. *progress* is called with the number of requests stored so far.
        """
        started: list[Conversation] = []
        pending: list[Mapping[str, Any]] = []

        def flush() -> None:
            writes: list[StreamWrite] = []
            definitions: dict[str, CycleDefinition] = {}
            pinned: dict[str, Any] = {}
            batch: list[Conversation] = []
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
                writes.append(StreamWrite(stream_of(command.conversation_id), 0, events))
                definitions.setdefault(definition.key, definition)
                batch.append(replay(events))
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
        for agreement in self.load(conversation_id).agreements:
            if agreement.id == agreement_id:
                return agreement
        raise NotFoundError(f"agreement {agreement_id!r} of {conversation_id!r} is gone")

    def execute(self, conversation_id: str, command: Command) -> Conversation:
        """Apply *command* to a conversation; raises TransitionError and writes nothing if refused.

        A concurrent change between reading and writing raises ConflictError (nothing written);
        retry with the new state.
        """
        check_id(conversation_id, pointer="/conversation_id")
        events_before = self.store.read(stream_of(conversation_id))
        if not events_before:
            raise NotFoundError(f"unknown conversation {conversation_id!r}")
        conv = replay(events_before)
        new_events = decide(conv, command, now=self.clock.now())
        self.check_answers(conv, command)
        self._append(stream_of(conversation_id), conv.version, new_events)
        state = conv
        from ..domain.conversation import apply

        for event in new_events:
            state = apply(event, state)
        return state

    # -- goals -----------------------------------------------------------------------------

    def goal(self, goal_id: str) -> Goal:
        """The current state of a goal (unaudited, for the service's own checks)."""
        check_id(goal_id, pointer="/goal_id")
        events = self.store.read(goal_stream(goal_id))
        if not events:
            raise NotFoundError(f"unknown goal {goal_id!r}")
        return replay_goal(events)

    def execute_goal(self, command: GoalCommand) -> Goal:
        """Set a goal, note progress, link a conversation or close it (one transaction)."""
        stream = goal_stream(command.goal_id)
        events = self.store.read(stream)
        goal = replay_goal(events) if events else None
        new_events = decide_goal(goal, command, now=self.clock.now())
        if isinstance(command, SetGoal) and command.actor != command.owner:
            assert command.agreed_in is not None  # decide_goal refuses it otherwise
            conv = self.load(command.agreed_in)
            if not (conv.is_participant(command.actor) and conv.is_participant(command.owner)):
                raise TransitionError(
                    conversation_id=f"goal {command.goal_id}",
                    state="new",
                    action="set_goal",
                    reason=f"{command.actor} and {command.owner} did not both take part in "
                    f"conversation {command.agreed_in}",
                )
        self._append(stream, len(events), new_events)
        return replay_goal((*events, *new_events))

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
        self.store.close()


def open_service(
    url: str = "memory://",
    *,
    clock: Clock | None = None,
    host: PluginHost | None = None,
    settings: StoreSettings | None = None,
    origin: str = "api",
    language: str = "nl",
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
        timezone=timezone,
        organisation=organisation,
    )
