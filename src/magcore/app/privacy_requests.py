"""The privacy officer's decisions on a person's requests, as service commands: restriction of
processing (AVG art. 18) and erasure (AVG art. 17).

An employee asks; the privacy officer decides. The service checks that the actor holds the
``privacy_officer`` role in the directory access is decided with (:meth:`use_organisation`'s
roles, on the installation's today), that the person is one the organisation knows (once it is
imported) and that a conversation named is about them. Every refusal (of the asker, the
person, a conversation or the input) writes the audit line of a refused command
(``RestrictProcessing``, ``LiftRestriction``, ``ErasePerson``: the asker, the person's stream,
the error's class, never the words refused) and raises; nothing changes. What is done is in
the audit chain as the events it commits (a restriction) or as a line per destroyed record
(an erasure).

The functions underneath (:func:`~magcore.access.restriction.restriction_event`,
:func:`~magcore.access.erasure.erase_person`) decide nothing about who asks: they are for
tools that made that decision themselves, such as a migration.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

import attrs

from ..access.decision import PRIVACY_OFFICER, Directory
from ..access.erasure import Erasure, erase_person
from ..access.erasure_grounds import REQUEST_GROUNDS, ErasureReason, erasure_reason
from ..access.origins import about_person
from ..access.restriction import restriction_event
from ..clock import Clock
from ..domain.sharing import Restrictions, SharingState, person_stream, restrictions
from ..errors import ConsentError, InputRefused, MagcoreError, Problem
from ..events import Event
from ..model.days import local_day
from ..model.input_policy import check_id, check_optional_id, check_text, is_valid_id
from .aggregates import SHARING
from .handler import CommandHandler, Loaded

if TYPE_CHECKING:
    from ..storage.base import Store

__all__ = [
    "ERASE",
    "LIFT",
    "MAX_RESTRICTION_REASON",
    "RESTRICT",
    "Lifted",
    "PrivacyRequestsMixin",
]

#: The most characters a restriction's reason may have (it is sealed with the person's key).
MAX_RESTRICTION_REASON = 500

#: The audit actions of a restriction, its lifting and an erasure (refused ones too).
RESTRICT, LIFT, ERASE = "RestrictProcessing", "LiftRestriction", "ErasePerson"


@attrs.frozen(kw_only=True)
class Lifted:
    """What lifting a restriction did (:meth:`PrivacyRequestsMixin.lift`)."""

    restrictions: Restrictions
    """The restrictions that hold afterwards."""
    lifted: bool
    """Whether a restriction was lifted (``False``: it was not restricted, nothing changed)."""


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
        with self._refusals(RESTRICT, _stream_of(person), actor):
            checked = check_text(reason, pointer="/reason", max_length=MAX_RESTRICTION_REASON)
            if not checked.strip():
                raise InputRefused(
                    [Problem("/reason", "a restriction needs a reason (why it is asked for)")]
                )
            target = self._decided(person, actor, conversation, "restrict")
        return self._restriction(person, actor, target, lift=False, reason=checked)[0]

    def lift_restriction(
        self, person: str, *, actor: str, conversation: str | None = None
    ) -> Restrictions:
        """Lift the restriction of *conversation* (or of the whole record) of *person*. Lifting
        what is not restricted changes nothing. Returns the restrictions that hold afterwards
        (:meth:`lift` says whether anything was lifted too)."""
        return self.lift(person, actor=actor, conversation=conversation).restrictions

    def lift(self, person: str, *, actor: str, conversation: str | None = None) -> Lifted:
        """:meth:`lift_restriction`, and whether it lifted a restriction: ``lifted`` is
        ``False`` when *conversation* (or, without one, the whole record) was not restricted,
        and then nothing is written."""
        with self._refusals(LIFT, _stream_of(person), actor):
            target = self._decided(person, actor, conversation, "lift the restriction of")
        held, lifted = self._restriction(person, actor, target, lift=True, reason="lifted")
        return Lifted(restrictions=held, lifted=lifted)

    def erase(self, person: str, *, actor: str, reason: ErasureReason) -> Erasure:
        """Erase everything that belongs to *person* (AVG art. 17) by destroying its keys
        (:func:`~magcore.access.erasure.erase_person`), when *actor* is the privacy officer.
        *reason* is a ground from a closed list and at most a case number, never words; the
        ground ``retention`` is the retention run's
        (:func:`~magcore.access.erasure.destroy_conversations`), not a decision on a request."""
        with self._refusals(ERASE, _stream_of(person), actor):
            checked = erasure_reason(reason)
            if checked.ground not in REQUEST_GROUNDS:
                raise InputRefused(
                    [
                        Problem(
                            "/ground",
                            "retention is the ground of the retention run, which destroys "
                            "what its profile says; an erasure on request names another ground",
                        )
                    ]
                )
            self._decided(person, actor, None, "erase")
            return erase_person(
                self.store,
                person,
                clock=self.clock,
                actor=actor,
                reason=checked,
                origin=self.origin,
            )

    # -- the decision ------------------------------------------------------------------------

    def _restriction(
        self, person: str, actor: str, conversation: str | None, *, lift: bool, reason: str
    ) -> tuple[Restrictions, bool]:
        """The restrictions that hold after the restriction (or its lifting), and whether an
        event was written for it."""
        if lift:
            held = restrictions(self.store.read(person_stream(person)))
            if not (
                held.everything if conversation is None else conversation in held.conversations
            ):
                return held, False  # nothing to lift: nothing is written

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
            action=LIFT if lift else RESTRICT,
        )
        state = handled.state
        return (state.restrictions if state is not None else Restrictions()), True

    @contextlib.contextmanager
    def _refusals(self, action: str, stream: str, actor: object) -> Iterator[None]:
        """A refusal of the checks inside gets the audit line of a refused command
        (:meth:`~magcore.app.handler.CommandHandler.refused`: the asker, *action*, *stream*
        (the person's, a conversation's), the error's class, never the words refused), then
        is raised."""
        try:
            yield
        except MagcoreError as exc:
            who = str(actor) if is_valid_id(actor) else ""
            self.handler.refused(stream, exc, actor=who, action=action)
            raise

    def _decided(self, person: str, actor: str, conversation: str | None, verb: str) -> str | None:
        """Refuse unless *actor* is the privacy officer today, the organisation knows *person*
        (once imported) and *conversation* (if named) is about them; the checked conversation."""
        check_id(person, pointer="/person")
        check_id(actor, pointer="/actor")
        conversation = check_optional_id(conversation, pointer="/conversation")
        day = local_day(self.clock.now(), self.timezone)
        if PRIVACY_OFFICER not in self.directory.roles_of(actor, day):
            raise ConsentError(
                f"{actor} may not {verb} {person}'s record: the privacy officer decides",
                field="actor",
            )
        self._check_people([("/person", person)])
        if conversation is not None:
            self._check_about(person, conversation)
        return conversation

    def _check_about(self, person: str, conversation: str) -> None:
        """Refuse a conversation that is not about *person*; one message whether it exists or
        not (its first event says who it is about; no content is read)."""
        if about_person(self.store, conversation, person) is not None:
            return
        raise ConsentError(
            f"conversation {conversation!r} is not a conversation about {person}",
            field="conversation",
        )


def _stream_of(person: object) -> str:
    """The stream a refusal about *person* names (``person:?`` for what is no id)."""
    return person_stream(str(person)) if is_valid_id(person) else "person:?"
