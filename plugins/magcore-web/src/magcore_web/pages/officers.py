"""The pages of the functional roles: the HR adviser's guarded listing, the privacy officer's
audit check and restrictions, and the works council's regulation per cycle version.

Each page is shown only to a principal holding the role (from the identity provider's
groups); what it shows is still decided by the gateway for that person, so a group in the
identity provider alone opens no content.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from magcore.access.decision import HR_OVERVIEW
from magcore.errors import ConsentError
from magcore.model.input_policy import check_id

from ..signin.guards import check_csrf
from .common import call, cycles_of, form_value, kind_names, manages, today
from .errors import FieldRefused, NotYours, guarded
from .privacy import ACTIONS, due_destruction
from .render import page

if TYPE_CHECKING:
    from starlette.requests import Request

    from magcore.app.service import Service

    from ..identity import Principal
    from ..signin.sessions import Session

__all__ = ["routes"]


def _require(principal: Principal, role: str) -> None:
    if not principal.has_role(role):
        raise NotYours(f"{principal.person_id} is not {role}")


async def hr(request: Request, session: Session, principal: Principal) -> Response:
    from .render import language_of
    from .texts import content_language

    _require(principal, "hr_adviser")
    person = principal.person_id
    language = content_language(language_of(request, session))

    def read(service: Service) -> tuple[list[Any], bool, dict[str, str]]:
        listing = list(service.listing(person, purpose=HR_OVERVIEW))
        return listing, manages(service, person), kind_names(service, language)

    items, manager, names = await call(request, read)
    return page(
        request,
        "pages/hr.html.j2",
        title_key="hr.title",
        session=session,
        principal=principal,
        manages=manager,
        items=items,
        kind_names=names,
    )


async def privacy(request: Request, session: Session, principal: Principal) -> Response:
    from magcore.access.audit import verify_store

    _require(principal, "privacy_officer")
    officer = principal.person_id
    subject = request.query_params.get("person", "").strip()

    def read(service: Service) -> dict[str, Any]:
        provider = service.key_provider
        result = verify_store(service.store, keys=provider.audit_key if provider else None)
        restrictions = None
        if subject:
            check_id(subject, pointer="/person")
            restrictions = service.sharing(subject, actor=officer).restrictions
        return {
            "audit": result,
            "restrictions": restrictions,
            "manages": manages(service, officer),
            "due": due_destruction(request, service, principal),
        }

    data = await call(request, read)
    done = request.query_params.get("done", "")
    return page(
        request,
        "pages/privacy.html.j2",
        title_key="privacy.title",
        session=session,
        principal=principal,
        subject=subject,
        done=done if done in ACTIONS else "",
        **data,
    )


def _regulations(service: Service, language: str) -> list[dict[str, Any]]:
    from magcore.access.regulation import render_regulation
    from magcore.app.versions import kind_forms

    cycles = cycles_of(service)
    found = []
    for key, cycle in sorted(cycles.definitions.items()):
        forms = {}
        for kind in cycle.kinds:
            for form_id in kind_forms(cycle, kind.id).values():
                forms[form_id] = service.form(form_id)
        policy_hash = service.policy_hash(cycle)
        state = cycles.approvals(service, cycle.id)
        rendered = render_regulation(cycle, language=language, format="markdown", forms=forms)
        found.append(
            {
                "key": key,
                "name": cycle.name.get(language),
                "version": cycle.version,
                "hash": policy_hash,
                "approved": sorted(state.approved(cycle.version, policy_hash)),
                "text": rendered.text,
            }
        )
    return found


async def regulation(request: Request, session: Session, principal: Principal) -> Response:
    from .render import language_of
    from .texts import content_language

    _require(principal, "works_council")
    language = content_language(language_of(request, session))
    person = principal.person_id

    def read(service: Service) -> tuple[list[dict[str, Any]], bool]:
        return _regulations(service, language), manages(service, person)

    items, manager = await call(request, read)
    return page(
        request,
        "pages/regulation.html.j2",
        title_key="regulation.title",
        session=session,
        principal=principal,
        manages=manager,
        items=items,
    )


async def approve(request: Request, session: Session, principal: Principal) -> Response:
    _require(principal, "works_council")
    form = await check_csrf(request, session)
    person = principal.person_id

    def run(service: Service) -> None:
        try:
            service.approve_policy(
                form_value(form, "cycle"),
                body="works_council",
                reference=form_value(form, "reference"),
                on=today(service),
                actor=person,
                policy_hash=form_value(form, "hash"),
            )
        except ConsentError as exc:  # a changed text, no reference, approved already
            raise FieldRefused(str(exc), field="reference") from None

    await call(request, run)
    return RedirectResponse("/regulation", status_code=303)


def routes() -> list[Route]:
    """The routes of the functional roles."""
    return [
        Route("/hr", guarded(hr), methods=["GET"]),
        Route("/privacy", guarded(privacy), methods=["GET"]),
        Route("/regulation", guarded(regulation), methods=["GET"]),
        Route("/regulation/approve", guarded(approve), methods=["POST"]),
    ]
