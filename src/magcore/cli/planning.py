"""``magcore plan`` and ``magcore due``: who is due which conversation, and when."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import click

from ..errors import MagcoreError
from ._common import ID, get_app, json_option, known_person, known_team, operator, period_of
from ._output import DATE, Steps, emit_json, print_table, say

__all__ = ["TABLE_LIMIT", "due", "plan"]

#: The most rows a table for people shows (``--json`` has them all).
TABLE_LIMIT = 100


if TYPE_CHECKING:
    _PairParam = click.ParamType[tuple[str, str]]
else:  # click before 8.3 has no type parameters here
    _PairParam = click.ParamType


class _RolePerson(_PairParam):
    """``ROLE=PERSON``: two ids by the input policy, as a pair."""

    name = "ROLE=PERSON"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[str, str]:
        from ..model.input_policy import id_problem

        if isinstance(value, tuple):
            return (str(value[0]), str(value[1]))
        role, equals, person = str(value).partition("=")
        if not equals:
            self.fail("give ROLE=PERSON, for example coach=c1", param, ctx)
        for what, part in (("role", role), ("person", person)):
            problem = id_problem(part, pointer="")
            if problem is not None:
                self.fail(f"the {what}: {problem.message}", param, ctx)
        return role, person


def _today() -> date:
    return get_app().clock().now().date()


@click.command()
@click.option("--from", "start", type=DATE, help="First day (default: 1 January this year).")
@click.option(
    "--to", "end", type=DATE, help="Day after the last (default: a year later; at most 50 years)."
)
@click.option("--kind", "kinds", multiple=True, help="Only these conversation kinds.")
@click.option("--manager", default=None, type=ID, help="Only conversations with this manager.")
@click.option("--team", default=None, type=ID, help="Only people in this team.")
@click.option(
    "--request",
    is_flag=True,
    help="Also request each due conversation, with the people its kind needs.",
)
@click.option(
    "--choose",
    "choices",
    multiple=True,
    type=_RolePerson(),
    metavar="ROLE=PERSON",
    help=(
        "With --request: who takes a party several people may take (a coach, an HR adviser); "
        "repeat it to take several in turn."
    ),
)
@json_option
def plan(
    start: date | None,
    end: date | None,
    kinds: tuple[str, ...],
    manager: str | None,
    team: str | None,
    request: bool,
    choices: tuple[tuple[str, str], ...],
    as_json: bool,
) -> None:
    """Show the conversations due in a period under the configured cycle.

    With --request, each due conversation that has not been requested yet is requested, so
    that everyone taking part can prepare: with the manager, a team mate, a coach or the whole
    team, as the kind says. A party that several people may take (a coach, an HR adviser)
    needs --choose ROLE=PERSON; with one such person, they are taken. Gentle prompts of free
    cadences are left to the people.
    """
    app = get_app()
    start, end = period_of(start, end, today=_today())
    service = app.service()
    cycle = service.cycle(app.cycle_key())
    for kind in kinds:
        cycle.kind(kind)
    org = service.organisation(app.config.organisation)
    known_person(org, manager, "--manager")
    known_team(org, team, "--team")
    if choices and not request:
        raise click.UsageError("--choose chooses people for --request: give --request too")
    chosen = _choices(choices, cycle, org)
    if request:
        from ..app.versions import approval_state, check_approved

        # Once, not per conversation: an unapproved version refuses every request alike.
        check_approved(cycle, service.policy_hash(cycle), approval_state(service.store, cycle.id))
        # Answered or not is decided on the whole plan, before the filters: a conversation
        # answers one due conversation of its kind, whoever the manager was then.
        due, still = service.due_and_outstanding(app.config.organisation, cycle, start, end)
    else:
        due, still = service.plan(app.config.organisation, cycle, start, end), ()
    items = [
        item
        for item in due
        if (not kinds or item.kind in kinds)
        and (manager is None or item.manager == manager)
        and (team is None or item.team == team)
    ]
    requested: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    left: list[dict[str, Any]] = []
    todo: list[Any] = []
    if request:
        unanswered = set(still)
        todo = [item for item in items if item in unanswered]
        requested, skipped, left = _request_all(service, todo, cycle, chosen)
    if as_json:
        emit_json(
            {
                "cycle": cycle.key,
                "from": start,
                "to": end,
                "due": [_item_json(item) for item in items],
                "requested": requested,
                "skipped": skipped,
                "left_to_people": left,
            }
        )
        return
    print_table(
        f"Due under {cycle.key} from {start} to {end}: {len(items)}",
        ["due", "person", "kind", "manager", "team", "note"],
        [
            (
                i.due,
                i.person or "(team)",
                i.kind,
                i.manager or "-",
                i.team or "-",
                "gentle prompt"
                if i.prompt_only
                else (f"{i.trigger.event.value} {i.trigger.on}" if i.trigger else ""),
            )
            for i in items
        ],
        limit=TABLE_LIMIT,
    )
    if request:
        _show_requested(requested, skipped, left, due=len(items), unanswered=len(todo))


def _show_requested(
    requested: list[dict[str, Any]],
    skipped: list[dict[str, Any]],
    left: list[dict[str, Any]],
    *,
    due: int,
    unanswered: int,
) -> None:
    """Name each requested conversation's id (the next commands, schedule and record, need
    it), say why nothing new was requested, and how many were left for the people to start."""
    if requested:
        print_table(
            f"Requested {len(requested)} conversation{'s' if len(requested) != 1 else ''}",
            ["conversation", "person", "kind", "team"],
            [
                (r["conversation"], r["person"] or "(team)", r["kind"], r["team"] or "-")
                for r in requested
            ],
            limit=TABLE_LIMIT,
        )
        first = requested[0]["conversation"]
        say(f"Next: magcore schedule {first} --on YYYY-MM-DDTHH:MM --as PERSON")
    elif due == 0:
        say("Requested no conversations: none is due in this period.")
    elif unanswered == 0:
        say("Requested no new conversations: each due one was requested before.")
    else:
        say("Requested no new conversations.")
    reasons: dict[str, int] = defaultdict(int)
    for item in left:
        reasons[item["why"]] += 1
    for why, count in reasons.items():
        plural = "s" if count != 1 else ""
        say(f"Left {count} due conversation{plural} for the people to start: {why}.")
    for s in skipped:
        say(f"Not requested for {s['person'] or s['team']} ({s['kind']}): {s['why']}")


def _item_json(item: Any) -> dict[str, Any]:
    return {
        "person": item.person,
        "kind": item.kind,
        "due": item.due,
        "window_start": item.window_start,
        "manager": item.manager,
        "team": item.team,
        "prompt_only": item.prompt_only,
        "started_by": (
            None
            if item.trigger is None
            else {"event": item.trigger.event.value, "on": item.trigger.on}
        ),
    }


def _choices(
    values: tuple[tuple[str, str], ...], cycle: Any, org: Any
) -> dict[str, tuple[str, ...]]:
    """``--choose ROLE=PERSON`` options as the people named for each role, in the order given;
    a role no kind of *cycle* lets the requester pick, and an unknown person, are refused."""
    from ..model.parties import PICKED

    pickable = sorted(
        {str(p.role) for k in cycle.kinds for p in k.parties if p.membership in PICKED}
    )
    chosen: dict[str, tuple[str, ...]] = {}
    for role, person in values:
        if role not in pickable:
            which = ", ".join(pickable) if pickable else "none"
            raise click.BadParameter(
                f"no kind of {cycle.key} has a party {role!r} to choose someone for "
                f"(parties to choose for: {which})",
                param_hint="--choose",
            )
        known_person(org, person, "--choose")
        if person not in chosen.get(role, ()):
            chosen[role] = (*chosen.get(role, ()), person)
    return chosen


def _listed(people: tuple[str, ...], most: int = 5) -> str:
    shown = ", ".join(people[:most])
    return shown if len(people) <= most else f"{shown} and {len(people) - most} more"


def _pick(
    party: Any, pool: tuple[str, ...], named: tuple[str, ...] | None, turn: int, item: Any
) -> str | None:
    """Who takes *party* (a picked one): one of the people named with ``--choose`` (in turn,
    those who may), the one person who may, or nobody when nobody may (the request is then
    refused naming the party). Several who may and none named: a usage error, before anything
    is requested."""
    if named:
        fitting = [p for p in named if p in pool]
        # None of those named may: the first is checked, and refused naming the rule.
        return fitting[turn % len(fitting)] if fitting else named[0]
    if len(pool) <= 1:
        return pool[0] if pool else None
    role = str(party.role)
    about = item.person if item.person is not None else f"team {item.team}"
    raise click.UsageError(
        f"{len(pool)} people may be the {role} of {about}'s {item.kind} conversation "
        f"({_listed(pool)}): name who with --choose {role}=PERSON (repeat it to take several "
        "in turn); nothing was requested"
    )


def _request_all(
    service: Any,
    items: list[Any],
    cycle: Any,
    named: dict[str, tuple[str, ...]] | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Request every due conversation in *items* (the ones not requested yet) that the manager
    may start; returns what was requested, what was skipped (why) and what was left for the
    people to start (why).

    Bulk requesting acts as the manager, as the organisation's side of the cycle, and never in
    another person's name: a kind whose initiators do not include the manager (or a
    conversation without a manager) is left for the people it is about to start, with the
    reason the domain's rule gives (:func:`~magcore.domain.conversation.start_refusal`). The
    participants follow the kind's parties: the employee, their manager, a team mate for a
    same-team party (each next in the team's order, so the pairs spread, unless *named* names
    the peers), for each other required party one picks (a coach, an HR adviser) the person
    *named* for its role (several: in turn) or the one person who may, or every member of the
    team; optional parties are left to the people. Gentle prompts of free cadences are left to
    the people too.
    """
    from ..domain.conversation import start_refusal
    from ..domain.participants import candidates
    from ..domain.participants import participants as who_takes_part
    from ..model.cycle import Membership, ParticipantRole
    from ..model.parties import PICKED

    org_id = get_app().config.organisation
    skipped: list[dict[str, Any]] = []
    left: list[dict[str, Any]] = []
    todo = [i for i in items if not i.prompt_only and (i.person is not None or i.team)]
    org = service.organisation(org_id)
    specs: list[dict[str, Any]] = []
    about_each: list[dict[str, Any]] = []
    named = named or {}
    turns: dict[str, int] = defaultdict(int)
    for item in todo:
        kind = cycle.kind(item.kind)
        about = {"person": item.person, "team": item.team, "kind": item.kind}
        refusal = start_refusal(kind, ParticipantRole.MANAGER)
        if refusal is not None:
            left.append({**about, "why": refusal})
            continue
        try:
            chosen: dict[str, tuple[str, ...]] = {}
            for party in kind.parties:
                if not party.required or item.person is None:
                    continue  # optional parties are the people's own choice
                if party.membership is Membership.SAME_TEAM and party.role not in named:
                    # The next member in the team's order, so the pairs spread.
                    team = org.team_of(item.person, item.due)
                    members = list(org.members(team, item.due)) if team else []
                    if item.person in members and len(members) > 1:
                        at = (members.index(item.person) + 1) % len(members)
                        chosen[party.role] = (members[at],)
                elif party.membership in PICKED:
                    pool = candidates(org, party, on=item.due, employee=item.person)
                    pick = _pick(party, pool, named.get(party.role), turns[party.role], item)
                    if pick is not None:
                        chosen[party.role] = (pick,)
                        turns[party.role] += 1
            participants = who_takes_part(
                org, kind, item.person, on=item.due, team=item.team, chosen=chosen
            )
        except MagcoreError as exc:
            skipped.append({**about, "why": str(exc)})
            continue
        manager = next((p.person for p in participants if p.role == ParticipantRole.MANAGER), None)
        if manager is None:
            left.append({**about, "why": f"no manager takes part in this {kind.id} conversation"})
            continue
        specs.append(
            {
                "cycle": cycle,
                "kind": item.kind,
                "participants": participants,
                "actor": manager,
                "team": item.team,
            }
        )
        about_each.append(about)
    # One transaction per batch: a refused request stores nothing of its batch, and a rerun
    # requests only what is still missing.
    with Steps("Requesting conversations", len(specs)) as steps:
        started = service.request_many(
            specs, progress=lambda done: steps.advance(done - steps.done)
        )
    requested = [
        {"conversation": conv_id, **about}
        for conv_id, about in zip(started, about_each, strict=True)
    ]
    return requested, skipped, left


@click.command()
@click.option("--on", "day", type=DATE, help="The day to look from (default: today).")
@click.option(
    "--within",
    type=click.IntRange(0, 3660),
    default=30,
    show_default=True,
    help="Also list what falls due in this many days.",
)
@click.option(
    "--by",
    type=click.Choice(["manager", "team"]),
    default="manager",
    show_default=True,
    help="Group by manager or by team.",
)
@click.option("--manager", default=None, type=ID, help="Only this manager's people.")
@click.option("--team", default=None, type=ID, help="Only this team.")
@click.option(
    "--as",
    "viewer",
    default=None,
    type=ID,
    metavar="PERSON",
    help="A manager's own list: the people PERSON manages (default: the organisation's).",
)
@json_option
def due(
    day: date | None,
    within: int,
    by: str,
    manager: str | None,
    team: str | None,
    viewer: str | None,
    as_json: bool,
) -> None:
    """Who is due a conversation that nobody requested or held yet, per manager or per team.

    A conversation of the same kind requested, planned or held in the due one's window takes
    it off the list. Counts conversations due since 1 January of the year of --on (overdue)
    and in the next --within days. Gentle prompts of free cadences are shown but never counted
    as overdue.

    The list comes through the access gateway and leaves an audit line: the organisation's,
    for planning, asked by whoever runs the command as the installation's HR (cli:<login>) or
    by --as PERSON who is HR adviser in the [roles] table; with --as a manager, their own (the
    conversations they hold with the people they manage).
    """
    from ..access.decision import PARTICIPATION
    from ..access.due import PLANNING, PLANNING_ROLES
    from ..model.days import local_day

    app = get_app()
    day = day or _today()
    start = date(day.year, 1, 1)
    end = day + timedelta(days=within + 1)
    service = app.service()
    cycle = service.cycle(app.cycle_key())
    org = service.organisation(app.config.organisation)
    known_person(org, manager, "--manager")
    known_team(org, team, "--team")
    # the organisation's, for planning: as the installation's HR (whoever runs the command),
    # or as someone the [roles] table makes HR adviser (from outside the organisation too);
    # else a manager's own. Decided on today, as the gateway decides it.
    today = local_day(service.clock.now(), service.timezone)
    planner = viewer is None or bool(service.directory.roles_of(viewer, today) & PLANNING_ROLES)
    if not planner:
        known_person(org, viewer, "--as")
    if viewer is not None and not planner and not service.directory.reports_of(viewer, today):
        raise click.BadParameter(
            f"{viewer} manages nobody on {today} and holds no planning role "
            f"({', '.join(sorted(PLANNING_ROLES))} in the [roles] table of magcore.toml)",
            param_hint="--as",
        )
    listed = service.due_list(
        operator() if viewer is None else viewer,
        cycles=[cycle],
        start=start,
        end=end,
        purpose=PLANNING if planner else PARTICIPATION,
        org_id=app.config.organisation,
        roles=PLANNING_ROLES if viewer is None else (),
    )
    items = listed.of(cycle.key)
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        if item.person is None:
            continue
        if manager is not None and item.manager != manager:
            continue
        if team is not None and item.team != team:
            continue
        key = (item.manager if by == "manager" else item.team) or f"(no {by})"
        groups[key].append(
            {
                **_item_json(item),
                "overdue": item.due < day and not item.prompt_only,
            }
        )
    if as_json:
        emit_json({"on": day, "by": by, "groups": dict(sorted(groups.items()))})
        return
    if not groups:
        say(f"Nobody is due a conversation on {day} (or in the {within} days after).")
        return
    print_table(
        f"Due on {day} (and in the {within} days after), by {by}",
        [by, "due", "overdue", "people"],
        [
            (
                key,
                len(rows),
                sum(1 for r in rows if r["overdue"]),
                ", ".join(sorted({str(r["person"]) for r in rows})),
            )
            for key, rows in sorted(groups.items())
        ],
    )
