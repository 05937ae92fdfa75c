"""The service's profiles: "last time you wrote" in the next conversation, and a team overview.

Mixed into :class:`~magcore.app.service.Service`. A kind that declares a profile
(:mod:`magcore.model.profiles`) shows the employee's latest confirmed profile of that id in
their next conversation (:meth:`ProfilesMixin.profile`), and a manager sees the profiles of the
employees who chose to show theirs for the purpose (:meth:`ProfilesMixin.profile_overview`).
The decisions and the audit are :mod:`magcore.access.profiles`; this module only finds which
conversation a profile comes from.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING

import attrs

from ..access.decision import PARTICIPATION, Basis, Decision
from ..access.profiles import (
    PROFILE_OVERVIEW,
    ProfileView,
    profile_answers,
    profile_overview_subjects,
    read_profile,
)
from ..access.reading import audit_record
from ..domain.conversation import stream_of
from ..errors import MagcoreError, NotFoundError
from ..model.cycle import CycleDefinition
from ..model.days import local_day
from ..model.input_policy import check_id
from ..model.profiles import Profile
from .aggregates import CONVERSATION

if TYPE_CHECKING:
    from datetime import tzinfo

    from ..access.reading import ReadPolicy
    from ..clock import Clock
    from ..domain.conversation import Conversation
    from ..storage.base import Store
    from .handler import CommandHandler

__all__ = ["ProfileOverview", "ProfilesMixin"]


@attrs.frozen(kw_only=True)
class ProfileOverview:
    """A manager's overview of profiles: one entry per employee who chose to show theirs, in
    order of person id. A disclosure by each person's own choice, not a statistic: no count,
    no score, no ranking of anyone."""

    viewer: str
    purpose: str
    profile: str
    entries: tuple[ProfileView, ...] = ()

    def __iter__(self) -> Iterator[ProfileView]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def people(self) -> tuple[str, ...]:
        return tuple(entry.person for entry in self.entries)


class ProfilesMixin:
    """Profiles carried across conversations (mixed into ``Service``)."""

    if TYPE_CHECKING:
        store: Store
        clock: Clock
        timezone: tzinfo
        origin: str
        handler: CommandHandler

        def cycle(self, key: str) -> CycleDefinition: ...
        def read_policy(self, cycle_key: str) -> ReadPolicy: ...
        def base_policy(self) -> ReadPolicy: ...
        def _load(self, conversation_id: str) -> Conversation: ...

    def _profile_origin(
        self,
        subject: str,
        cycle_id: str,
        profile_id: str,
        *,
        before: date | None = None,
        exclude: str | None = None,
    ) -> tuple[str, str, Profile] | None:
        """The employee's latest agreed conversation of *profile_id* (a kind of *cycle_id* that
        declares it) holding some of it, held on or before *before*: (id, cycle key, profile)."""
        rows = [
            row
            for row in self.store.conversations(subject=subject, states={"agreed"})
            if row.id != exclude and row.cycle.partition("@")[0] == cycle_id
        ]
        rows.sort(key=lambda r: (r.held_on or r.requested_on, r.requested_on, r.id), reverse=True)
        for row in rows:
            if before is not None and (row.held_on or row.requested_on) > before:
                continue
            try:
                declared = self.cycle(row.cycle).kind(row.kind).profile
            except MagcoreError:
                continue
            if declared is None or declared.id != profile_id:
                continue
            loaded = self.handler.live(CONVERSATION, row.id)
            if loaded is None or loaded.state is None:
                continue  # erased with its record: nothing of it is shown again
            if loaded.state.subject != subject:
                continue  # the row is only a pointer: the events say whose it is
            if profile_answers(loaded.state, declared):
                return row.id, row.cycle, declared
        return None

    def profile(
        self, conversation_id: str, *, actor: str, purpose: str = PARTICIPATION
    ) -> ProfileView:
        """The employee's profile as they last wrote it, shown in *conversation_id* to *actor*
        (decided like an agreement carried forward, audited): "last time you wrote".

        Empty (``shown`` false) when the kind declares no profile, when there is none yet, or
        when *actor* may not see it: a new manager sees it only through the employee's
        ``handover`` choice covering ``profile``.
        """
        check_id(conversation_id, pointer="/conversation_id")
        check_id(actor, pointer="/actor")
        check_id(purpose, pointer="/purpose")
        conv = self._load(conversation_id)
        now = self.clock.now()
        kind = self.cycle(conv.cycle).kind(conv.kind)
        declared = kind.profile
        found = None
        if declared is not None and conv.subject is not None:
            found = self._profile_origin(
                conv.subject,
                conv.cycle.partition("@")[0],
                declared.id,
                before=local_day(conv.requested_at, self.timezone),
                exclude=conv.id,
            )
        if found is None:
            decisions: tuple[tuple[str, Decision], ...] = ()
            if not conv.is_participant(actor):
                denied = Decision(
                    False,
                    f"denied because a profile is shown in {conv.id} to its participants only",
                    Basis.DENIED,
                )
                decisions = ((f"{stream_of(conv.id)}/profile", denied),)
                self.store.append_audit(
                    [
                        audit_record(
                            viewer=actor,
                            obj=decisions[0][0],
                            decision=denied,
                            purpose=purpose,
                            at=now,
                            origin=self.origin,
                        )
                    ]
                )
            return ProfileView(
                decisions=decisions,
                person=conv.subject or "",
                profile=declared.id if declared is not None else "",
                viewer=actor,
                purpose=purpose,
                at=now,
                shown_in=conv.id,
            )
        origin, cycle_key, source = found
        return read_profile(
            self.store,
            origin=origin,
            profile=source,
            viewer=actor,
            purpose=purpose,
            now=now,
            zone=self.timezone,
            policy=self.read_policy(cycle_key),
            shown_in=conv,
            audit_origin=self.origin,
        )

    def profile_overview(
        self,
        *,
        actor: str,
        cycle: str,
        profile: str | None = None,
        purpose: str = PROFILE_OVERVIEW,
    ) -> ProfileOverview:
        """The profiles *actor* may see for *purpose* now: of the employees whose sharing
        choice (``profile`` or ``whole_record``, for *purpose*) names them, each as last
        written in *cycle* (an id or ``id@version``). *profile* defaults to the one profile the
        cycle declares. One listing line and one read line per person in the audit log."""
        check_id(actor, pointer="/actor")
        check_id(purpose, pointer="/purpose")
        definition = self.cycle(cycle)
        profile_id = profile or _only_profile(definition)
        now = self.clock.now()
        subjects = profile_overview_subjects(
            self.store,
            actor,
            purpose=purpose,
            now=now,
            zone=self.timezone,
            directory=self.base_policy().directory,
            audit_origin=self.origin,
        )
        entries = []
        for subject in subjects:
            found = self._profile_origin(subject, definition.id, profile_id)
            if found is None:
                continue
            origin, cycle_key, source = found
            view = read_profile(
                self.store,
                origin=origin,
                profile=source,
                viewer=actor,
                purpose=purpose,
                now=now,
                zone=self.timezone,
                policy=self.read_policy(cycle_key),
                audit_origin=self.origin,
            )
            if view.shown:
                entries.append(view)
        return ProfileOverview(
            viewer=actor, purpose=purpose, profile=profile_id, entries=tuple(entries)
        )


def _only_profile(definition: CycleDefinition) -> str:
    ids = sorted({k.profile.id for k in definition.kinds if k.profile is not None})
    if len(ids) != 1:
        raise NotFoundError(
            f"cycle {definition.key} declares {len(ids)} profiles ({', '.join(ids) or 'none'}): "
            "name the profile"
        )
    return ids[0]
