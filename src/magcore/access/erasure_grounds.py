"""Why a record was erased: a ground from a closed list and at most a reference, never free text.

An erasure's audit line (:func:`magcore.access.erasure.erase_person`,
:func:`~magcore.access.erasure.destroy_conversation`) outlives the content it records, and
auditors read it. A free-text reason ("verzoek na burn-out gesprek met bedrijfsarts") would
keep there, in clear and for as long as the log, the very kind of data the erasure removed.
So the reason is an :class:`ErasureReason`: one :class:`ErasureGround` (AVG art. 17(1) and
the retention term), and at most a ``reference`` to the case where the request and its
assessment are kept (a ticket or case id: an id by
:data:`~magcore.model.input_policy.ID_PATTERN`, no spaces, no words). Anything else is refused
with :class:`~magcore.errors.InputRefused` naming ``/ground`` or ``/reference`` (or
``/reason`` for a text where a reason belongs), before anything is destroyed.

The audit line's ``reason`` is :attr:`ErasureReason.text`: ``request`` or
``request ref:ZAAK-2025-0012``; :meth:`ErasureReason.parse` reads it back.
"""

from __future__ import annotations

import enum
from typing import Any

import attrs

from ..errors import InputRefused, Problem
from ..model.input_policy import MAX_ID_LENGTH, is_valid_id

__all__ = ["GROUND_ARTICLES", "ErasureGround", "ErasureReason", "erasure_reason"]


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


def _reference(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    if not is_valid_id(value):
        # The value is not quoted: it may be the very text that must not be kept.
        raise InputRefused(
            [
                Problem(
                    "/reference",
                    "a reference is a case or ticket id such as ZAAK-2025-0012 (letters, "
                    "digits, '.', '_', ':', '@' or '-', starting with a letter or digit, at "
                    f"most {MAX_ID_LENGTH}), never a text",
                    "pattern",
                )
            ]
        )


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
