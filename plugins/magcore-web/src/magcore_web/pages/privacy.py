"""The privacy officer's choices on the pages: restrict processing (AVG art. 18), lift a
restriction, erase a person (art. 17) and destroy a conversation whose retention has passed.

Each choice is a link to a confirmation page (a GET that changes nothing) whose form, with its
CSRF token, does it. The pages run the API's handlers (:mod:`magcore_web.api.people`,
:mod:`magcore_web.api.officer`), which call the service's commands: who may do what is decided
there (the privacy officer in the tenant's directory), never here; the page's gate only keeps
the confirmation pages from everyone else. A person who is not the officer gets the same 404 as
for an unknown id, and the refusal's audit line is written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from magcore.access.decision import PRIVACY_OFFICER
from magcore.access.erasure_grounds import REQUEST_GROUNDS
from magcore.domain.conversation import stream_of
from magcore.domain.sharing import person_stream
from magcore.model.input_policy import MAX_ID_LENGTH, check_id

from ..api import officer as officer_api
from ..api import people as people_api
from ..api.common import has_role, refuse_unseen
from ..api.routing import Call
from ..app import tenant_of
from ..problems import ApiProblem
from ..signin.guards import check_csrf
from .common import form_value
from .errors import FieldRefused, NotYours, guarded
from .render import page

if TYPE_CHECKING:
    from starlette.requests import Request

    from magcore.app.service import Service

    from ..identity import Principal
    from ..signin.sessions import Session

__all__ = ["ACTIONS", "due_destruction", "routes"]

#: The choices, with what each asks: a reason in words (a restriction's: sealed with the
#: person's key), a ground with at most a case reference (an erasure's: its audit line outlives
#: the content, so it holds no words), or nothing.
ACTIONS: dict[str, str | None] = {
    "restrict": "reason",
    "lift": None,
    "erase": "ground",
    "destroy": None,
}


def _call(
    request: Request, service: Service, principal: Principal, person: str, **values: Any
) -> Call:
    return Call(
        principal=principal,
        service=service,
        tenant=tenant_of(request),
        path={"personId": person},
        query={k: v for k, v in values.items() if k == "conversation" and v},
        body=values.get("body"),
    )


def _run(handler: Callable[[Call], Any], call: Call) -> Any:
    """*handler* as a page runs it: a refused id is the page's 404, any other problem is
    named by its field."""
    try:
        return handler(call)
    except ApiProblem as exc:
        if exc.problem.status in (403, 404):
            raise NotYours(exc.problem.detail or "not found") from None
        raise FieldRefused(exc.problem.detail or exc.problem.title, field="person") from None


def due_destruction(request: Request, service: Service, principal: Principal) -> list[Any] | None:
    """The conversations whose retention term has passed (the API's list, which the service
    decides and audits); ``None`` when the service refuses the asker (the tenant's directory
    does not name them privacy officer: a sign-in's group opens the page, not the list)."""
    try:
        return list(officer_api.due_destruction(_call(request, service, principal, "")))
    except ApiProblem as exc:
        if exc.problem.status == 403:
            return None
        raise


def _fields(source: Any) -> tuple[str, str, str]:
    action = str(source.get("action", "")).strip()
    person = str(source.get("person", "")).strip()
    conversation = str(source.get("conversation", "")).strip()
    if action not in ACTIONS:
        raise NotYours(f"no such choice {action!r}")
    if action != "destroy":
        check_id(person, pointer="/person")
    if conversation or action == "destroy":
        check_id(conversation, pointer="/conversation")
    return action, person, conversation


def _object(action: str, person: str, conversation: str) -> str:
    if action == "destroy":
        return stream_of(conversation)
    return f"{person_stream(person)}/{'erasure' if action == 'erase' else 'restrictions'}"


async def _require(
    request: Request, principal: Principal, action: str, person: str, conversation: str
) -> None:
    """Nothing for the privacy officer; anyone else gets the 404 of an unknown id, and the
    refusal's audit line is written (as the API does)."""

    def check(service: Service) -> bool:
        call = _call(request, service, principal, person)
        if has_role(call, PRIVACY_OFFICER):
            return True
        refuse_unseen(
            call,
            _object(action, person, conversation),
            "person",
            PRIVACY_OFFICER,
            f"{action} is the privacy officer's",
        )
        return False

    if not await run_in_threadpool(tenant_of(request).call, check):
        raise NotYours(f"{principal.person_id} is not the privacy officer")


async def confirm(request: Request, session: Session, principal: Principal) -> Response:
    """The confirmation page of one choice: what it does, and the button that does it."""
    action, person, conversation = _fields(request.query_params)
    await _require(request, principal, action, person, conversation)
    return page(
        request,
        "pages/privacy_confirm.html.j2",
        title_key=f"privacy.confirm_{action}",
        session=session,
        principal=principal,
        action=action,
        person=person,
        conversation=conversation,
        asks=ACTIONS[action],
        grounds=[ground.value for ground in REQUEST_GROUNDS],
        id_max=MAX_ID_LENGTH,
        back="/privacy?" + urlencode({"person": person}) if person else "/privacy",
    )


async def act(request: Request, session: Session, principal: Principal) -> Response:
    """Do the confirmed choice, then back to the privacy page with its result."""
    form = await check_csrf(request, session)
    action, person, conversation = _fields(form)
    # the page's gate (its own audit line for anyone else, before the form is looked at);
    # restriction, erasure and destruction are then decided again by the service
    await _require(request, principal, action, person, conversation)
    reason = form_value(form, "reason")
    if ACTIONS[action] == "reason" and not reason:
        raise FieldRefused("write the reason", field="reason")
    ground = form_value(form, "ground")
    if ACTIONS[action] == "ground" and not ground:
        raise FieldRefused("choose the ground", field="ground")

    def run(service: Service) -> None:
        if action == "restrict":
            restriction = people_api.RestrictionIn(reason=reason, conversation=conversation or None)
            call = _call(request, service, principal, person, body=restriction)
            _run(people_api.restrict, call)
        elif action == "lift":
            call = _call(request, service, principal, person, conversation=conversation)
            _run(people_api.lift, call)
        elif action == "erase":
            reference = form_value(form, "reference") or None
            erasure = people_api.ErasureIn(ground=ground, reference=reference)
            _run(people_api.erase, _call(request, service, principal, person, body=erasure))
        else:
            destruction = officer_api.DestructionIn(conversation=conversation)
            call = _call(request, service, principal, person, body=destruction)
            _run(officer_api.destroy, call)

    await run_in_threadpool(tenant_of(request).call, run)
    target = "/privacy?" + urlencode(
        {"person": person, "done": action} if person else {"done": action}
    )
    return RedirectResponse(target, status_code=303)


def routes() -> list[Route]:
    """The routes of the privacy officer's choices."""
    return [
        Route("/privacy/confirm", guarded(confirm), methods=["GET"]),
        Route("/privacy/act", guarded(act), methods=["POST"]),
    ]
