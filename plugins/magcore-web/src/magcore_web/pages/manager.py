"""The manager's pages: who is due in my team, plan and schedule (with the .ics invitation),
hold and record, and participation figures for my unit (counts only, minimum group size).

A manager acts on a conversation only as its participant: the conversation page is the same
as the employee's (:mod:`magcore_web.pages.employee`), with the manager's forms shown there.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from magcore import Agreement
from magcore.access.decision import PARTICIPATION
from magcore.domain.conversation.commands import DraftRecord, MarkHeld, Schedule

from ..signin.guards import check_csrf
from .common import call, form_value, known_cycles, manages, my_view, organisation_id, today
from .errors import FieldRefused, NotYours, guarded
from .render import page

if TYPE_CHECKING:
    from starlette.requests import Request

    from magcore.app.service import Service

    from ..identity import Principal
    from ..signin.sessions import Session

__all__ = ["routes"]


def _see_other(path: str) -> Response:
    return RedirectResponse(path, status_code=303)


def _my_reports(service: Service, person: str) -> frozenset[str]:
    return service.directory.reports_of(person, today(service))


async def team(request: Request, session: Session, principal: Principal) -> Response:
    person = principal.person_id

    def read(service: Service) -> dict[str, Any]:
        reports = _my_reports(service, person)
        if not reports:
            raise NotYours(f"{person} manages nobody")
        org = organisation_id(service)
        due: list[Any] = []
        start = today(service)
        if org is not None:
            # Every cycle planned on one read, through the gateway (audited): the conversations
            # the manager holds with the people they manage, without what a conversation
            # already requested or held answers (no button to ask for it twice).
            due = list(
                service.due_list(
                    person,
                    cycles=known_cycles(service).values(),
                    start=start - timedelta(days=365),
                    end=start + timedelta(days=365),
                    org_id=org,
                )
            )
        listing = [
            i for i in service.listing(person, purpose=PARTICIPATION) if i.subject in reports
        ]
        return {"due": due, "items": listing}

    data = await call(request, read)
    return page(
        request,
        "pages/team.html.j2",
        title_key="team.title",
        session=session,
        principal=principal,
        manages=True,
        **data,
    )


async def request_for(request: Request, session: Session, principal: Principal) -> Response:
    form = await check_csrf(request, session)
    person = principal.person_id
    employee = form_value(form, "person")
    cycle_key = form_value(form, "cycle")
    kind = form_value(form, "kind")

    def start(service: Service) -> str:
        if employee not in _my_reports(service, person):
            raise NotYours(f"{employee} is not in {person}'s team")
        cycle = service.cycle(cycle_key)
        org = organisation_id(service)
        assert org is not None
        participants = service.participants_for(org, cycle, kind, employee, on=today(service))
        return service.request(cycle=cycle, kind=kind, participants=participants, actor=person).id

    conversation_id = await call(request, start)
    return _see_other(f"/conversations/{conversation_id}")


async def schedule(request: Request, session: Session, principal: Principal) -> Response:
    form = await check_csrf(request, session)
    conversation_id = request.path_params["conversation"]
    person = principal.person_id
    try:
        when = datetime.fromisoformat(form_value(form, "when"))
    except ValueError:
        raise FieldRefused("write the date and time like 2026-03-20T10:00", field="when") from None

    def run(service: Service) -> None:
        my_view(service, conversation_id, person)
        on = when if when.tzinfo is not None else when.replace(tzinfo=service.timezone)
        service.execute(
            conversation_id, Schedule(actor=person, on=on, place=form_value(form, "place"))
        )

    await call(request, run)
    return _see_other(f"/conversations/{conversation_id}")


async def invitation(request: Request, session: Session, principal: Principal) -> Response:
    from magcore.app.invitations import calendar, invitation_for

    conversation_id = request.path_params["conversation"]
    person = principal.person_id

    def make(service: Service) -> bytes:
        my_view(service, conversation_id, person)
        found = invitation_for(service, conversation_id, sent_by=person)
        if found is None:
            raise NotYours("the conversation has no date yet")
        return calendar([found])

    body = await call(request, make)
    return Response(
        body,
        media_type="text/calendar",
        headers={
            "content-disposition": f'attachment; filename="gesprek-{conversation_id}.ics"',
            "cache-control": "no-store",
        },
    )


async def held(request: Request, session: Session, principal: Principal) -> Response:
    form = await check_csrf(request, session)
    conversation_id = request.path_params["conversation"]
    person = principal.person_id

    def run(service: Service) -> None:
        my_view(service, conversation_id, person)
        text = form_value(form, "on")
        try:
            on = date.fromisoformat(text) if text else today(service)
        except ValueError:
            raise FieldRefused("write the date as year-month-day", field="on") from None
        service.execute(conversation_id, MarkHeld(actor=person, on=on))

    await call(request, run)
    return _see_other(f"/conversations/{conversation_id}#record")


async def record(request: Request, session: Session, principal: Principal) -> Response:
    form = await check_csrf(request, session)
    conversation_id = request.path_params["conversation"]
    person = principal.person_id

    def run(service: Service) -> None:
        # built here, so that a text or an owner the form should not hold is the page's
        # named refusal (``call``), not an error of the server
        agreements = [
            Agreement(
                id=f"a{number}",
                text=text,
                owner=form_value(form, f"owner-{number}") or "employee",
            )
            for number in range(1, 6)
            if (text := form_value(form, f"agreement-{number}"))
        ]
        my_view(service, conversation_id, person)
        service.execute(
            conversation_id,
            DraftRecord(actor=person, summary=form_value(form, "summary"), agreements=agreements),
        )

    await call(request, run)
    return _see_other(f"/conversations/{conversation_id}#record")


async def participation(request: Request, session: Session, principal: Principal) -> Response:
    from magcore.access.statistics import DEFAULT_K
    from magcore.access.statistics_report import participation_report

    person = principal.person_id

    def read(service: Service) -> list[Any]:
        if not manages(service, person):
            raise NotYours(f"{person} manages nobody")
        org_id = organisation_id(service)
        assert org_id is not None
        org = service.organisation(org_id)
        day = today(service)
        mine = {
            a.team
            for a in org.assignments
            if a.person == person and a.role == "manager" and a.active_on(day)
        }
        report = participation_report(
            service.store,
            org,
            start=date(day.year, 1, 1),
            end=date(day.year + 1, 1, 1),
            grain="year",
            asker=person,
            at=service.clock.now(),
            origin=service.origin,
            require_audit=False,
        )
        return [cell for cell in report.cells if cell.unit in mine]

    cells = await call(request, read)
    return page(
        request,
        "pages/participation.html.j2",
        title_key="participation.title",
        session=session,
        principal=principal,
        manages=True,
        cells=cells,
        k=DEFAULT_K,
    )


def routes() -> list[Route]:
    """The manager's routes."""
    return [
        Route("/team", guarded(team), methods=["GET"]),
        Route("/team/request", guarded(request_for), methods=["POST"]),
        Route("/team/participation", guarded(participation), methods=["GET"]),
        Route("/conversations/{conversation}/schedule", guarded(schedule), methods=["POST"]),
        Route("/conversations/{conversation}/invitation.ics", guarded(invitation), methods=["GET"]),
        Route("/conversations/{conversation}/held", guarded(held), methods=["POST"]),
        Route("/conversations/{conversation}/record", guarded(record), methods=["POST"]),
    ]
