"""The retention term's destruction as the service's query and command, decided by the privacy
officer.

:meth:`~DestructionMixin.due_destructions` gives the privacy officer the conversations whose
retention term has passed and that are not destroyed yet
(:func:`~magcore.access.destruction_due.destruction_list`: one audit line, a refusal too);
:meth:`~DestructionMixin.destroy_due` destroys one of them
(:func:`~magcore.access.erasure.destroy_conversation`: its keys, an audit line, a tombstone).
Both check that the actor holds ``privacy_officer`` in the directory access is decided with
(:meth:`~magcore.app.access.AccessMixin.use_roles`, the ``[roles]`` of ``magcore.toml``), on the
installation's today, as restriction and erasure do (:mod:`magcore.app.privacy_requests`). A
refused destruction (someone else asks, or the conversation is not due: unknown, not due yet,
destroyed already) writes the audit line of a refused command (``DestroyConversation``: the
asker, the conversation's stream, the error's class) and raises; nothing is destroyed.

The functions underneath (:func:`~magcore.access.retention.due_for_destruction`,
:func:`~magcore.access.erasure.destroy_conversation` and
:func:`~magcore.access.erasure.destroy_conversations`, the retention run) decide nothing about
who asks: they are for a scheduled job that made that decision itself.
"""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from collections.abc import Mapping
from datetime import date, tzinfo
from typing import TYPE_CHECKING

import attrs

from ..access.decision import PRIVACY_OFFICER, Directory
from ..access.destruction_due import Destruction, DestructionList, destruction_list
from ..access.erasure import destroy_conversation
from ..access.retention import (
    BUILTIN_PROFILES,
    RetentionProfile,
    destruction_due,
    held_by_restriction,
    retention_survey,
)
from ..clock import Clock
from ..domain.conversation import stream_of
from ..errors import ConsentError, MagcoreError, NotFoundError
from ..model.days import local_day
from ..model.input_policy import check_id, is_valid_id

if TYPE_CHECKING:
    from ..model.cycle import CycleDefinition
    from ..model.organisation import Organisation
    from ..plugins import PluginHost
    from ..storage.base import Store
    from .handler import CommandHandler

__all__ = ["DESTROY", "DestructionMixin", "RetentionRun"]

_log = logging.getLogger(__name__)

#: The audit action of a refused destruction (a done one has its ``destroy`` line).
DESTROY = "DestroyConversation"


@attrs.frozen(kw_only=True)
class RetentionRun:
    """What one run of the retention job did (or, with ``dry_run``, would do) on *today*:
    the conversations it destroyed, and how many per retention profile; *again* counts the
    conversations destroyed before that it went over again for the keys of an older store's
    goal copies. Ids and counts only: no content, no person."""

    today: date
    dry_run: bool
    destroyed: tuple[str, ...] = ()
    by_profile: Mapping[str, int] = attrs.field(factory=dict)
    held: int = 0
    """Conversations past their term that a restriction (AVG art. 18) keeps for now."""
    again: int = 0
    failed: int = 0
    """Conversations that could not be checked or destroyed (logged with their ids)."""


class DestructionMixin:
    """The list of conversations due for destruction and their destruction, decided by the
    privacy officer (mixed into the service)."""

    if TYPE_CHECKING:
        store: Store
        handler: CommandHandler
        clock: Clock
        timezone: tzinfo
        origin: str
        host: PluginHost

        @property
        def directory(self) -> Directory: ...
        @property
        def cycles(self) -> Mapping[str, CycleDefinition]: ...
        def _export_organisation(self) -> Organisation | None: ...
        def _refusals(
            self, action: str, stream: str, actor: object
        ) -> contextlib.AbstractContextManager[None]: ...

    def retention_profiles(self) -> dict[str, RetentionProfile]:
        """The retention profiles by id: the built-in ones and those the plugins add."""
        profiles = dict(BUILTIN_PROFILES)
        profiles.update({p.id: p for p in self.host.hooks.retention_profiles()})
        return profiles

    def due_destructions(self, actor: str) -> DestructionList:
        """The conversations whose retention term has passed and that are not destroyed yet,
        for *actor*, the privacy officer (:mod:`magcore.access.destruction_due`): ids, the
        profile and the due day, never content. One audit line, a refusal too
        (:class:`~magcore.errors.AccessDenied`). The employment facts (when an employee left)
        come from the organisation access is decided with."""
        return destruction_list(
            self.store,
            actor,
            cycles=self.cycles,
            profiles=self.retention_profiles(),
            organisation=self._export_organisation(),
            directory=self.directory,
            now=self.clock.now(),
            zone=self.timezone,
            origin=self.origin,
        )

    def destroy_due(self, conversation: str, *, actor: str) -> Destruction:
        """Destroy *conversation*, due for destruction, when *actor* is the privacy officer:
        its keys are destroyed with a ``destroy`` audit line (ground ``retention``, its
        profile), a content-free tombstone is appended. A conversation that is not on the
        list (unknown, not due yet, destroyed already, or kept by a restriction of processing)
        is :class:`~magcore.errors.NotFoundError` (one message for each); someone else is
        refused with :class:`~magcore.errors.ConsentError` naming ``actor``; either after the
        refusal's audit line, and nothing is destroyed.

        Destroyed by another at the same moment (a second officer, the retention job, an
        erasure of its employee), after the check found it due: the one that wrote the
        tombstone first has the ``destroy`` line; this one is refused, with its refusal's
        line, by :class:`~magcore.errors.NotFoundError` saying it is destroyed already
        (``destroy_conversation`` with ``once``)."""
        where = stream_of(conversation) if is_valid_id(conversation) else "conversation:?"
        with self._refusals(DESTROY, where, actor):
            check_id(conversation, pointer="/conversation")
            check_id(actor, pointer="/actor")
            today = local_day(self.clock.now(), self.timezone)
            if PRIVACY_OFFICER not in self.directory.roles_of(actor, today):
                raise ConsentError(
                    f"{actor} may not destroy conversation {conversation}: the privacy officer "
                    "decides",
                    field="actor",
                )
            term = destruction_due(
                self.store,
                conversation,
                today=today,
                cycles=self.cycles,
                profiles=self.retention_profiles(),
                organisation=self._export_organisation(),
                zone=self.timezone,
            )
            if term is None:
                raise NotFoundError(f"conversation {conversation!r} is not due for destruction")
            if held_by_restriction(self.store, [conversation]):  # not on the list either
                raise NotFoundError(
                    f"conversation {conversation!r} is not due for destruction: it is restricted "
                    "(AVG art. 18) and kept while the restriction holds"
                )
        profile, due = term
        try:
            tombstone = destroy_conversation(
                self.store,
                conversation,
                profile=profile,
                due=due,
                clock=self.clock,
                actor=actor,
                origin=self.origin,
                once=True,
            )
        except NotFoundError as lost:  # another destruction ended it since the check
            self.handler.refused(where, lost, actor=actor, action=DESTROY)
            raise
        keys = tombstone.data.get("keys") or ()
        return Destruction(
            conversation=conversation, profile=profile.id, due=due, keys=tuple(map(str, keys))
        )

    def apply_retention(self, *, dry_run: bool = False, again: bool = False) -> RetentionRun:
        """The retention job: destroy every conversation whose retention term has passed on
        the installation's today (:func:`~magcore.access.retention.due_for_destruction`,
        :func:`~magcore.access.erasure.destroy_conversation`), as the regulation says, with
        the actor ``system`` and this service's origin on each ``destroy`` audit line. Run it
        daily (``magcore store retention`` from a scheduler) and at once after a restore.

        Nobody decides here: the terms do, so no role is checked (the privacy officer's
        :meth:`due_destructions` and :meth:`destroy_due` are the manual way). A record a
        restriction of processing (AVG art. 18) covers is kept while it holds
        (:func:`~magcore.access.retention.held_by_restriction`). With *dry_run* nothing is
        destroyed and nothing is written; the answer says what would be. With *again* the
        conversations destroyed before are gone over too, for the keys of the goal copies an
        older magcore made of their records (once, after upgrading such a store).

        One conversation that cannot be destroyed (its cycle or retention profile is not
        installed; the store refuses) does not stop the others: it is counted in
        :attr:`RetentionRun.failed` and logged with its id, and the next run tries it again.
        One that another destroys while the run is at it (the privacy officer, a second run, an
        erasure) is done: it is neither among the run's :attr:`RetentionRun.destroyed` nor
        failed, and the run writes no line about it (the other has the ``destroy`` line)."""
        today = local_day(self.clock.now(), self.timezone)
        survey = retention_survey(
            self.store,
            today=today,
            cycles=self.cycles,
            profiles=self.retention_profiles(),
            organisation=self._export_organisation(),
            zone=self.timezone,
            destroyed=again,
        )
        failed = [c for c, _ in survey.unchecked]
        for conversation, problem in survey.unchecked:
            _log.error("retention: conversation %s not checked: %s", conversation, problem)
        done: list[tuple[str, str]] = []
        for conversation, profile, day in survey.due:
            if dry_run:
                done.append((conversation, profile.id))
                continue
            try:
                destroy_conversation(
                    self.store,
                    conversation,
                    profile=profile,
                    due=day,
                    clock=self.clock,
                    actor="system",
                    origin=self.origin,
                    once=conversation not in survey.destroyed_before,
                )
            except NotFoundError:  # destroyed by another since the survey: done, not by us
                _log.info("retention: conversation %s destroyed meanwhile by another", conversation)
                continue
            except MagcoreError as exc:
                _log.error("retention: conversation %s not destroyed: %s", conversation, exc)
                failed.append(conversation)
                continue
            done.append((conversation, profile.id))
        earlier = survey.destroyed_before
        fresh = [(c, p) for c, p in done if c not in earlier]
        return RetentionRun(
            today=today,
            dry_run=dry_run,
            destroyed=tuple(c for c, _ in fresh),
            by_profile=dict(Counter(p for _, p in fresh)),
            held=len(survey.held),
            again=len(earlier),
            failed=len(failed),
        )
