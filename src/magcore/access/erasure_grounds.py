"""Why a record was erased: a ground from a closed list and at most a reference, never free text.

An erasure's audit line (:func:`magcore.access.erasure.erase_person`,
:func:`~magcore.access.erasure.destroy_conversation`) outlives the content it records, and
auditors read it. A free-text reason ("verzoek na burn-out gesprek met bedrijfsarts") would
keep there, in clear and for as long as the log, the very kind of data the erasure removed.
So the reason is an :class:`ErasureReason`: one :class:`ErasureGround` (AVG art. 17(1) and
the retention term), and at most a ``reference`` to the case where the request and its
assessment are kept: a case number by :data:`CASE_NUMBER_PATTERN` (an upper-case prefix of at
most eight letters, then digits, ``-`` and ``/``: ``ZAAK-2025-0012``, ``INC0012345``,
``2025/117``), so no words, names or e-mail addresses fit; for the retention ground the id of
the retention profile (set by magcore, not typed). Anything else is refused
with :class:`~magcore.errors.InputRefused` naming ``/ground`` or ``/reference`` (or
``/reason`` for a text where a reason belongs), before anything is destroyed.

The audit line's ``reason`` is :attr:`ErasureReason.text`: ``request`` or
``request ref:ZAAK-2025-0012``; :meth:`ErasureReason.parse` reads it back.

What a destroyed record's tombstone tells of it is a :class:`Destruction`: when, and whether by
its retention term or by an erasure the privacy officer decided (nothing of its content), as
the subject-access export says it.
"""

from __future__ import annotations

import enum
import re
from datetime import datetime
from typing import Any, Final

import attrs

from ..errors import InputRefused, Problem
from ..events import Event
from ..model.input_policy import MAX_ID_LENGTH, is_valid_id

__all__ = [
    "CASE_NUMBER_PATTERN",
    "GROUND_ARTICLES",
    "REQUEST_GROUNDS",
    "Destruction",
    "ErasureGround",
    "ErasureReason",
    "erasure_reason",
]

#: A case or ticket number, the reference of an erasure on any ground but retention: at most
#: eight upper-case letters (the register's prefix, optional), an optional ``-``, then a digit
#: and at most 30 more digits, ``-`` or ``/``. Deliberately too narrow for words, names, e-mail
#: addresses or dates written out: the audit line keeps it as long as the log. (A number that
#: is itself personal data, such as a citizen service number, still fits: never use one.)
CASE_NUMBER_PATTERN: Final = r"^[A-Z]{0,8}-?[0-9][0-9/-]{0,30}$"
_CASE_NUMBER = re.compile(CASE_NUMBER_PATTERN)


class ErasureGround(enum.StrEnum):
    """The grounds an erasure may name (AVG art. 17(1) and the retention term).

    Art. 17(1)(f) (a child's consent to an information society service) is left out: it never
    applies to an employee's conversation record.
    """

    REQUEST = "request"
    """The person asked for erasure and it was granted; the case the reference names holds
    the request and which ground of art. 17(1) applies (name that ground when it is known)."""
    NO_LONGER_NEEDED = "no_longer_needed"
    """Art. 17(1)(a): no longer needed for the purposes it was collected for."""
    WITHDRAWN_CONSENT = "withdrawn_consent"
    """Art. 17(1)(b): a part that rested on consent, and the consent was withdrawn (rare: the
    cycle rests on the basis the municipality sets, not on consent)."""
    OBJECTION = "objection"
    """Art. 17(1)(c): the person objected (art. 21) and no overriding ground remains."""
    UNLAWFUL = "unlawful"
    """Art. 17(1)(d): it was processed unlawfully."""
    LEGAL_OBLIGATION = "legal_obligation"
    """Art. 17(1)(e): a legal obligation (Union or Dutch law) requires the erasure."""
    RETENTION = "retention"
    """The retention term of the record's profile passed (storage limitation, art. 5(1)(e);
    the *Selectielijst gemeenten 2020* or the municipality's own profile). The reference names
    the profile."""


#: The grounds of an erasure on request, decided by the privacy officer
#: (:meth:`Service.erase <magcore.app.privacy_requests.PrivacyRequestsMixin.erase>`): every one
#: but ``retention``, the retention run's (its reference is the profile magcore names).
REQUEST_GROUNDS: tuple[ErasureGround, ...] = tuple(
    ground for ground in ErasureGround if ground is not ErasureGround.RETENTION
)

#: Where each ground comes from, for documentation and the web page's choice list.
GROUND_ARTICLES: dict[ErasureGround, str] = {
    ErasureGround.REQUEST: "AVG art. 17(1)",
    ErasureGround.NO_LONGER_NEEDED: "AVG art. 17(1)(a)",
    ErasureGround.WITHDRAWN_CONSENT: "AVG art. 17(1)(b)",
    ErasureGround.OBJECTION: "AVG art. 17(1)(c)",
    ErasureGround.UNLAWFUL: "AVG art. 17(1)(d)",
    ErasureGround.LEGAL_OBLIGATION: "AVG art. 17(1)(e)",
    ErasureGround.RETENTION: "AVG art. 5(1)(e), retention profile",
}

_GROUNDS = ", ".join(g.value for g in ErasureGround)
_REFERENCE = " ref:"


def _ground(value: Any) -> ErasureGround:
    if isinstance(value, ErasureGround):
        return value
    try:
        return ErasureGround(value)
    except ValueError:
        raise InputRefused(
            [
                Problem(
                    "/ground",
                    f"an erasure names one of the grounds {_GROUNDS}, never a text of its own "
                    "(the audit log outlives what it erases); keep the request itself in the "
                    "case file and give its id as the reference",
                    "enum",
                )
            ]
        ) from None


def _reference(instance: ErasureReason, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    if instance.ground is ErasureGround.RETENTION:  # a retention profile's id, set by magcore
        if is_valid_id(value):
            return
        message = (
            f"the reference of a retention erasure is its profile's id (at most {MAX_ID_LENGTH})"
        )
    elif isinstance(value, str) and _CASE_NUMBER.fullmatch(value):
        return
    else:
        message = (
            "a reference is a case or ticket number such as ZAAK-2025-0012, INC0012345 or "
            "2025/117 (at most eight upper-case letters, then digits, '-' and '/'), never a "
            "text, a name or an e-mail address"
        )
    # The value is not quoted: it may be the very text that must not be kept.
    raise InputRefused([Problem("/reference", message, "pattern")])


@attrs.frozen
class ErasureReason:
    """The reason an erasure's audit line keeps: a ground and at most a reference."""

    ground: ErasureGround = attrs.field(converter=_ground)
    reference: str | None = attrs.field(default=None, validator=_reference, kw_only=True)

    @property
    def text(self) -> str:
        """As the audit line keeps it: ``<ground>`` or ``<ground> ref:<reference>``."""
        if self.reference is None:
            return self.ground.value
        return f"{self.ground.value}{_REFERENCE}{self.reference}"

    def __str__(self) -> str:
        return self.text

    @classmethod
    def parse(cls, text: str) -> ErasureReason:
        """The reason *text* (:attr:`text`) stands for; a text that is not one is refused."""
        if not isinstance(text, str):
            raise _refused_reason(text)
        ground, found, reference = text.partition(_REFERENCE)
        return cls(ground, reference=reference if found else None)


def _refused_reason(value: object) -> InputRefused:
    return InputRefused(
        [
            Problem(
                "/reason",
                "an erasure's reason is an ErasureReason: a ground "
                f"({_GROUNDS}) and at most a reference, not a {type(value).__name__} (no free "
                "text: the audit log outlives what it erases)",
                "type",
            )
        ]
    )


def erasure_reason(value: object) -> ErasureReason:
    """*value* if it is an :class:`ErasureReason`; anything else (a free text included) is
    refused naming ``/reason``."""
    if isinstance(value, ErasureReason):
        return value
    raise _refused_reason(value)


@attrs.frozen(kw_only=True)
class Destruction:
    """When and why a record (a conversation, a goal) was destroyed, as its tombstone says:
    nothing of its content, nor the key ids the tombstone lists.

    *ground* is :attr:`ErasureGround.RETENTION` (its retention term passed; *profile* names
    the retention profile) or :attr:`ErasureGround.REQUEST` (erased by the privacy officer's
    decision under AVG art. 17 with everything of the person it is about; the erasure's audit
    line names its ground of art. 17(1) and case number)."""

    at: datetime
    ground: ErasureGround
    profile: str | None = None

    @classmethod
    def of(cls, tombstone: Event) -> Destruction:
        """The destruction *tombstone* (a ``stream.destroyed`` event) records: a retention
        run's names its profile, an erasure's does not."""
        profile = tombstone.data.get("profile")
        if tombstone.data.get("erasure") == "person" or not isinstance(profile, str):
            return cls(at=tombstone.at, ground=ErasureGround.REQUEST)
        kept = profile if is_valid_id(profile) else None  # an old plugin's id is left out
        return cls(at=tombstone.at, ground=ErasureGround.RETENTION, profile=kept)

    def to_json(self) -> dict[str, Any]:
        """As the subject-access export gives it: ``at``, ``ground``, ``profile``."""
        return {"at": self.at.isoformat(), "ground": self.ground.value, "profile": self.profile}
