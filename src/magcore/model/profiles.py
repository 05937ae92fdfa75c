"""A profile that carries across conversations: the employee's own words, shown again next time.

A kind of conversation may declare a **profile** (``"profile"`` in the cycle definition): some
fields of its preparation or record form that belong together as the employee's profile, such as
Time4Talent's talents in their own words or Midden-Groningen's professional profile. The latest
confirmed content of those fields (from the employee's conversation of the same profile that was
agreed last) is shown to the employee in their next conversation of that profile, as "last time
you wrote", and may be copied into the new preparation to start from.

A profile is a topic of the conversation, never a level of the person: its fields are form
fields, and :mod:`magcore.model.scoring` refuses a form that asks for a level, a grade or a score
(a talent level included). Who may see a profile is decided by the access layer
(:mod:`magcore.access.profiles`), like an agreement carried forward.
"""

from __future__ import annotations

import enum

import attrs

from .._typing import to_tuple
from ..errors import DefinitionError
from ._org_fields import _valid_id

__all__ = ["Profile", "ProfileSource", "check_profile"]


class ProfileSource(enum.StrEnum):
    """Where a profile's fields are read from in the conversation it comes from."""

    PREPARATION = "preparation"
    """The employee's own published preparation (their words, before the conversation)."""
    RECORD = "record"
    """The shared record's answers, as every party confirmed them."""


@attrs.frozen(kw_only=True)
class Profile:
    """The profile a kind carries: its id, where its fields are read, and which fields.

    Kinds of one cycle that declare the same ``id`` form one series: the profile written in any
    of them is shown in the next conversation of any of them (an onboarding series and the
    yearly conversation after it share one professional profile).
    """

    id: str = attrs.field(validator=_valid_id)
    source: ProfileSource = attrs.field(default=ProfileSource.PREPARATION, converter=ProfileSource)
    fields: tuple[str, ...] = attrs.field(converter=to_tuple)


def check_profile(
    profile: Profile | None, *, preparation_form: str | None, record_form: str | None, where: str
) -> None:
    """Refuse a profile its kind cannot fill: no form at its source, or no (or repeated)
    fields. *where* is the kind's JSON pointer."""
    if profile is None:
        return
    form = preparation_form if profile.source is ProfileSource.PREPARATION else record_form
    if not form:
        raise DefinitionError(
            f"a profile read from the {profile.source.value} needs the kind's "
            f"{profile.source.value}_form",
            pointer=f"{where}/profile/source",
        )
    if not profile.fields:
        raise DefinitionError(
            "a profile names at least one field of the form", pointer=f"{where}/profile/fields"
        )
    if len(set(profile.fields)) != len(profile.fields):
        raise DefinitionError("a profile names each field once", pointer=f"{where}/profile/fields")
    for index, name in enumerate(profile.fields):
        if not isinstance(name, str) or not name:
            raise DefinitionError(
                "a profile field is the name of a form field",
                pointer=f"{where}/profile/fields/{index}",
            )
