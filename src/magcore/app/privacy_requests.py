"""The privacy officer's decisions on a person's requests, as service commands: restriction of
processing (AVG art. 18) and erasure (AVG art. 17).

An employee asks; the privacy officer decides. The service checks that the actor holds the
``privacy_officer`` role in the directory access is decided with (:meth:`use_organisation`'s
roles, on the installation's today), that the person is one the organisation knows (once it is
imported) and that a conversation named is about them. A refusal writes an audit line and
raises, and nothing changes; what is done is in the audit chain as the events it commits (a
restriction) or as a line per destroyed record (an erasure).

The functions underneath (:func:`~magcore.access.restriction.restriction_event`,
:func:`~magcore.access.erasure.erase_person`) decide nothing about who asks: they are for
tools that made that decision themselves, such as a migration.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from ..access.decision import PRIVACY_OFFICER, SUBJECT_ACCESS, Basis, Decision, Directory
from ..access.erasure import Erasure, erase_person
from ..access.erasure_grounds import ErasureReason, erasure_reason
from ..access.origins import about, requested
from ..access.reading import audit_record
from ..access.restriction import restriction_event
from ..clock import Clock
from ..domain.sharing import Restrictions, SharingState, person_stream, restrictions
from ..errors import ConsentError, InputRefused, Problem
from ..events import Event
from ..model.days import local_day
from ..model.input_policy import check_id, check_optional_id, check_text
from .aggregates import SHARING
from .handler import CommandHandler, Loaded

if TYPE_CHECKING:
    from ..storage.base import Store

__all__ = ["MAX_RESTRICTION_REASON", "PrivacyRequestsMixin"]

#: The most characters a restriction's reason may have (it is sealed with the person's key).
MAX_RESTRICTION_REASON = 500

_DENIED = "denied because restriction and erasure are decided by the privacy officer"


class PrivacyRequestsMixin:
    """Restriction and erasure, decided by the privacy officer (mixed into the service)."""

    if TYPE_CHECKING:
        store: Store
        handler: CommandHandler
        clock: Clock
        timezone: tzinfo
        origin: str

        @property
        def directory(self) -> Directory: ...

        def _check_people(self, people: Sequence[tuple[str, str]]) -> None: ...

    def restrict(
        self, person: str, *, actor: str, reason: str, conversation: str | None = None
    ) -> Restrictions:
        """Restrict processing of *person*'s record (AVG art. 18): of one *conversation* about
        them, or, without one, of every conversation about them. Only the privacy officer reads
        a restricted record; *reason* is kept sealed with the person's key. Returns the
        restrictions that hold afterwards."""
        checked = check_text(reason, pointer="/reason", max_length=MAX_RESTRICTION_REASON)
        if not checked.strip():
            raise InputRefused(
                [Problem("/reason", "a restriction needs a reason (why it is asked for)")]
            )
        return self._restriction(person, actor, conversation, lift=False, reason=checked)

    def lift_restriction(
        self, person: str, *, actor: str, conversation: str | None = None
    ) -> Restrictions:
        """Lift the restriction of *conversation* (or of the whole record) of *person*. Lifting
        what is not restricted changes nothing. Returns the restrictions that hold afterwards."""
        return self._restriction(person, actor, conversation, lift=True, reason="lifted")

    def erase(self, person: str, *, actor: str, reason: ErasureReason) -> Erasure:
        """Erase everything that belongs to *person* (AVG art. 17) by destroying its keys
        (:func:`~magcore.access.erasure.erase_person`), when *actor* is the privacy officer.
        *reason* is a ground from a closed list and at most a case number, never words."""
        erasure_reason(reason)  # a free text is refused before anyone is asked about
        self._officer(person, actor, "erasure", "erase")
        return erase_person(
            self.store,
            person,
            clock=self.clock,
            actor=actor,
            reason=reason,
            origin=self.origin,
        )

    # -- the decision ------------------------------------------------------------------------

    def _restriction(
        self, person: str, actor: str, conversation: str | None, *, lift: bool, reason: str
    ) -> Restrictions:
        conversation = check_optional_id(conversation, pointer="/conversation")
        self._officer(
            person, actor, "restrictions", "lift the restriction of" if lift else "restrict"
        )
        if conversation is not None:
            self._check_about(person, conversation)

        if lift:
            held = restrictions(self.store.read(person_stream(person)))
            if not (
                held.everything if conversation is None else conversation in held.conversations
            ):
                return held  # nothing to lift: nothing is written

        def decision(loaded: Loaded[SharingState], now: datetime) -> Sequence[Event]:
            return (
                restriction_event(
                    person,
                    loaded.version + 1,
                    actor=actor,
                    now=now,
                    conversation=conversation,
                    lift=lift,
                    reason=reason,
                ),
            )

        handled = self.handler.handle(
            SHARING,
            person,
            decision,
            idempotent=True,
            actor=actor,
            action="LiftRestriction" if lift else "RestrictProcessing",
        )
        state = handled.state
        return state.restrictions if state is not None else Restrictions()

    def _officer(self, person: str, actor: str, what: str, verb: str) -> None:
        """Refuse (with an audit line) unless *actor* is the privacy officer today; refuse a
        person the organisation does not know (once imported)."""
        check_id(person, pointer="/person")
        check_id(actor, pointer="/actor")
        now = self.clock.now()
        if PRIVACY_OFFICER in self.directory.roles_of(actor, local_day(now, self.timezone)):
            self._check_people([("/person", person)])
            return
        self.store.append_audit(
            [
                audit_record(
                    viewer=actor,
                    obj=f"{person_stream(person)}/{what}",
                    decision=Decision(False, _DENIED, Basis.DENIED),
                    purpose=SUBJECT_ACCESS,
                    at=now,
                    origin=self.origin,
                )
            ]
        )
        raise ConsentError(
            f"{actor} may not {verb} {person}'s record: the privacy officer decides",
            field="actor",
        )

    def _check_about(self, person: str, conversation: str) -> None:
        """Refuse a conversation that is not about *person*; one message whether it exists or
        not (its first event says who it is about; no content is read)."""
        started = requested(self.store, conversation)
        if started is not None:
            people = {p.person for p in started.participants}
            if about(started.subject, people, person):
                return
        raise ConsentError(
            f"conversation {conversation!r} is not a conversation about {person}",
            field="conversation",
        )
