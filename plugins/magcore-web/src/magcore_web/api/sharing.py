"""Sharing choices: who can see what of mine, granting one, revoking one in one call.

Only the employee decides about their own record: every path here is about the asker's own
choices. A choice number that is not one of theirs is a 404, and an audit line.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import attrs

from magcore.access.decision import PARTICIPATION
from magcore.domain.sharing import (
    GRANTEE_ROLES,
    GrantSharing,
    RevokeSharing,
    SharingChoice,
    SharingState,
    person_stream,
    replay,
)
from magcore.errors import ConsentError, InputRefused

from ..problems import ApiProblem, FieldError, invalid
from .common import refuse_unseen
from .fields import id_field
from .routing import Call, Operation
from .values import SharingChoiceOut, sharing_out

if TYPE_CHECKING:
    from magcore.app.service import Service

__all__ = ["OPERATIONS", "revoke_once"]

TAG = "sharing-choices"
ONE = "/sharing-choices/{choiceId}"


@attrs.frozen(kw_only=True)
class SharingChoiceIn:
    """Show *what* (``whole_record``, ``agreements``, ``goals``, ``theme:<id>``...) to *to* (a
    person, or a role such as ``next_manager``) for *purpose*, until a day you choose, for one
    conversation or all."""

    to: str = id_field()
    what: str = id_field()
    purpose: str = id_field()
    until: date | None = None
    conversation: str | None = id_field(default=None)


def _choices(call: Call) -> dict[int, SharingChoice]:
    me = call.principal.person_id
    return dict(call.service.sharing(me).choices)


def _one(call: Call) -> SharingChoice:
    raw = call.path["choiceId"]
    me = call.principal.person_id
    choice = _choices(call).get(int(raw)) if raw.isdigit() else None
    if choice is None:
        raise refuse_unseen(
            call,
            f"{person_stream(me)}/sharing/{raw}",
            "sharing choice",
            PARTICIPATION,
            "it is not one of the asker's own sharing choices",
        )
    return choice


def list_mine(call: Call) -> list[SharingChoiceOut]:
    now = call.service.clock.now()
    return [sharing_out(c, now, call.service.timezone) for _, c in sorted(_choices(call).items())]


def get_one(call: Call) -> SharingChoiceOut:
    return sharing_out(_one(call), call.service.clock.now(), call.service.timezone)


def grant(call: Call) -> SharingChoiceOut:
    body: SharingChoiceIn = call.body
    me = call.principal.person_id
    if body.conversation is not None:
        from .conversations import visible

        visible(call, body.conversation)
    try:
        state = _grant(call, body, me)
    except InputRefused as exc:
        # Only the grantee is checked against the organisation (an unknown person).
        raise ApiProblem(
            invalid([_refused(p.pointer.lstrip("/") or "to", p.keyword) for p in exc.problems])
        ) from None
    except ConsentError as exc:
        raise ApiProblem(invalid([_field_of(exc)])) from None
    newest = max(state.choices)
    return sharing_out(state.choices[newest], call.service.clock.now(), call.service.timezone)


#: What each field of a sharing choice must be, in words that quote nothing sent: a refused
#: value may be a name or a diagnosis that should never have been typed there, and an
#: answer is logged by proxies and shown on screens.
_RULES = {
    "to": "must name a person in the organisation or one of the roles a choice may name "
    f"({', '.join(sorted(GRANTEE_ROLES))}), not a party of a conversation",
    "what": "must be one of whole_record, agreements, goals, profile or theme:<id> naming a "
    "theme a cycle has (private notes of another author can never be shared)",
    "purpose": "must be a short lower-case name, e.g. 'handover'",
    "until": "must be today or a later day",
    "conversation": "must be one of the conversations about you",
}
#: Refusals whose words quote nothing sent, kept as they are.
_OWN_WORDS = frozenset({"a choice to share with yourself has no meaning"})


def _refused(name: str | None, code: str | None = None) -> FieldError:
    if name is None or name not in _RULES:
        return FieldError(in_="body", location="/", code="refused", detail="the choice is refused")
    return FieldError(in_="body", location=f"/{name}", code=code or "refused", detail=_RULES[name])


def _field_of(exc: ConsentError) -> FieldError:
    """The field a refused sharing choice is about (the refusal names it: ``exc.field``),
    and what that field must be, in words that do not repeat the value sent."""
    if exc.field is not None and str(exc) in _OWN_WORDS:
        return FieldError(in_="body", location=f"/{exc.field}", code="refused", detail=str(exc))
    return _refused(exc.field)


def _grant(call: Call, body: SharingChoiceIn, me: str) -> SharingState:
    return call.service.share(
        GrantSharing(
            actor=me,
            person=me,
            to=body.to,
            what=body.what,
            purpose=body.purpose,
            until=body.until,
            conversation=body.conversation,
        )
    )


def revoke_once(service: Service, person: str, choice: int) -> None:
    """Revoke *person*'s sharing choice *choice*, or nothing if it is revoked already, also
    when another request (a second click, another tab) revoked it a moment ago: revoking
    is idempotent, the API's DELETE and the page's button alike."""
    try:
        service.share(RevokeSharing(actor=person, person=person, choice=choice))
    except ConsentError:
        found = dict(replay(person, service.store.read(person_stream(person))).choices)
        if choice not in found or found[choice].revoked_at is None:
            raise


def revoke(call: Call) -> None:
    choice = _one(call)
    if choice.revoked_at is not None:
        return  # revoked already: DELETE is idempotent
    revoke_once(call.service, call.principal.person_id, choice.id)


OPERATIONS = (
    Operation(
        method="GET",
        path="/sharing-choices",
        operation_id="listMySharingChoices",
        summary="Who can see what of yours: every sharing choice, its purpose and end date.",
        tag=TAG,
        handler=list_mine,
        response=list[SharingChoiceOut],
    ),
    Operation(
        method="POST",
        path="/sharing-choices",
        operation_id="grantSharingChoice",
        summary="Let someone see part of your record, for a purpose, until a day.",
        tag=TAG,
        handler=grant,
        body=SharingChoiceIn,
        response=SharingChoiceOut,
        status=201,
        errors=(404,),
    ),
    Operation(
        method="GET",
        path=ONE,
        operation_id="getSharingChoice",
        summary="One of your sharing choices.",
        tag=TAG,
        handler=get_one,
        response=SharingChoiceOut,
        errors=(404,),
    ),
    Operation(
        method="DELETE",
        path=ONE,
        operation_id="revokeSharingChoice",
        summary="Revoke one of your sharing choices (reads after now no longer rely on it).",
        tag=TAG,
        handler=revoke,
        status=204,
        errors=(404,),
    ),
)
