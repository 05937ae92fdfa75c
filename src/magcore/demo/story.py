"""The demo's story: a year of conversations, sharing choices and prompts."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from ..domain.conversation import (
    AddDissent,
    ConfirmRecord,
    Conversation,
    DraftRecord,
    MarkHeld,
    MarkNotHeld,
    NotHeldReason,
    PublishPreparation,
    RegisterPaper,
    SavePreparation,
    Schedule,
    UpdateAgreement,
)
from ..domain.sharing import GrantSharing
from ..errors import TransitionError
from ..model.cycle import (
    CadenceKind,
    ConversationKind,
    CycleDefinition,
    Membership,
    Recording,
)
from ..model.organisation import Organisation
from ..model.records import (
    Agreement,
    AgreementOwner,
    AgreementStatus,
    split_agreement_reference,
)
from .answers import _fill_in
from .base import (
    _AGREEMENTS,
    _DISSENT,
    _HR_ADVISER,
    _OWNER_OF_ROLE,
    _PROMPT_TAKE_UP,
    _SUMMARIES,
    _local,
    _Moment,
    _Run,
)
from .organisation import _applies, _participants

__all__ = []


def _plan_year(run: _Run) -> dict[str, Any]:
    """Queue every step of the year; returns the people the story follows."""
    service, rng, year = run.service, run.rng, run.year
    org = service.organisation(run.org_id)
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    obliged = [
        item for item in service.plan(run.org_id, run.cycle, start, end) if not item.prompt_only
    ]
    moments: list[_Moment] = []
    for item in obliged:
        kind = run.cycle.kind(item.kind)
        span = max((item.due - item.window_start).days - 60, 1)
        first = max(item.window_start + timedelta(days=rng.randrange(span)), start)
        moments.append(
            _Moment(
                kind=kind,
                start=min(first, run.last_day - timedelta(days=30)),
                outcome=_draw_outcome(rng),
                person=item.person,
                team=item.team if kind.is_team else None,
            )
        )
    story = _story(run, org, moments)
    for moment in moments:
        _queue_conversation(run, moment)
    _queue_prompts(run)
    _queue_on_request(run, org, {item.kind for item in obliged})
    return story


def _story_kinds(cycle: CycleDefinition) -> list[ConversationKind]:
    """Kinds about one person, ordinary ones before special-category ones."""
    return sorted(
        (k for k in cycle.kinds if not k.is_team),
        key=lambda k: (k.special_category, k.cadence.kind is CadenceKind.FREE),
    )


def _story(run: _Run, org: Organisation, moments: list[_Moment]) -> dict[str, Any]:
    """Pick who the story follows, and make sure their conversations happen.

    A team gets a new manager on 1 July and one of its members hands their agreements over to
    them; someone shares their agreements with an HR adviser; someone adds a note of
    disagreement. A person's obliged conversation is used where they have one; otherwise they
    ask for a conversation of a kind meant for them. Parts the cycle has no room for stay
    ``None``.
    """
    year = run.year
    mid = date(year, 7, 1)
    kinds = _story_kinds(run.cycle)
    story: dict[str, Any] = {
        "team": None,
        "old_manager": None,
        "new_manager": None,
        "handover_person": None,
        "sharer": None,
        "dissenter": None,
        "manager_change_on": mid,
    }
    taken: set[str] = set()

    def force(person: str, kind_filter: Callable[[ConversationKind], bool], day: date) -> bool:
        """Make *person*'s first fitting conversation happen and be agreed (before *day*)."""
        first = day - timedelta(days=120)
        for moment in moments:
            if moment.person == person and kind_filter(moment.kind):
                moment.outcome = "agreed"
                moment.start = min(moment.start, first)
                return True
        for kind in kinds:
            if kind_filter(kind) and _applies(kind, org, person, first):
                moments.append(_Moment(kind=kind, start=first, outcome="agreed", person=person))
                return True
        return False

    candidates = sorted(
        t.id
        for t in org.teams.values()
        if not t.self_steering
        and org.manager_of_team(t.id, mid) is not None
        and len(org.members(t.id, mid)) >= 4
    )
    if candidates:
        team = candidates[0]
        members = org.members(team, mid)
        new_manager = members[-1]
        story.update(team=team, old_manager=org.manager_of_team(team, mid), new_manager=new_manager)
        taken |= {new_manager, str(story["old_manager"])}
        for person in members[:-1]:
            if force(person, lambda k: True, date(year, 6, 1)):
                story["handover_person"] = person
                taken.add(person)
                break
        for moment in moments:
            if moment.person == new_manager:
                moment.outcome = "not_requested"  # promoted mid-year: theirs comes later

        def change_manager() -> None:
            run.service.change_manager(run.org_id, team, new_manager, mid, actor="hr")

        run.at(_local(mid, 8), change_manager)
        if story["handover_person"] is not None:
            handover = str(story["handover_person"])
            run.at(
                _local(mid + timedelta(days=1), 9),
                lambda: _share(run, handover, to="next_manager", purpose="handover"),
            )
    people = sorted(
        {m.person for m in moments if m.person is not None and m.person not in taken}
        | {
            p
            for p in sorted(org.people)
            if p not in taken and any(_applies(k, org, p, date(year, 3, 1)) for k in kinds)
        }
    )
    rng = random.Random(f"{run.rng.random()}")
    rng.shuffle(people)
    ordinary = [k for k in kinds if not k.special_category] or kinds
    for person in people:
        if story["sharer"] is None and force(person, lambda k: k in ordinary, date(year, 9, 1)):
            story["sharer"] = person
            run.at(_local(date(year, 9, 15), 9), _sharing_step(run, person, year))
            continue
        if story["dissenter"] is None and force(person, lambda k: True, date(year, 11, 1)):
            story["dissenter"] = person
            for moment in moments:
                if moment.person == person and moment.outcome == "agreed":
                    moment.dissent = True
                    break
        if story["sharer"] is not None and story["dissenter"] is not None:
            break
    if story["dissenter"] is None:  # a cycle of team conversations only: a member disagrees
        team_moments = [m for m in moments if m.team is not None]
        if team_moments:
            chosen = team_moments[len(team_moments) // 2]
            chosen.outcome, chosen.dissent = "agreed", True
            story["dissenting_team"] = chosen.team
    return story


def _sharing_step(run: _Run, person: str, year: int) -> Callable[[], None]:
    """*person* shares their agreements with an HR adviser for career advice, until year end."""
    return lambda: _share(
        run, person, to=_HR_ADVISER, purpose="career_advice", until=date(year, 12, 31)
    )


def _share(run: _Run, person: str, *, to: str, purpose: str, until: date | None = None) -> None:
    """*person* makes a sharing choice about their agreements, through the service."""
    run.service.share(
        GrantSharing(
            actor=person, person=person, to=to, what="agreements", purpose=purpose, until=until
        )
    )


def _draw_outcome(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.06:
        return "not_requested"
    if roll < 0.14:
        return "not_held"
    if roll < 0.20:
        return "paper"
    if roll < 0.25:
        return "waiting_for_confirmation"
    return "agreed"


def _queue_prompts(run: _Run) -> None:
    """Free cadences with a quiet period: each month's gentle prompts are moments to talk."""
    prompting = {
        k.id
        for k in run.cycle.kinds
        if k.cadence.kind is CadenceKind.FREE and k.cadence.quiet_days is not None
    }
    if not prompting:
        return

    def month(first: date) -> Callable[[], None]:
        def look() -> None:
            following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
            items = run.service.plan(run.org_id, run.cycle, first, following)
            for item in items:
                if not item.prompt_only or item.kind not in prompting or item.person is None:
                    continue
                if run.busy.get((item.person, item.kind), date.min) >= first:
                    continue
                if run.rng.random() >= _PROMPT_TAKE_UP:
                    run.count("prompt_not_taken_up")
                    continue
                outcome = _draw_outcome(run.rng)
                if outcome == "not_requested":
                    outcome = "agreed"
                day = max(item.due, first) + timedelta(days=run.rng.randrange(20))
                if day > run.last_day - timedelta(days=30):
                    continue
                moment = _Moment(
                    kind=run.cycle.kind(item.kind), start=day, outcome=outcome, person=item.person
                )
                _queue_conversation(run, moment)

        return look

    for number in range(1, 12):
        first = date(run.year, number, 1)
        run.at(_local(first, 7), month(first))


def _queue_on_request(run: _Run, org: Organisation, planned: set[str]) -> None:
    """Kinds without any cadence are held on request: a few people ask for one."""
    rng = run.rng
    for kind in run.cycle.kinds:
        if kind.id in planned or kind.cadence.quiet_days is not None:
            continue
        if kind.cadence.kind is not CadenceKind.FREE:
            continue
        how_many = max(3, len(org.people) // 50)
        if kind.is_team:
            teams = sorted(t for t in org.teams if len(org.members(t, date(run.year, 3, 1))) >= 2)
            for team in rng.sample(teams, min(how_many, len(teams))):
                day = date(run.year, 2, 1) + timedelta(days=rng.randrange(240))
                _queue_conversation(
                    run, _Moment(kind=kind, start=day, outcome=_on_request(rng), team=team)
                )
            continue
        people = sorted(p for p in org.people if _applies(kind, org, p, date(run.year, 3, 1)))
        for person in rng.sample(people, min(how_many, len(people))):
            day = date(run.year, 2, 1) + timedelta(days=rng.randrange(240))
            _queue_conversation(
                run, _Moment(kind=kind, start=day, outcome=_on_request(rng), person=person)
            )


def _on_request(rng: random.Random) -> str:
    """Asked-for conversations nearly always happen."""
    return "not_held" if rng.random() < 0.1 else "agreed"


def _queue_conversation(run: _Run, moment: _Moment) -> None:
    """Queue the request of *moment*; the request queues the steps that follow it."""
    rng, kind = run.rng, moment.kind
    held_day = min(moment.start + timedelta(days=rng.randrange(14, 29)), run.last_day)
    if moment.person is not None:
        run.busy[(moment.person, kind.id)] = held_day
    if moment.outcome == "not_requested":
        run.count("not_requested")
        return
    if moment.outcome == "paper" and Recording.PAPER not in run.cycle.recording:
        moment.outcome = "agreed"
    run.count(moment.outcome)
    run.at(_local(moment.start, 9), lambda: _request(run, moment, held_day))


def _request(run: _Run, moment: _Moment, held_day: date) -> None:
    service, rng, kind = run.service, run.rng, moment.kind
    today = run.clock.now().date()
    try:
        participants = _participants(run, kind, moment, today)
    except TransitionError:  # e.g. a manager who handed their team over on 1 July
        run.count(moment.outcome, -1)
        run.count("nobody_to_talk_with_any_more")
        return
    starters = [p.person for p in participants if p.role in kind.initiators]
    organiser = rng.choice(starters)
    conv = service.request(
        cycle=run.cycle,
        kind=kind.id,
        participants=participants,
        actor=organiser,
        team=moment.team,
        themes=kind.themes[:1] if kind.themes else (),
    )
    steps = _steps(run, moment, service._load(conv.id), organiser, held_day)
    for when, step in steps:
        run.at(when, step)


def _steps(
    run: _Run, moment: _Moment, conv: Conversation, organiser: str, held_day: date
) -> list[tuple[datetime, Callable[[], None]]]:
    """The steps after the request: schedule, prepare, hold or not, record, confirm, dissent."""
    service, rng, kind = run.service, run.rng, moment.kind
    conv_id, outcome = conv.id, moment.outcome

    def schedule() -> None:
        service.execute(
            conv_id, Schedule(actor=organiser, on=_local(held_day, 10), place="Stadhuis")
        )

    def prepare(author: str) -> Callable[[], None]:
        def step() -> None:
            _fill_in(
                run,
                conv_id,
                kind.preparation_form,
                held_day,
                lambda answers: SavePreparation(actor=author, answers=answers),
            )
            service.execute(
                conv_id, PublishPreparation(actor=author, to=_shown_to(kind, conv, author))
            )

        return step

    def not_held() -> None:
        reason = rng.choice(list(NotHeldReason))
        service.execute(conv_id, MarkNotHeld(actor=organiser, reason=reason))

    recorder = organiser if organiser in conv.recorders else rng.choice(conv.recorders)

    def hold_and_record() -> None:
        if outcome == "paper":
            service.execute(conv_id, RegisterPaper(actor=recorder, held_on=held_day))
            return
        service.execute(conv_id, MarkHeld(actor=organiser, on=held_day))
        if conv.subject is None:
            _close_team_agreements(run, conv)
        agreements = _agreements(run, conv, held_day)
        themes = sorted(rng.sample(list(kind.themes), min(2, len(kind.themes))))
        summary = rng.choice(_SUMMARIES)
        _fill_in(
            run,
            conv_id,
            kind.record_form,
            held_day,
            lambda answers: _record(recorder, summary, agreements, themes, answers),
            agreements=agreements,
        )
        if outcome == "agreed":
            if conv.subject is not None:
                run.conversations.setdefault(conv.subject, conv_id)
            else:
                run.team_conversations.append(conv_id)

    def confirm(actor: str) -> Callable[[], None]:
        def step() -> None:
            current = service._load(conv_id)
            assert current.record is not None
            service.execute(conv_id, ConfirmRecord(actor=actor, revision=current.record.revision))

        return step

    def dissent(actor: str) -> Callable[[], None]:
        def step() -> None:
            service.execute(conv_id, AddDissent(actor=actor, text=_DISSENT))

        return step

    later: list[tuple[datetime, Callable[[], None]]] = [
        (_local(conv.requested_at.date() + timedelta(days=1), 9), schedule)
    ]
    if outcome == "not_held":
        later.append((_local(held_day - timedelta(days=1), 16), not_held))
        return later
    for author in conv.preparers:
        before = rng.randrange(1, 8)
        later.append((_local(held_day - timedelta(days=before), 14), prepare(author)))
    later.append((_local(held_day, 12), hold_and_record))
    confirmers = list(conv.people)
    rng.shuffle(confirmers)
    if outcome == "waiting_for_confirmation":
        confirmers = confirmers[:-1]
    if outcome != "paper":
        for number, actor in enumerate(confirmers):
            later.append((_local(held_day + timedelta(days=2 + number % 5), 11), confirm(actor)))
    if moment.dissent:
        dissenter = conv.subject or conv.people[0]
        later.append((_local(held_day + timedelta(days=8), 17), dissent(dissenter)))
    return later


def _agreements(run: _Run, conv: Conversation, held_day: date) -> tuple[Agreement, ...]:
    """One to three agreements, taken on by the roles that take part (or by all together)."""
    rng = run.rng
    owners = sorted(
        {AgreementOwner.BOTH}
        | {_OWNER_OF_ROLE[p.role] for p in conv.participants if p.role in _OWNER_OF_ROLE},
        key=lambda o: o.value,
    )
    themes: list[str | None] = [*run.cycle.kind(conv.kind).themes] or [None]
    due = held_day + timedelta(days=90)
    chosen: list[tuple[AgreementOwner, str]] = []
    for _ in range(rng.randrange(1, 4)):
        owner = rng.choice(owners)
        text = rng.choice(_AGREEMENTS[owner])
        if (owner, text) not in chosen:
            chosen.append((owner, text))
    return tuple(
        Agreement(id=f"a{i}", text=text, owner=owner, due=due, theme=rng.choice(themes))
        for i, (owner, text) in enumerate(chosen, 1)
    )


def _close_team_agreements(run: _Run, conv: Conversation) -> None:
    """In a team conversation, the team marks most open team agreements carried into it done
    (anyone taking part may, also a member who joined after it was agreed). Its own random
    numbers, so the rest of the demo stays as it was."""
    chance = random.Random(conv.id)
    for carried in conv.carried_forward:
        source, agreement_id = split_agreement_reference(carried.carried_from or "")
        if carried.owner is not AgreementOwner.TEAM or chance.random() < 0.3:
            continue
        origin = {a.id: a for a in run.service._load(source).agreements}.get(agreement_id)
        if origin is None or origin.status is not AgreementStatus.OPEN:
            continue
        actor = chance.choice([p.person for p in conv.participants])
        run.service.execute(
            conv.id, UpdateAgreement(actor=actor, agreement_id=carried.id, status="done")
        )


def _shown_to(kind: ConversationKind, conv: Conversation, author: str) -> tuple[str, ...]:
    """The roles the demo's employee shows a preparation about health to: where a kind is
    special-category and a third party (a coach, a company doctor) sits next to the manager,
    the employee shows it to that party only (their choice; everywhere else: to everyone)."""
    if not kind.special_category or conv.subject != author:
        return ()
    roles = {str(p.role): kind.party(p.role).membership for p in conv.participants}
    if Membership.MANAGER_OF_EMPLOYEE not in roles.values():
        return ()
    third = sorted(
        role
        for role, membership in roles.items()
        if membership not in (Membership.SUBJECT, Membership.MANAGER_OF_EMPLOYEE)
    )
    return tuple(third[:1])


def _record(
    recorder: str,
    summary: str,
    agreements: Sequence[Agreement],
    themes: Sequence[str],
    answers: Mapping[str, Any],
) -> DraftRecord:
    """The record, its form answering the record's own fields as the record does: the form's
    ``summary`` is the record's summary, and the themes the form's ``themes`` names are the
    record's (a record whose form says otherwise is refused)."""
    answers = dict(answers)
    if isinstance(answers.get("summary"), str):
        answers["summary"] = summary
    chosen = answers.get("themes")
    return DraftRecord(
        actor=recorder,
        summary=summary,
        agreements=tuple(agreements),
        themes=tuple(chosen) if isinstance(chosen, list) else tuple(themes),
        answers=answers,
    )
