"""Profiles carried across conversations: decided, audited, handed out like carried agreements.

A kind may declare a profile (:mod:`magcore.model.profiles`): fields of the employee's own
preparation, or of the confirmed record, shown again in their next conversation of that profile.
Nothing is copied: the profile is read from the conversation it was written in, with that
conversation's own data key (:mod:`magcore.access.content`), so erasing that record (or
destroying its key) erases the profile with it.

Who sees it follows the rule for an agreement carried forward
(:func:`~magcore.access.decision.decide_access`, ``carried_from``):

* in the new conversation (:func:`read_profile` with ``shown_in``): a participant of the new
  conversation who took part where the profile was written and was shown it there (the
  employee, the manager who was there; of a preparation the employee showed to some roles
  only, those roles), or anyone the employee's ``handover`` choice covering ``profile`` names (a new
  manager); a participant of the new conversation only, never an outsider;
* in a team overview (:func:`profile_overview_subjects`, then :func:`read_profile` without
  ``shown_in``): only through the employee's sharing choice for that purpose, never because the
  viewer took part; the employees are found on the guarded listing's own path (the choices that
  name the viewer, :func:`~magcore.access.decision.shared_with`).

A special-category field (or a profile of a special-category kind) is shown only to the
participants of its own conversation or by the employee's own choice for it, never by a legal
basis. Every decision, allowed or refused, is one audit line.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, tzinfo
from types import MappingProxyType
from typing import Any

import attrs

from ..domain.conversation import Conversation, replay, stream_of, visible_preparation
from ..domain.sharing import WHAT_PROFILE, WHAT_WHOLE_RECORD, person_stream
from ..domain.sharing import replay as replay_sharing
from ..events import thaw
from ..model.days import local_day
from ..model.input_policy import check_id
from ..model.profiles import Profile, ProfileSource
from ..storage.base import AuditRecord, Store
from .decision import (
    HANDOVER,
    PRIVACY_OFFICER,
    AccessContext,
    AccessRequest,
    Decision,
    Directory,
    Part,
    decide_access,
    deny,
    grantee_keys,
    shared_with,
)
from .gateway import LISTING, StoreListing
from .policy import DESTROYED_EVENT, ReadPolicy
from .reading import audit_record

__all__ = [
    "PROFILE_ACCESS_RULES",
    "PROFILE_OVERVIEW",
    "ProfileView",
    "profile_answers",
    "profile_overview_subjects",
    "read_profile",
]

#: The purpose of a manager's team overview of profiles (Time4Talent's overview of talents).
PROFILE_OVERVIEW = "profile_overview"

#: The rules above, described as data next to the code that applies them: part of what the
#: regulation of a cycle with a profile is rendered from
#: (:func:`~magcore.access.regulation.regulation_source`), so a change of this description
#: changes its hash and the works council approves it with the text that says it. Whoever
#: changes the rules changes this description with them. (Added in 0.2.)
PROFILE_ACCESS_RULES: Mapping[str, Any] = MappingProxyType(
    {
        "carried": {
            "shown_in": "the employee's next conversation of the same profile",
            "seen_by": "participants of the new conversation who took part where it was written",
            "others_by": {"purpose": HANDOVER, "what": [WHAT_PROFILE, WHAT_WHOLE_RECORD]},
            "special_category": "participants where it was written, or a whole-record choice",
            "restricted_record": PRIVACY_OFFICER,
            "copied": False,
        },
        "overview": {
            "purpose": PROFILE_OVERVIEW,
            "seen_by": "the employee's own sharing choice that holds at the moment of reading",
            "what": [WHAT_PROFILE, WHAT_WHOLE_RECORD],
            "counts_scores_or_ranks": False,
        },
    }
)


@attrs.frozen(kw_only=True)
class ProfileView:
    """What one viewer may see of one employee's profile; ``answers`` empty when refused.

    ``origin`` is the conversation the profile was written in and ``written_on`` the day it was
    held: shown as "last time you wrote (on ...)". ``shown_in`` is the conversation it is shown
    in (``None`` in an overview).
    """

    person: str
    profile: str
    viewer: str
    purpose: str
    at: datetime
    origin: str | None = None
    written_on: date | None = None
    shown_in: str | None = None
    answers: Mapping[str, Any] = attrs.field(factory=dict, hash=False)
    decisions: tuple[tuple[str, Decision], ...] = ()

    @property
    def shown(self) -> bool:
        """Whether the viewer sees any of it."""
        return bool(self.answers)

    def prefill(self) -> dict[str, Any]:
        """The answers as plain JSON (lists and dicts), to start a new preparation from: the
        employee keeps, changes or removes what they wrote last time."""
        plain: dict[str, Any] = thaw(self.answers)
        return plain


def profile_answers(conv: Conversation, profile: Profile) -> dict[str, Any]:
    """The fields of *profile* as *conv* holds them: the employee's published preparation, or
    the record's answers once every party confirmed them (nothing otherwise). Empty values are
    left out."""
    subject = conv.subject
    if subject is None:
        return {}
    if profile.source is ProfileSource.PREPARATION:
        prep = conv.preparations.get(subject)
        if prep is None or not prep.published:
            return {}
        answers = prep.answers
    else:
        record = conv.record
        if record is None or not conv.confirming <= conv.confirmed_by:
            return {}
        answers = record.answers
    return {
        name: answers[name] for name in profile.fields if answers.get(name) not in (None, "", [])
    }


def _saw_it(conv: Conversation, profile: Profile) -> frozenset[str]:
    """Who took part in *conv* and saw the profile's source there: every participant for a
    record's answers; for a preparation, those :func:`visible_preparation` shows it to (its
    author, and the roles it was shown to when the employee showed it to some only: a
    participant it was kept from in its own conversation is not shown it in the next one)."""
    if profile.source is not ProfileSource.PREPARATION or conv.subject is None:
        return frozenset(conv.people)
    return frozenset(
        person
        for person in conv.people
        if visible_preparation(conv, person, conv.subject) is not None
    )


def read_profile(
    store: Store,
    *,
    origin: str,
    profile: Profile,
    viewer: str,
    purpose: str,
    now: datetime,
    zone: tzinfo,
    policy: ReadPolicy,
    shown_in: Conversation | None = None,
    audit_origin: str = "api",
) -> ProfileView:
    """Decide and audit *viewer*'s read of the *profile* written in conversation *origin*.

    With *shown_in* (the employee's new conversation), the viewer must take part in it, and then
    sees the profile as a carried agreement is seen; without it (an overview), only the
    employee's sharing choice for *purpose* opens it. *policy* is the read policy of the
    origin's cycle (special kinds and fields, the directory, legal bases).
    """
    check_id(viewer, pointer="/viewer")
    check_id(purpose, pointer="/purpose")
    events = store.read(stream_of(origin))
    obj = f"{stream_of(origin)}/profile:{profile.id}"
    subject = shown_in.subject if shown_in is not None else None
    if not events or any(e.type == DESTROYED_EVENT for e in events):
        decision = deny("the record it was written in was destroyed")
        return _done(
            store,
            viewer,
            purpose,
            now,
            audit_origin,
            profile,
            subject or "",
            origin,
            shown_in,
            [(obj, decision)],
            {},
            None,
        )
    conv = replay(events)
    subject = conv.subject or ""
    sharing = replay_sharing(subject, store.read(person_stream(subject)))
    directory: Directory = policy.directory
    special_kind = conv.kind in policy.special_kinds
    took_part = {origin: _saw_it(conv, profile)}
    decisions: list[tuple[str, Decision]] = []

    def ask(name: str | None, special: bool) -> Decision:
        where = obj if name is None else f"{obj}/answers/{name}"
        if shown_in is not None and not shown_in.is_participant(viewer):
            decision = deny(f"a profile is shown in {shown_in.id} to its participants only")
        elif sharing.restrictions.covers(origin) and PRIVACY_OFFICER not in directory.roles_of(
            viewer, local_day(now, zone)
        ):
            decision = deny(
                "the record it was written in is restricted (AVG art. 18): only the privacy "
                "officer reads it"
            )
        else:
            request = AccessRequest(
                viewer=viewer,
                purpose=purpose,
                at=now,
                zone=zone,
                part=Part.PROFILE,
                subject=subject,
                conversation=shown_in.id if shown_in is not None else origin,
                author=subject,
                special_category=special_kind or special,
                carried_from=origin if shown_in is not None else None,
            )
            context = AccessContext(
                conversation=shown_in,
                sharing=sharing,
                restrictions=sharing.restrictions,
                directory=directory,
                legal_bases=policy.legal_bases,
                took_part=took_part if shown_in is not None else {},
            )
            decision = decide_access(request, context)
        decisions.append((where, decision))
        return decision

    held = profile_answers(conv, profile)
    base = ask(None, False).allowed
    shown: dict[str, Any] = {}
    for name, value in held.items():
        special = policy.field_is_special(name)
        if (base and not special) or (special and ask(name, True).allowed):
            shown[name] = value
    return _done(
        store,
        viewer,
        purpose,
        now,
        audit_origin,
        profile,
        subject,
        origin,
        shown_in,
        decisions,
        shown,
        conv.held_on,
    )


def _done(
    store: Store,
    viewer: str,
    purpose: str,
    now: datetime,
    audit_origin: str,
    profile: Profile,
    person: str,
    origin: str,
    shown_in: Conversation | None,
    decisions: list[tuple[str, Decision]],
    answers: dict[str, Any],
    written_on: date | None,
) -> ProfileView:
    store.append_audit(
        [
            audit_record(
                viewer=viewer, obj=obj, decision=d, purpose=purpose, at=now, origin=audit_origin
            )
            for obj, d in decisions
        ]
    )
    return ProfileView(
        person=person,
        profile=profile.id,
        viewer=viewer,
        purpose=purpose,
        at=now,
        origin=origin,
        written_on=written_on,
        shown_in=shown_in.id if shown_in is not None else None,
        answers=MappingProxyType(answers),
        decisions=tuple(decisions),
    )


def profile_overview_subjects(
    store: Store,
    viewer: str,
    *,
    purpose: str,
    now: datetime,
    zone: tzinfo,
    directory: Directory,
    audit_origin: str = "api",
) -> tuple[str, ...]:
    """The employees whose sharing choice shows their profile to *viewer* for *purpose* now,
    by id: the guarded listing's path (the choices naming the viewer, a role they hold, or
    ``next_manager`` for the people they manage that day), whatever the viewer took part in.
    One audit line for the listing; the profiles themselves are separate, audited reads."""
    check_id(viewer, pointer="/viewer")
    check_id(purpose, pointer="/purpose")
    day = local_day(now, zone)
    source = StoreListing(store)
    keys = grantee_keys(viewer, day, directory)
    reports = directory.reports_of(viewer, day)
    rows = shared_with(source.choices(keys, reports), viewer, now, directory, zone)
    subjects = tuple(
        sorted(
            {
                row[1]
                for row in rows
                if row[4] == purpose and row[3] in (WHAT_PROFILE, WHAT_WHOLE_RECORD)
            }
        )
    )
    store.append_audit(
        [
            AuditRecord(
                at=now.isoformat(),
                actor=viewer,
                action=LISTING,
                object=f"listing:{viewer}/profiles",
                result="allowed",
                origin=audit_origin,
                reason=f"{len(subjects)} people listed by their own sharing choice (no content)",
                purpose=purpose,
            )
        ]
    )
    return subjects
