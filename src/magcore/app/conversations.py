"""The service's conversations and goals: request, commands, the record, reading.

Mixed into :class:`~magcore.app.service.Service`: each command is decided by its aggregate and
stored in one transaction through the :class:`~magcore.app.handler.CommandHandler`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

import attrs

from ..access.gateway import Gateway
from ..access.origins import requested
from ..access.policy import stricter
from ..access.reading import ConversationView, GoalView, ReadPolicy
from ..domain.conversation import (
    OPEN_STATES,
    Command,
    Conversation,
    DraftRecord,
    MarkHeld,
    RequestConversation,
    State,
    UpdateAgreement,
    check_taking_part,
    decide,
)
from ..domain.conversation.themes import check_themes
from ..domain.goals import Goal, GoalCommand, SetGoal, decide_goal
from ..errors import Problem, RecordInvalidError, TransitionError
from ..events import Event
from ..model.cycle import CycleDefinition, ParticipantRole
from ..model.input_policy import check_id
from ..model.organisation import Organisation
from ..model.records import Agreement, AgreementStatus, Participant, agreement_reference
from ..storage.base import AgreementRow, ReadsAgreementsInBulk, StreamWrite
from . import versions
from .access import AccessMixin
from .aggregates import CONVERSATION, GOAL, IDEMPOTENT, evolve_conversation
from .catalogue import CatalogueMixin
from .handler import CommandHandler, Loaded
from .linked import LinksMixin
from .people import OrganisationMixin

__all__ = ["ConversationsMixin", "check_parties"]


class ConversationsMixin(LinksMixin, CatalogueMixin, OrganisationMixin, AccessMixin):
    """Conversations and goals of a service (mixed into ``Service``)."""

    if TYPE_CHECKING:
        handler: CommandHandler
        new_id: Callable[[], str]

    # -- reading ---------------------------------------------------------------------------

    def read_conversation(
        self, conversation_id: str, *, viewer: str, purpose: str, policy: ReadPolicy | None = None
    ) -> ConversationView:
        """Read a conversation as *viewer* for *purpose*: :meth:`view` (the gateway), kept for
        older callers. A *policy* given decides who is who and the legal bases; the special
        kinds, themes and fields of the conversation's cycle count on top of it, never less."""
        return self._gateway_with(policy).conversation(
            conversation_id, actor=viewer, purpose=purpose
        )

    def read_goal(
        self, goal_id: str, *, viewer: str, purpose: str, policy: ReadPolicy | None = None
    ) -> GoalView:
        """Read a goal like :meth:`read_conversation` reads a conversation (:meth:`view_goal`)."""
        return self._gateway_with(policy).goal(goal_id, actor=viewer, purpose=purpose)

    def _gateway_with(self, policy: ReadPolicy | None) -> Gateway:
        if policy is None:
            return self.gateway
        return Gateway(
            self.store,
            clock=self.clock,
            policy=stricter(policy, self.base_policy()),
            policy_for=lambda cycle: stricter(policy, self.read_policy(cycle)),
            origin=self.origin,
            zone=self.timezone,
        )

    # -- conversations ---------------------------------------------------------------------

    def _load(self, conversation_id: str) -> Conversation:
        """The raw state of a conversation, for the library's own checks: not audited, never
        handed to a person (people get :meth:`view`)."""
        check_id(conversation_id, pointer="/conversation_id")
        return self.handler.require(CONVERSATION, conversation_id)

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
        """Start a conversation; open agreements about the employee carry forward into it (for
        a team conversation: the open agreements of the team's earlier team conversations).

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
        self._check_parties(definition, kind, participants, team)
        subject = next((p.person for p in participants if p.role == ParticipantRole.EMPLOYEE), None)
        carried: tuple[Agreement, ...] = ()
        if carry_forward and subject is not None:
            carried = self._open_agreements_of(subject)
        elif carry_forward and team is not None and definition.kind(kind).is_team:
            carried = self._open_team_agreements(team)
        command = RequestConversation(
            actor=actor,
            conversation_id=self.new_id() if conversation_id is None else conversation_id,
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

    def _check_parties(
        self,
        definition: CycleDefinition,
        kind_id: str,
        participants: tuple[Participant, ...],
        team: str | None,
    ) -> None:
        """Refuse people who do not fit their party's membership rule today, naming the party
        (once an organisation is imported; without one only the counts are checked)."""
        check_parties(self._membership_context(), definition, kind_id, participants, team)

    def _membership_context(self) -> tuple[Organisation, date] | None:
        """The organisation and today's local day that membership rules are checked against
        (:func:`~magcore.app._org_context.checked_organisation`: the one named, else the one
        access is decided with, else the only one stored), or ``None`` before one is imported."""
        from ..model.days import local_day

        org_id = self._checked_organisation()
        if org_id is None:
            return None
        return self.organisation(org_id), local_day(self.clock.now(), self.timezone)

    def _open_team_agreements(self, team: str) -> tuple[Agreement, ...]:
        """The open agreements of the agreed team conversations about *team*, oldest first, as
        copies to carry into the team's next conversation (the team's own, not a person's)."""
        rows = sorted(
            (
                row
                for row in self.store.conversations(team=team, states={"agreed"})
                if row.subject is None
            ),
            key=lambda row: (row.held_on or row.requested_on, row.id),
        )
        # The rows only point at candidates: the events say whose each one is.
        loaded = [(row, self._load(row.id)) for row in rows]
        return tuple(
            attrs.evolve(
                a,
                id=agreement_reference(row.id, a.id),
                carried_from=agreement_reference(row.id, a.id),
            )
            for row, conv in loaded
            if conv.subject is None and conv.team == team and conv.state is State.AGREED
            for a in conv.agreements
            if a.status is AgreementStatus.OPEN
        )

    def _open_agreements_of(self, subject: str) -> tuple[Agreement, ...]:
        """The open agreements about *subject*, oldest first, as copies to carry into their next
        conversation. The read model's rows only point at candidates: each is carried only when
        its conversation's events say it is about *subject*, agreed, and the agreement open (a
        row edited in the database carries nobody's agreement to anyone)."""
        return self._carried(subject, self.store.open_agreements(subject), {})

    def _open_agreements_of_many(
        self, subjects: Collection[str]
    ) -> dict[str, tuple[Agreement, ...]]:
        """:meth:`_open_agreements_of` of each of *subjects*, the read-model rows read once for
        all of them where the store can (:class:`~magcore.storage.base.ReadsAgreementsInBulk`),
        each candidate checked against its conversation's events as for one person."""
        people = sorted(set(subjects))
        if isinstance(self.store, ReadsAgreementsInBulk):
            rows = self.store.open_agreements_many(people)
        else:
            rows = {person: self.store.open_agreements(person) for person in people}
        loaded: dict[str, Conversation] = {}
        return {person: self._carried(person, rows[person], loaded) for person in people}

    def _carried(
        self, subject: str, rows: Iterable[AgreementRow], loaded: dict[str, Conversation]
    ) -> tuple[Agreement, ...]:
        """Copies of the agreements of *rows* (about *subject*) to carry forward: only those
        whose conversation's events (loaded once into *loaded*) say it is about *subject* and
        agreed, and the agreement open."""
        carried: list[Agreement] = []
        for row in rows:
            if row.conversation not in loaded:
                loaded[row.conversation] = self._load(row.conversation)
            origin = loaded[row.conversation]
            if origin.subject != subject or origin.state is not State.AGREED:
                continue
            agreement = next((a for a in origin.agreements if a.id == row.agreement), None)
            if agreement is None or agreement.status is not AgreementStatus.OPEN:
                continue
            reference = agreement_reference(row.conversation, row.agreement)
            carried.append(attrs.evolve(agreement, id=reference, carried_from=reference))
        return tuple(carried)

    def execute(self, conversation_id: str, command: Command) -> ConversationView:
        """Apply *command* to a conversation; raises TransitionError and writes nothing if refused.

        Returns what the command's actor may see of the conversation afterwards (audited).

        A concurrent change between reading and writing raises ConflictError (nothing written);
        retry with the new state.

        A record whose form lists development goals (``x-magcore-goals``) gets an agreement of
        the employee per goal when drafted, and a linked goal per agreement when agreed, in the
        same transaction (:mod:`magcore.app.record_goals`); marking such an agreement done or
        dropped closes its goal too when the employee does it. ``UpdateAgreement`` naming a carried
        agreement (``<conversation>#<agreement>``) closes a team agreement where it was agreed
        (:mod:`magcore.domain.conversation.carried`).
        """
        check_id(conversation_id, pointer="/conversation_id")
        goals: list[StreamWrite] = []
        carrier = conversation_id
        # A carried agreement ("<conversation>#<agreement>") is closed where it was agreed.
        carried = isinstance(command, UpdateAgreement) and "#" in command.agreement_id

        def decision(loaded: Loaded[Conversation], now: datetime) -> Sequence[Event]:
            assert loaded.state is not None  # must_exist
            if carried:
                assert isinstance(command, UpdateAgreement)
                return self._carried_update(loaded.state, carrier, command, now)
            # An outsider learns nothing of the conversation, not even its state.
            check_taking_part(loaded.state, command.actor, command.action)
            given = self._with_record_goals(loaded.state, command)
            new_events = decide(loaded.state, given, now=now)
            check_themes(self.cycle(loaded.state.cycle), command)
            self.check_answers(loaded.state, given)
            self._check_goal_links(loaded.state, given)
            goals[:] = self._agreed_goals(loaded.state, new_events, command.actor, now)
            goals.extend(self._goal_follows(loaded.state, given, now))
            return new_events

        if carried:
            assert isinstance(command, UpdateAgreement)
            conversation_id = self._carried_origin(carrier, command)
        self.handler.handle(
            CONVERSATION,
            conversation_id,
            decision,
            must_exist=True,
            also=lambda: list(goals),
            idempotent=isinstance(command, IDEMPOTENT),
            actor=command.actor,
            action=type(command).__name__,
        )
        return self.view(carrier, actor=command.actor)

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
            # Before anything about its state (open, held on which day): an outsider learns
            # nothing of the conversation.
            check_taking_part(conv, draft.actor, draft.action)
            held: tuple[Event, ...] = ()
            if conv.state in OPEN_STATES:
                day = held_on if held_on is not None else now.date()
                held = decide(conv, MarkHeld(actor=draft.actor, on=day), now=now)
                conv = evolve_conversation(conv, held)
            elif held_on is not None and conv.held_on != held_on:
                raise TransitionError(
                    conversation_id=conv.id,
                    state=conv.state.value,
                    action="mark_held",
                    reason=f"it was already held on {conv.held_on}",
                )
            given = self._with_record_goals(conv, draft)
            recorded = decide(conv, given, now=now)
            check_themes(self.cycle(conv.cycle), draft)
            self.check_answers(conv, given)
            self._check_goal_links(conv, given)
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

        Closing a goal made from a record's agreement marks that agreement done or dropped in
        the same transaction when the owner may mark it themselves
        (:func:`~magcore.app.record_goals.agreement_follows`).

        Returns what the actor may see of the goal afterwards (audited)."""

        follows: list[StreamWrite] = []

        def decision(loaded: Loaded[Goal], now: datetime) -> Sequence[Event]:
            if isinstance(command, SetGoal) and "." in command.goal_id:
                # Ids with a '.' are those of the goals made from a record
                # (record_goal_id): one taken beforehand would block that record's agreement.
                raise RecordInvalidError(
                    [
                        Problem(
                            "/goal_id",
                            "a goal id you choose has no '.': magcore gives such ids to the "
                            "goals it makes from a record",
                            keyword="goal_id_reserved",
                        )
                    ],
                    what="goal",
                )
            # The conversations it names first: nothing else is read of them before.
            given = self._check_goal_conversations(loaded.state, command)
            new_events = decide_goal(loaded.state, self._linked(given), now=now)
            self._check_noted(loaded.state, command)
            follows[:] = self._agreement_follows(loaded.state, command, now)
            if isinstance(given, SetGoal) and given.actor != given.owner:
                # The owner and the actor took part in the conversation it was agreed in
                # (checked above). Who works on a goal reads its progress notes: someone other
                # than the owner names only people who took part in it. The owner may name
                # anyone (their own choice, like a sharing choice).
                assert given.agreed_in is not None  # decide_goal refuses it otherwise
                conv = requested(self.store, given.agreed_in)
                took_part = set(conv.people) if conv is not None else set()
                strangers = [p for p in given.collaborators if p not in took_part]
                if strangers:
                    raise TransitionError(
                        conversation_id=f"goal {command.goal_id}",
                        state="new",
                        action="set_goal",
                        reason=f"{', '.join(strangers)} did not take part in conversation "
                        f"{given.agreed_in}: only {given.owner} may name them to work on "
                        "the goal",
                    )
            return new_events

        self.handler.handle(
            GOAL,
            command.goal_id,
            decision,
            also=lambda: list(follows),
            idempotent=isinstance(command, IDEMPOTENT),
            actor=command.actor,
            action=type(command).__name__,
        )
        return self.view_goal(command.goal_id, actor=command.actor)


def check_parties(
    context: tuple[Organisation, date] | None,
    definition: CycleDefinition,
    kind_id: str,
    participants: tuple[Participant, ...],
    team: str | None,
) -> None:
    """The membership check of one request (the single and the bulk path share it): every
    participant fits their party's rule in the organisation of *context* on its day. Without
    an organisation only a party whose people must hold an organisation role is refused: who
    holds it cannot be known, and nobody may name themselves for it."""
    from ..domain.participants import check_membership
    from ..model.parties import Membership

    if kind_id not in {k.id for k in definition.kinds}:
        return
    if context is None:
        kind = definition.kind(kind_id)
        for party in kind.parties:
            named = any(p.role == party.role for p in participants)
            if named and party.membership is Membership.ROLE_HOLDER:
                raise TransitionError(
                    conversation_id="new",
                    state="new",
                    action="request",
                    reason=f"party {str(party.role)!r} of a {kind.id} conversation must hold the "
                    f"organisation role {str(party.holds)!r}, which cannot be checked before an "
                    "organisation is imported",
                )
        return
    org, today = context
    check_membership(org, definition.kind(kind_id), participants, on=today, team=team)
