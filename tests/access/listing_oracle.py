"""The guarded listing as it was decided before the index made the cheap tests: the oracle.

:func:`oracle_listing` is ``Gateway.listing`` of magcore before the listing pushed its tests
into the index (kept here, unchanged in substance, as the reference the new listing is compared
with): every sharing choice naming the viewer is tested in Python with
:func:`~magcore.access.decision.shared_with` (grantee on the local day, granted, not revoked,
``until``), then its purpose, then each conversation about the subject is tested for
restriction and for what the choice opens in a conversation of its kind
(:func:`~magcore.access.decision.choice_covers`). Legal bases are left out (their path did not
change). Reasons are given in choice order, so a comparison sorts them.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import UTC, datetime

from magcore.access.decision import (
    PRIVACY_OFFICER,
    AccessRequest,
    ChoiceRow,
    Part,
    Restrictions,
    choice_covers,
    grantee_keys,
    shared_with,
)
from magcore.access.gateway import CONTENT_PARTS, Gateway, Listed
from magcore.domain.sharing import SharingChoice
from magcore.model.days import local_day
from magcore.storage.base import ConversationRow

__all__ = ["oracle_listing"]

_OPEN = Restrictions()
_PARTICIPANT_PARTS = frozenset({Part.METADATA, *CONTENT_PARTS, Part.PRIVATE_NOTE})


@functools.cache
def _covered(what: str, special_kind: bool) -> frozenset[Part]:
    probe = SharingChoice(
        id=0, person="", to="", what=what, purpose="", granted_at=datetime.min.replace(tzinfo=UTC)
    )
    return frozenset(
        part
        for part in CONTENT_PARTS
        if choice_covers(
            probe,
            AccessRequest(
                viewer="",
                purpose="",
                at=probe.granted_at,
                part=part,
                subject=None,
                special_category=special_kind,
            ),
        )
    )


def _listed(row, parts, *, reasons=(), themes=()):
    return Listed(
        conversation=row.id,
        cycle=row.cycle,
        kind=row.kind,
        state=row.state,
        subject=row.subject,
        parts=parts,
        themes=frozenset(themes),
        reasons=tuple(reasons),
    )


def _by_choices(
    gateway: Gateway, row: ConversationRow, choices: Iterable[ChoiceRow]
) -> Listed | None:
    special_kind = row.kind in gateway.policy_for(row.cycle).special_kinds
    parts: set[Part] = set()
    themes: set[str] = set()
    reasons: list[str] = []
    for choice in choices:
        if choice[6] is not None and choice[6] != row.id:
            continue
        what = choice[3]
        if what.startswith("theme:"):
            themes.add(what.partition(":")[2])
            reasons.append(f"sharing choice {choice[0]}")
            continue
        opened = _covered(what, special_kind)
        if opened:
            parts |= opened
            reasons.append(f"sharing choice {choice[0]}")
    if not parts and not themes:
        return None
    return _listed(row, frozenset({Part.METADATA, *parts}), reasons=reasons, themes=themes)


def oracle_listing(gateway: Gateway, source, viewer: str, purpose: str) -> tuple[Listed, ...]:
    """What the listing held before the index made the cheap tests, from *source* (the older
    ``ListingSource`` queries: participations, choices, about, restrictions), at *gateway*'s
    clock, zone and policy. Nothing is audited."""
    now = gateway.clock.now()
    day = local_day(now, gateway.zone)
    directory = gateway.policy.directory
    found: dict[str, Listed] = {}
    roles = directory.roles_of(viewer, day)
    officer = PRIVACY_OFFICER in roles
    mine = list(source.participations(viewer))
    held = source.restrictions({r.subject for r in mine if r.subject}) if mine else {}
    for row in mine:
        shut = row.subject and held.get(row.subject, _OPEN).covers(row.id)
        if officer or not shut:
            found[row.id] = _listed(row, _PARTICIPANT_PARTS, reasons=("participant",))
    keys = grantee_keys(viewer, day, directory)
    reports = directory.reports_of(viewer, day)
    rows = shared_with(source.choices(keys, reports), viewer, now, directory, gateway.zone)
    rows = [r for r in rows if r[4] == purpose]
    by_subject: dict[str, list[ChoiceRow]] = {}
    for choice_row in rows:
        by_subject.setdefault(choice_row[1], []).append(choice_row)
    subjects = set(by_subject)
    restricted = source.restrictions(subjects) if subjects else {}
    for row in source.about(subjects):
        if row.id in found or row.subject is None:
            continue
        if restricted.get(row.subject, _OPEN).covers(row.id) and not officer:
            continue
        listed = _by_choices(gateway, row, by_subject.get(row.subject, ()))
        if listed is not None:
            found[row.id] = listed
    return tuple(sorted(found.values(), key=lambda i: i.conversation))
