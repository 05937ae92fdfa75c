"""The manager's and HR adviser's views: who is due in my team, my schedule (JSON or .ics),
participation figures (counts only, small groups suppressed) and the guarded listing of what
sharing choices and legal bases open for a purpose."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import attrs

from magcore.access.decision import HR_OVERVIEW, PARTICIPATION
from magcore.errors import NotFoundError
from magcore.model.input_policy import default_period, period_problem

from ..problems import ApiProblem, FieldError, invalid
from .common import forbidden, has_role, today
from .routing import Call, Operation, Param, Raw
from .values import ConversationSummary, summary_out

__all__ = ["OPERATIONS"]

TAG = "team"
_FIGURE_ROLES = ("hr_adviser", "works_council", "researcher")


@attrs.frozen(kw_only=True)
class DueOut:
    """A conversation that is due: for whom, which kind, by when (a prompt is no obligation)."""

    person: str | None
    kind: str
    due: date
    window_start: date
    team: str | None = None
    prompt_only: bool = False


@attrs.frozen(kw_only=True)
class PlannedOut:
    """A planned conversation of yours: when (with time zone), where, with whom."""

    conversation: str
    start: datetime
    end: datetime
    location: str
    attendees: tuple[str, ...]
    method: str


@attrs.frozen(kw_only=True)
class CellOut:
    """One cell of the participation figures; a suppressed cell has no numbers."""

    level: str
    unit: str
    name: str
    period: str
    suppressed: bool
    conversations: int | None = None
    agreements: int | None = None


@attrs.frozen(kw_only=True)
class ParticipationOut:
    """Conversations held and agreements made per unit and period (never content); groups
    under the minimum group size *k* are suppressed, and cells they could be worked out from."""

    k: int
    grain: str
    start: date
    end: date
    periods: tuple[str, ...]
    audited: bool
    cells: tuple[CellOut, ...]


def _org_id(call: Call) -> str:
    org_id = call.service.organisation_id
    if org_id is None:
        raise NotFoundError("this municipality has no organisation imported")
    return org_id


def _cycle(call: Call) -> str:
    asked = call.query.get("cycle") or call.tenant.config.cycle
    if asked:
        return str(asked)
    cycles = list(call.service.cycles)
    if len(cycles) != 1:
        raise ApiProblem(
            invalid(
                [
                    FieldError(
                        in_="query",
                        location="cycle",
                        code="required",
                        detail=f"name the cycle: one of {', '.join(sorted(cycles))}",
                    )
                ]
            )
        )
    return cycles[0]


def _window(call: Call, *, days: int = 365) -> tuple[date, date]:
    """The days ``[from, to)`` asked for (an empty window when *to* is not after *from*)."""
    start = call.query.get("from") or today(call)
    end = call.query.get("to") or start + timedelta(days=days)
    _check_period(start, end)
    return start, max(start, end)


def _check_period(start: date, end: date) -> None:
    """Refuse a period longer than the input policy allows, naming the ``to`` parameter."""
    problem = period_problem(start, end)
    if problem is not None:
        raise ApiProblem(
            invalid(
                [
                    FieldError(
                        in_="query", location="to", code=problem.keyword, detail=problem.message
                    )
                ]
            )
        )


def due(call: Call) -> list[DueOut]:
    start, end = _window(call)
    if start == end:
        return []
    try:
        # through the gateway: the people the asker manages, the conversations they hold
        # with them; audited
        found = call.service.due_list(
            call.principal.person_id,
            cycles=[_cycle(call)],
            start=start,
            end=end,
            org_id=_org_id(call),
        )
    except NotFoundError as exc:
        raise ApiProblem(
            invalid([FieldError(in_="query", location="cycle", code="unknown", detail=str(exc))])
        ) from None
    return [
        DueOut(
            person=d.person,
            kind=d.kind,
            due=d.due,
            window_start=d.window_start,
            team=d.team,
            prompt_only=d.prompt_only,
        )
        for _, d in found
    ]


def schedule(call: Call) -> list[PlannedOut] | Raw:
    from magcore.app.invitations import calendar, invitations_for

    me = call.principal.person_id
    start, end = _window(call)
    found = (
        []
        if start == end
        else invitations_for(
            call.service, call.service.organisation_id, person=me, start=start, end=end, sent_by=me
        )
    )
    if "text/calendar" in str(call.query.get("accept", "")):
        return Raw(calendar(found), "text/calendar; charset=utf-8", filename="schedule.ics")
    return [
        PlannedOut(
            conversation=i.conversation,
            start=i.start,
            end=i.end,
            location=i.location,
            attendees=tuple(a.person for a in i.attendees),
            method=i.method,
        )
        for i in found
    ]


def _may_see_figures(call: Call) -> bool:
    if any(has_role(call, role) for role in _FIGURE_ROLES):
        return True
    directory = call.service.directory
    return bool(directory.reports_of(call.principal.person_id, today(call)))


def participation(call: Call) -> ParticipationOut:
    from magcore.access.statistics import MinimumGroupError
    from magcore.access.statistics_report import LEVELS, participation_report

    if not _may_see_figures(call):
        raise forbidden("manager, HR adviser or works council member")
    service = call.service
    start, end = default_period(call.query.get("from"), call.query.get("to"), today=today(call))
    _check_period(start, end)
    level = call.query.get("level")
    try:
        report = participation_report(
            service.store,
            service.organisation(_org_id(call)),
            start=start,
            end=end,
            grain=call.query.get("grain") or "quarter",
            k=call.query.get("minGroupSize"),
            asker=call.principal.person_id,
            at=service.clock.now(),
            origin=service.origin,
            levels=LEVELS if level is None else (level,),
        )
    except MinimumGroupError as exc:
        raise ApiProblem(
            invalid(
                [FieldError(in_="query", location="minGroupSize", code="minimum", detail=str(exc))]
            )
        ) from None
    return ParticipationOut(
        k=report.k,
        grain=report.grain,
        start=report.start,
        end=report.end,
        periods=report.periods,
        audited=report.audited,
        cells=tuple(
            CellOut(
                level=c.level,
                unit=c.unit,
                name=c.name,
                period=c.period,
                suppressed=c.suppressed,
                conversations=c.conversations,
                agreements=c.agreements,
            )
            for c in report.cells
        ),
    )


def shared_with_me(call: Call) -> list[ConversationSummary]:
    purpose = call.query.get("purpose") or HR_OVERVIEW
    listing = call.service.listing(call.principal.person_id, purpose=purpose)
    return [summary_out(item) for item in listing]


_WINDOW = (
    Param(name="from", type=date, description="First day (default: today)."),
    Param(name="to", type=date, description="Day after the last (default: a year on)."),
)
OPERATIONS = (
    Operation(
        method="GET",
        path="/team/due-conversations",
        operation_id="listDueConversations",
        summary="Who in your team is due which conversation, by when (not yet requested).",
        description=(
            "The conversations due in the window under the cycle that you hold with the people"
            " you manage today: you are their manager on the due day, in a kind the manager"
            " takes part in. The list is decided and audited by magcore's access gateway."
            " A due conversation is left out once a conversation of"
            " the same cycle and kind about the same person was requested, planned or held"
            " in its window, or requested ahead of it (not cancelled or marked not held; one"
            " held after the due day answers the last one missed): each such conversation"
            " answers one due conversation. A prompt is no obligation."
        ),
        tag=TAG,
        handler=due,
        params=(
            *_WINDOW,
            Param(name="cycle", description="Cycle id@version (default: the tenant's)."),
        ),
        response=list[DueOut],
    ),
    Operation(
        method="GET",
        path="/schedule",
        operation_id="getMySchedule",
        summary="Your planned conversations; with Accept: text/calendar, as an .ics calendar.",
        tag=TAG,
        handler=schedule,
        params=_WINDOW,
        response=list[PlannedOut],
        alternatives=("text/calendar",),
    ),
    Operation(
        method="GET",
        path="/participation",
        operation_id="getParticipation",
        summary="Participation figures per unit and period (small groups suppressed).",
        tag=TAG,
        handler=participation,
        params=(
            *_WINDOW,
            Param(name="grain", enum=("month", "quarter", "year"), description="Period length."),
            Param(name="level", enum=("team", "department", "organisation")),
            Param(name="minGroupSize", type=int, description="At least the regulation's size."),
        ),
        response=ParticipationOut,
        errors=(403,),
    ),
    Operation(
        method="GET",
        path="/shared-conversations",
        operation_id="listSharedWithMe",
        summary="What sharing choices and legal bases let you see for a purpose (no content).",
        tag=TAG,
        handler=shared_with_me,
        params=(
            Param(
                name="purpose",
                description=f"The purpose (default {HR_OVERVIEW}; {PARTICIPATION} for your own).",
            ),
        ),
        response=list[ConversationSummary],
    ),
)
