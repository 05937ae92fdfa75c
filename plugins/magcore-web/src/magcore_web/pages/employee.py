"""The employee's pages: my conversations, one conversation (prepare, record, agree, disagree),
my goals, who can see what of mine (revoke in one click), and my subject-access export.

Every read of content goes through the service's gateway (``Service.view``, ``listing``,
``sharing``, ``export``), decided for the signed-in person and audited.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from starlette.responses import RedirectResponse, Response

from magcore.access.decision import HANDOVER, HR_OVERVIEW, PARTICIPATION
from magcore.access.profiles import PROFILE_OVERVIEW
from magcore.domain.conversation.commands import (
    AddDissent,
    ConfirmRecord,
    PublishPreparation,
    SavePreparation,
)
from magcore.domain.sharing import (
    WHAT_AGREEMENTS,
    WHAT_GOALS,
    WHAT_PROFILE,
    WHAT_WHOLE_RECORD,
    GrantSharing,
)

from ..signin.guards import check_csrf
from .common import (
    Cycles,
    call,
    cycles_of,
    form_value,
    kind_names,
    manages,
    my_view,
    organisation_id,
    today,
)
from .errors import FieldRefused, NotYours, guarded
from .render import page

if TYPE_CHECKING:
    from starlette.requests import Request

    from magcore.app.service import Service
    from magcore.model.cycle import CycleDefinition

    from ..identity import Principal
    from ..signin.sessions import Session

__all__ = ["offered", "routes"]

#: The one free-text answer of a preparation when the conversation kind names no form.
NOTES = "notes"
#: What an employee may share, in the order the page offers it (the sharing rules' names):
#: ``profile`` is what they wrote in a kind's profile, shown again next time
#: (:mod:`magcore.access.profiles`); offered only where a cycle of the tenant carries a
#: profile (:func:`offered`).
SHAREABLE = (WHAT_AGREEMENTS, WHAT_GOALS, WHAT_PROFILE, WHAT_WHOLE_RECORD)
#: Purposes a sharing choice may name on the page: ``handover`` lets a new manager see what
#: carries over (agreements, the profile from last time), ``profile_overview`` puts the
#: employee's profile in the overview of the person the choice names (offered like
#: ``profile``).
PURPOSES = (HR_OVERVIEW, HANDOVER, PROFILE_OVERVIEW)


def offered(cycles: Iterable[CycleDefinition]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What the sharing form offers to share, and for which purposes: the profile and the
    manager's overview of profiles only when one of *cycles* has a kind that carries a
    profile (a choice for them would show nothing otherwise). Choices made earlier are
    listed with their names either way."""
    if any(kind.profile is not None for cycle in cycles for kind in cycle.kinds):
        return SHAREABLE, PURPOSES
    return (
        tuple(w for w in SHAREABLE if w != WHAT_PROFILE),
        tuple(p for p in PURPOSES if p != PROFILE_OVERVIEW),
    )


def _see_other(path: str) -> Response:
    return RedirectResponse(path, status_code=303)


async def home(request: Request, session: Session, principal: Principal) -> Response:
    manager = await call(request, lambda s: manages(s, principal.person_id))
    return page(
        request,
        "pages/home.html.j2",
        title_key="home.title",
        session=session,
        principal=principal,
        manages=manager,
    )


def _requestable(service: Service, cycles: Cycles) -> list[tuple[str, str, dict[str, str]]]:
    """(cycle key, kind id, kind name) an employee may ask for, in approved cycles."""
    return [
        (key, kind.id, kind.name.to_json())
        for key, cycle in cycles.requestable(service).items()
        for kind in cycle.kinds
        if "employee" in kind.initiators
    ]


async def conversations(request: Request, session: Session, principal: Principal) -> Response:
    from .render import language_of
    from .texts import content_language

    person = principal.person_id
    language = content_language(language_of(request, session))

    def read(service: Service) -> tuple[Any, bool, list[Any], dict[str, str]]:
        cycles = cycles_of(service)  # once for the page: definitions and approvals
        return (
            service.listing(person, purpose=PARTICIPATION),
            manages(service, person),
            _requestable(service, cycles),
            kind_names(service, language, cycles.definitions),
        )

    listing, manager, kinds, names = await call(request, read)
    return page(
        request,
        "pages/conversations.html.j2",
        title_key="conv.list_title",
        session=session,
        principal=principal,
        manages=manager,
        items=list(listing),
        kinds=kinds,
        kind_names=names,
    )


async def request_conversation(
    request: Request, session: Session, principal: Principal
) -> Response:
    form = await check_csrf(request, session)
    cycle_key, _, kind = form_value(form, "kind").partition("|")
    person = principal.person_id

    def start(service: Service) -> str:
        cycle = service.cycle(cycle_key)
        org = organisation_id(service)
        if org is None:
            raise FieldRefused("no organisation is configured", field="organisation")
        participants = service.participants_for(org, cycle, kind, person, on=today(service))
        view = service.request(cycle=cycle, kind=kind, participants=participants, actor=person)
        return view.id

    conversation_id = await call(request, start)
    return _see_other(f"/conversations/{conversation_id}")


def _preparation_form(service: Service, view: Any) -> str | None:
    """The id of the form the conversation's kind prepares with, if it names one."""
    if view.cycle is None or view.kind is None:
        return None
    form_id: str | None = service.cycle(view.cycle).kind(view.kind).preparation_form
    return form_id


def _form_parts(service: Service, view: Any, language: str, answers: Any) -> dict[str, Any] | None:
    from magcore.forms.render import form_controls

    form_id = _preparation_form(service, view)
    if form_id is None:
        return None
    return form_controls(service.form(form_id), language=language, answers=answers)


async def conversation(request: Request, session: Session, principal: Principal) -> Response:
    from .render import language_of
    from .texts import content_language

    conversation_id = request.path_params["conversation"]
    person = principal.person_id
    language = content_language(language_of(request, session))

    def read(service: Service) -> dict[str, Any]:
        view = my_view(service, conversation_id, person)
        own = view.preparations.get(person)
        answers = dict(own.answers) if own is not None else {}
        return {
            "view": view,
            "own": own,
            "answers": answers,
            "notes": answers.get(NOTES, ""),
            "prep_form": _form_parts(service, view, language, answers),
            "others": {p: prep for p, prep in view.preparations.items() if p != person},
            "is_manager": view.subject != person,
            "manages": manages(service, person),
            "kind_names": kind_names(service, language),
        }

    data = await call(request, read)
    view = data["view"]
    return page(
        request,
        "pages/conversation.html.j2",
        title_key="conv.title",
        session=session,
        principal=principal,
        state_key=f"state.{view.state}",
        person=person,
        **data,
    )


async def save_preparation(request: Request, session: Session, principal: Principal) -> Response:
    from magcore.forms import parse_form_data

    form = await check_csrf(request, session)
    conversation_id = request.path_params["conversation"]
    person = principal.person_id
    action = form.get("action", "save")

    def save(service: Service) -> None:
        view = my_view(service, conversation_id, person)
        form_id = _preparation_form(service, view)
        if form_id is not None:
            fields = {k: v for k, v in form.items() if k not in ("csrf_token", "action")}
            answers = parse_form_data(service.form(form_id), fields)
        else:
            answers = {NOTES: form_value(form, NOTES)} if form_value(form, NOTES) else {}
        own = view.preparations.get(person)
        if answers or own is None:
            service.execute(conversation_id, SavePreparation(actor=person, answers=answers))
        if action == "publish":
            service.execute(conversation_id, PublishPreparation(actor=person))

    await call(request, save)
    return _see_other(f"/conversations/{conversation_id}#preparation")


async def confirm(request: Request, session: Session, principal: Principal) -> Response:
    form = await check_csrf(request, session)
    conversation_id = request.path_params["conversation"]
    person = principal.person_id
    revision = int(form_value(form, "revision") or "0")

    def run(service: Service) -> None:
        my_view(service, conversation_id, person)
        service.execute(conversation_id, ConfirmRecord(actor=person, revision=revision))

    await call(request, run)
    return _see_other(f"/conversations/{conversation_id}#record")


async def dissent(request: Request, session: Session, principal: Principal) -> Response:
    form = await check_csrf(request, session)
    conversation_id = request.path_params["conversation"]
    person = principal.person_id
    text = form_value(form, "text")

    def run(service: Service) -> None:
        my_view(service, conversation_id, person)
        if not text:
            raise FieldRefused("write what you see differently", field="text")
        service.execute(conversation_id, AddDissent(actor=person, text=text))

    await call(request, run)
    return _see_other(f"/conversations/{conversation_id}#dissent")


async def goals(request: Request, session: Session, principal: Principal) -> Response:
    person = principal.person_id

    def read(service: Service) -> tuple[list[Any], bool]:
        export = service.export(person)
        return list(export.get("goals", [])), manages(service, person)

    items, manager = await call(request, read)
    return page(
        request,
        "pages/goals.html.j2",
        title_key="goals.title",
        session=session,
        principal=principal,
        manages=manager,
        goals=items,
    )


async def sharing(request: Request, session: Session, principal: Principal) -> Response:
    person = principal.person_id

    def read(service: Service) -> tuple[Any, bool, list[Any], Any, frozenset[int]]:
        state = service.sharing(person)
        listing = service.listing(person, purpose=PARTICIPATION)
        offers = offered(service.cycles.values())
        # which choices hold: the domain's answer at the service's moment, days in the
        # installation's time zone (as the API's ``active`` and the gateway decide it)
        holding = frozenset(c.id for c in state.active(service.clock.now(), service.timezone))
        return state, manages(service, person), list(listing), offers, holding

    state, manager, mine, (offered_what, offered_purposes), holding = await call(request, read)
    choices = sorted(state.choices.values(), key=lambda c: c.id)
    active = [c for c in choices if c.id in holding]
    revoked = [c for c in choices if c.revoked_at is not None]
    ended = [c for c in choices if c.id not in holding and c.revoked_at is None]
    return page(
        request,
        "pages/sharing.html.j2",
        title_key="sharing.title",
        session=session,
        principal=principal,
        manages=manager,
        active=active,
        revoked=revoked,
        ended=ended,
        shareable=SHAREABLE,
        purposes=PURPOSES,
        offered_what=offered_what,
        offered_purposes=offered_purposes,
        conversations=mine,
    )


async def grant(request: Request, session: Session, principal: Principal) -> Response:
    form = await check_csrf(request, session)
    person = principal.person_id
    until_text = form_value(form, "until")
    try:
        until = date.fromisoformat(until_text) if until_text else None
    except ValueError:
        raise FieldRefused("write the end date as year-month-day", field="until") from None
    command = GrantSharing(
        actor=person,
        person=person,
        to=form_value(form, "to"),
        what=form_value(form, "what"),
        purpose=form_value(form, "purpose"),
        until=until,
        conversation=form_value(form, "conversation") or None,
    )
    await call(request, lambda s: s.share(command))
    return _see_other("/sharing")


async def revoke(request: Request, session: Session, principal: Principal) -> Response:
    await check_csrf(request, session)
    person = principal.person_id
    try:
        choice = int(request.path_params["choice"])
    except ValueError:
        raise NotYours("no such choice") from None

    def run(service: Service) -> None:
        from ..api.sharing import revoke_once

        state = service.sharing(person)
        if choice not in state.choices:
            raise NotYours(f"choice {choice} is not {person}'s")
        if state.choices[choice].revoked_at is None:  # a second click changes nothing
            revoke_once(service, person, choice)

    await call(request, run)
    return _see_other("/sharing")


async def export_page(request: Request, session: Session, principal: Principal) -> Response:
    manager = await call(request, lambda s: manages(s, principal.person_id))
    return page(
        request,
        "pages/export.html.j2",
        title_key="export.title",
        session=session,
        principal=principal,
        manages=manager,
    )


async def export_download(request: Request, session: Session, principal: Principal) -> Response:
    person = principal.person_id
    data = await call(request, lambda s: s.export(person))
    body = json.dumps(data, ensure_ascii=False, indent=2, default=_json_default)
    stamp = datetime.now().strftime("%Y%m%d")
    return Response(
        body.encode("utf-8"),
        media_type="application/json",
        headers={
            "content-disposition": f'attachment; filename="magcore-{person}-{stamp}.json"',
            "cache-control": "no-store",
        },
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def routes() -> list[Any]:
    """The employee's routes."""
    from starlette.routing import Route

    return [
        Route("/", guarded(home), methods=["GET"], name="home"),
        Route("/conversations", guarded(conversations), methods=["GET"]),
        Route("/conversations", guarded(request_conversation), methods=["POST"]),
        Route("/conversations/{conversation}", guarded(conversation), methods=["GET"]),
        Route(
            "/conversations/{conversation}/preparation", guarded(save_preparation), methods=["POST"]
        ),
        Route("/conversations/{conversation}/confirm", guarded(confirm), methods=["POST"]),
        Route("/conversations/{conversation}/dissent", guarded(dissent), methods=["POST"]),
        Route("/goals", guarded(goals), methods=["GET"]),
        Route("/sharing", guarded(sharing), methods=["GET"]),
        Route("/sharing", guarded(grant), methods=["POST"]),
        Route("/sharing/{choice}/revoke", guarded(revoke), methods=["POST"]),
        Route("/export", guarded(export_page), methods=["GET"]),
        Route("/export/download", guarded(export_download), methods=["GET"]),
    ]
