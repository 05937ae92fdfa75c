"""The demo: a year of a municipality's conversation cycle on a generated organisation.

:func:`run_demo` (and ``magcore demo``) builds an organisation of a few hundred people — teams
with a manager and self-steering teams without one, and a few coaches — and runs one year of an
installed plugin's cycle (Amsterdam's MAG by default) through the real API on an embedded SQLite
store with a fixed clock. Everything it does follows from the cycle definition and the plugin's
forms, never from the plugin's name:

* conversations that a cadence obliges come from the plan; a free cadence's gentle prompts are
  moments to talk that a share of people take up; kinds that are only held on request (no
  cadence) are requested a few times so the demo shows them;
* the participants follow the kind's pattern (employee and manager, two peers, a three-party
  conversation with a coach, or all members of a team), the conversation is started by one of
  the kind's initiators, prepared by its preparers, the record is written by one of its
  recorders, and everyone confirms;
* preparations and records are answers to the kind's forms, varied from the form's own schema
  and checked by the service (the form and every plugin's check hook) — when a check hook
  refuses varied answers, the form's example answers are used;
* most conversations are held and their record confirmed by all, some are recorded on paper
  (when the cycle allows paper), some do not happen, one record gets a note of disagreement,
  one employee shares their agreements with an HR adviser, and a team gets a new manager, to
  whom one employee hands over their agreements (the parts a cycle has no room for are left out,
  and the summary says so).

It then writes, into the output folder: the participation report (groups under five people
suppressed), one person's subject-access export, one filled-in record form as HTML and as PDF,
the regulation for the works council, and a summary. The same seed gives the same folder.
"""

from __future__ import annotations

import csv
import heapq
import html
import io
import json
import random
import shutil
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from .clock import FixedClock
from .conversation import (
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
)
from .errors import DefinitionError, MagcoreError, RecordInvalidError, TransitionError
from .model.cycle import (
    Applicability,
    CadenceKind,
    ConversationKind,
    CycleDefinition,
    ParticipantRole,
    Pattern,
    Recording,
)
from .model.organisation import Organisation
from .model.records import Agreement, AgreementOwner, Participant
from .plugins import PluginHost, get_plugin_manager
from .service import Service
from .sharing import GrantSharing
from .storage.base import StoreSettings

__all__ = ["DEMO_MARKER", "SUMMARY_FILE", "DemoError", "DemoResult", "run_demo"]

#: The file that marks a folder as demo output (a later demo may replace such a folder).
DEMO_MARKER = ".magcore-demo"
SUMMARY_FILE = "demo-summary.json"
_AMSTERDAM = ZoneInfo("Europe/Amsterdam")
_HR_ADVISER = "hr-adviser"
_PROMPT_TAKE_UP = 0.4
"""The share of people who take up a gentle prompt in the month it comes."""
_VARIED_TRIES = 3
"""How many varied answers to try before falling back to the form's example answers."""

#: Plain Dutch sentences for free-text answers (any form: the demo does not know the fields).
_SENTENCES = (
    "Het contact met inwoners aan de balie gaat goed.",
    "Ik heb het nieuwe systeem snel onder de knie gekregen.",
    "De samenwerking in het team is prettig en open.",
    "Mijn projecten lopen volgens planning.",
    "Ik krijg ruimte om zelf dingen op te pakken.",
    "De werkdruk rond de jaarafsluiting is hoog.",
    "Ik wil beter weten wat andere teams doen.",
    "Overleggen duren soms lang.",
    "Ik mis af en toe een reactie op mijn werk.",
    "Ik wil graag meer leren over begrijpelijk schrijven.",
    "We helpen elkaar als het druk is.",
    "Ik wil over een paar jaar meer projecten leiden.",
)
_SUMMARIES = (
    "We spraken over het werk van het afgelopen jaar en wat goed ging.",
    "We hadden het over loopbaanwensen en over leren en ontwikkelen.",
    "We bespraken de werkdruk en hoe we die samen kunnen verlagen.",
    "We spraken over de samenwerking in het team en met andere afdelingen.",
)
#: Agreement texts by who takes them on (the owners a conversation allows follow its roles).
_AGREEMENTS: Mapping[AgreementOwner, tuple[str, ...]] = {
    AgreementOwner.EMPLOYEE: (
        "Volgt een cursus schrijven in begrijpelijke taal.",
        "Loopt een dag mee met een ander team.",
    ),
    AgreementOwner.MANAGER: (
        "Zorgt voor een vast overleg elke maand.",
        "Regelt een opleidingsbudget voor volgend jaar.",
    ),
    AgreementOwner.PEER: ("Geeft over een maand een tip uit de eigen ervaring.",),
    AgreementOwner.COACH: ("Plant over zes weken een tweede gesprek.",),
    AgreementOwner.TEAM: (
        "Bespreekt elke maand één lastige situatie in het teamoverleg.",
        "Verdeelt het werk rond de vakantie samen opnieuw.",
    ),
    AgreementOwner.BOTH: (
        "Praten over drie maanden verder over de werkdruk.",
        "Maken samen een plan voor minder overwerk.",
    ),
}
_OWNER_OF_ROLE: Mapping[ParticipantRole, AgreementOwner] = {
    ParticipantRole.EMPLOYEE: AgreementOwner.EMPLOYEE,
    ParticipantRole.MANAGER: AgreementOwner.MANAGER,
    ParticipantRole.PEER: AgreementOwner.PEER,
    ParticipantRole.COACH: AgreementOwner.COACH,
    ParticipantRole.TEAM_MEMBER: AgreementOwner.TEAM,
}
_PLACEHOLDER = "Voorbeeldtekst"
"""What :func:`magcore.forms.example_answers` writes in free text when a form has no example."""
_DISSENT = "Ik zie één punt anders: de werkdruk is vooral hoog door de personeelskrapte."


class DemoError(MagcoreError):
    """The demo cannot run: no such plugin, no usable cycle, or an output folder in use."""


@attrs.frozen(kw_only=True)
class DemoResult:
    """What the demo wrote: the folder, each file by name, and a summary of the year."""

    out: Path
    store_url: str
    files: Mapping[str, Path]
    summary: Mapping[str, Any]


@attrs.define
class _Moment:
    """One conversation the year will hold (or try to): about a person, or of a team."""

    kind: ConversationKind
    start: date
    outcome: str
    person: str | None = None
    team: str | None = None
    dissent: bool = False


@attrs.define
class _Run:
    """The state of one demo run: service, clock, randomness and the action queue."""

    service: Service
    clock: FixedClock
    rng: random.Random
    cycle: CycleDefinition
    org_id: str
    plugin: str
    year: int
    queue: list[tuple[datetime, int, Callable[[], None]]] = attrs.Factory(list)
    counter: int = 0
    done: int = 0
    outcomes: dict[str, int] = attrs.Factory(dict)
    conversations: dict[str, str] = attrs.Factory(dict)
    """Subject → the id of their first conversation that was agreed (digitally)."""
    team_conversations: list[str] = attrs.Factory(list)
    """Team conversations that were agreed (digitally), in order."""
    busy: dict[tuple[str, str], date] = attrs.Factory(dict)
    """(person, kind) → the day their current conversation of that kind ends."""
    answers_used: dict[str, int] = attrs.Factory(dict)
    """How often varied answers ('varied') and the form's example answers ('example') were used."""

    def at(self, moment: datetime, action: Callable[[], None]) -> None:
        self.counter += 1
        heapq.heappush(self.queue, (moment.astimezone(UTC), self.counter, action))

    def count(self, outcome: str, change: int = 1) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + change

    @property
    def last_day(self) -> date:
        """The last day a conversation may be held in the demo year."""
        return date(self.year, 12, 15)


def _local(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=_AMSTERDAM)


def _pick_cycle(host: PluginHost, plugin: str) -> tuple[str, CycleDefinition]:
    """The plugin's full name and its newest cycle; a short name works ('tilburg')."""
    contributed = {name: d for name, d in host.hooks.cycles().by_plugin().items() if d}
    if plugin not in contributed and f"magcore-{plugin}" in contributed:
        plugin = f"magcore-{plugin}"  # 'tilburg' for 'magcore-tilburg'
    if plugin not in contributed:
        import difflib

        installed = ", ".join(sorted(contributed)) or "none"
        close = difflib.get_close_matches(plugin, list(contributed), n=1, cutoff=0.75)
        hint = (
            f"did you mean {close[0]!r}?"
            if close
            else "is it installed? 'magcore plugins' lists what is"
        )
        raise DemoError(
            f"plugin {plugin!r} contributes no cycle: {hint} (plugins with cycles: {installed})"
        )
    return plugin, max(contributed[plugin], key=lambda d: d.version)


def _prepare_out(out: Path) -> None:
    if out.exists():
        if not out.is_dir():
            raise DemoError(f"{out} is a file, not a folder")
        if any(out.iterdir()):
            if not (out / DEMO_MARKER).exists():
                raise DemoError(
                    f"{out} is not empty and holds no earlier demo: choose another --out folder"
                )
            shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / DEMO_MARKER).write_text("made by magcore demo; a next demo may replace it\n")


def run_demo(
    out: str | Path,
    *,
    plugin: str = "magcore-amsterdam",
    seed: int = 2025,
    people: int = 300,
    year: int = 2025,
    host: PluginHost | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DemoResult:
    """Run a year of *plugin*'s cycle on a generated organisation and write the results to *out*.

    *out* must be empty, missing, or an earlier demo's folder (which is replaced). *progress*
    is called with (done, total) as the year's steps are run; the total grows as conversations
    that were requested queue their next steps.
    """
    from .extras import require
    from .testing import generate_organisation

    # Before anything is written: the record form is rendered as HTML and PDF.
    require("pdf", feature="the demo", load=True)
    host = host or get_plugin_manager()
    plugin, cycle = _pick_cycle(host, plugin)
    out = Path(out).resolve()
    _prepare_out(out)
    url = f"sqlite:///{out / 'magcore.db'}"
    store = host.hooks.open_store(url, StoreSettings(create=True))
    clock = FixedClock(datetime(year, 1, 2, 8, 0, tzinfo=UTC))
    ids = iter(range(1, 1_000_000))
    service = Service(
        store, host=host, clock=clock, new_id=lambda: f"c{next(ids):05d}", origin="demo"
    )
    try:
        teams = max(2, people // 15)
        org = generate_organisation(
            people=people,
            teams=teams,
            seed=seed,
            start=_hires_until(cycle, year),
            self_steering_share=_self_steering_share(cycle, teams),
            org_id="demo",
        )
        service.import_organisation(org, actor="hr")
        run = _Run(
            service=service,
            clock=clock,
            rng=random.Random(seed),
            cycle=cycle,
            org_id=org.id,
            plugin=plugin,
            year=year,
        )
        story = _plan_year(run)
        while run.queue:
            moment, _, action = heapq.heappop(run.queue)
            if moment > clock.now():
                clock.set(moment)
            action()
            run.done += 1
            if progress is not None:
                progress(run.done, run.done + len(run.queue))
        clock.set(max(clock.now(), datetime(year + 1, 1, 5, 9, 0, tzinfo=UTC)))
        files = _write_outputs(run, out, year, story)
        summary = _summary(run, year, story, files, url)
        (out / SUMMARY_FILE).write_text(
            json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        files = {**files, "summary": out / SUMMARY_FILE}
        return DemoResult(out=out, store_url=url, files=files, summary=summary)
    finally:
        service.close()


def _self_steering_share(cycle: CycleDefinition, teams: int) -> float:
    """A tenth of the teams steer themselves, and at least one; a third when the cycle has
    conversations meant for self-steering teams."""
    wanted = any(k.applies_to is Applicability.SELF_STEERING for k in cycle.kinds)
    return max(0.34 if wanted else 0.1, 1 / teams)


def _hires_until(cycle: CycleDefinition, year: int) -> date:
    """Until when the generated organisation hires people: into the demo year when the cycle
    has conversations after hire (onboarding), so that the year shows them."""
    if any(k.cadence.kind is CadenceKind.AFTER_HIRE for k in cycle.kinds):
        return date(year, 7, 1)
    return date(year - 1, 1, 1)


# -- who takes part ---------------------------------------------------------------------------


def _applies(kind: ConversationKind, org: Organisation, person: str, day: date) -> bool:
    """Whether *kind* is meant for *person* on *day* (the kind's ``applies_to``)."""
    if kind.pattern is Pattern.TEAM or not org.people[person].employed_on(day):
        return False
    team = org.team_of(person, day)
    manager = org.manager_of(person, day)
    if team is None or person in org.coaches(day):
        return False
    if kind.applies_to is Applicability.SELF_STEERING:
        return org.teams[team].self_steering or manager is None
    if kind.applies_to is Applicability.WITH_MANAGER or kind.pattern in (
        Pattern.EMPLOYEE_MANAGER,
        Pattern.THREE_PARTY,
    ):
        return manager is not None
    return True


def _participants(
    run: _Run, kind: ConversationKind, moment: _Moment, day: date
) -> tuple[Participant, ...]:
    """The people the organisation gives *moment* on *day*, by the kind's pattern.

    Raises :class:`~magcore.errors.TransitionError` when the organisation has nobody for a role
    (e.g. a manager who left, a team of one).
    """
    service, rng = run.service, run.rng
    org = service.organisation(run.org_id)
    if kind.pattern is Pattern.TEAM:
        assert moment.team is not None
        members = org.members(moment.team, day)
        if len(members) < 2:
            raise TransitionError(
                conversation_id="new",
                state="new",
                action="request",
                reason=f"team {moment.team} has fewer than two members on {day}",
            )
        return tuple(Participant(p, ParticipantRole.TEAM_MEMBER) for p in members)
    assert moment.person is not None
    peer = coach = None
    if kind.pattern is Pattern.PEER:
        team = org.team_of(moment.person, day)
        mates = [p for p in org.members(team, day) if p != moment.person] if team else []
        peer = rng.choice(mates) if mates else None
    if kind.pattern is Pattern.THREE_PARTY:
        manager = org.manager_of(moment.person, day)
        coaches = [c for c in org.coaches(day) if c not in (moment.person, manager)]
        coach = rng.choice(coaches) if coaches else None
    return service.participants_for(
        run.org_id, run.cycle, kind.id, moment.person, on=day, peer=peer, coach=coach
    )


# -- the year ---------------------------------------------------------------------------------


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
                team=item.team if kind.pattern is Pattern.TEAM else None,
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
        (k for k in cycle.kinds if k.pattern is not Pattern.TEAM),
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
        if kind.pattern is Pattern.TEAM:
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


# -- one conversation -------------------------------------------------------------------------


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
    steps = _steps(run, moment, conv, organiser, held_day)
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
            service.execute(conv_id, PublishPreparation(actor=author))

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
        agreements = _agreements(run, conv, held_day)
        themes = sorted(rng.sample(list(kind.themes), min(2, len(kind.themes))))
        summary = rng.choice(_SUMMARIES)
        _fill_in(
            run,
            conv_id,
            kind.record_form,
            held_day,
            lambda answers: DraftRecord(
                actor=recorder,
                summary=summary,
                agreements=agreements,
                themes=themes,
                answers=answers,
            ),
            agreements=agreements,
        )
        if outcome == "agreed":
            if conv.subject is not None:
                run.conversations.setdefault(conv.subject, conv_id)
            else:
                run.team_conversations.append(conv_id)

    def confirm(actor: str) -> Callable[[], None]:
        def step() -> None:
            current = service.load(conv_id)
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
        {AgreementOwner.BOTH} | {_OWNER_OF_ROLE[p.role] for p in conv.participants},
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


# -- answers to forms -------------------------------------------------------------------------


def _fill_in(
    run: _Run,
    conv_id: str,
    form_id: str | None,
    day: date,
    command: Callable[[Mapping[str, Any]], Any],
    *,
    agreements: Sequence[Agreement] = (),
) -> None:
    """Execute *command* with answers to *form_id*: varied ones first, then the form's example.

    The service checks the answers against the form and runs every plugin's check hook. When
    varied answers are refused, the form's example answers are used, and then only their
    required fields (a check may depend on what else happened, e.g. a consent given in the
    preparation); when even those are refused, the demo stops with an error naming the form
    and what the checks said.
    """
    from .forms import example_answers

    if form_id is None:
        run.service.execute(conv_id, command({}))
        return
    form = run.service.form(form_id)
    try:
        example = example_answers(form, day=day)
    except DefinitionError as exc:
        raise DemoError(f"{run.plugin}: {exc}") from exc
    schema = form.json_schema()
    conv = run.service.load(conv_id)
    names = {p.role.value: p.person for p in conv.participants}
    last: RecordInvalidError | None = None
    for _ in range(_VARIED_TRIES):
        answers = _named(_vary(schema, example, run.rng, day, agreements), schema, names, day)
        try:
            run.service.execute(conv_id, command(answers))
        except RecordInvalidError as exc:
            last = exc
            continue
        run.answers_used["varied"] = run.answers_used.get("varied", 0) + 1
        return
    required = set(schema.get("required") or ())
    fallbacks = {
        "example": example,
        "example_required_only": {k: v for k, v in example.items() if k in required},
    }
    for name, answers in fallbacks.items():
        try:
            run.service.execute(conv_id, command(answers))
        except RecordInvalidError as exc:
            last = exc
            continue
        run.answers_used[name] = run.answers_used.get(name, 0) + 1
        return
    raise DemoError(
        f"{run.plugin}: the checks refuse even the example answers of form {form_id} ({last}); "
        "give the form a schema 'examples' entry that its plugin's magcore_check_record accepts"
    )


def _named(
    answers: dict[str, Any], schema: Mapping[str, Any], names: Mapping[str, str], day: date
) -> dict[str, Any]:
    """Fill fields that ask for a participant's name, and the next conversation's date.

    A form field ``<role>_name`` (``employee_name``, ``manager_name``) gets that participant's
    id, as people are known by id only; a date field named ``next_…`` gets a day about a year
    on. Otherwise a reader of the demo's record sees a sentence where a name should be.
    """
    properties = schema.get("properties") or {}
    result = dict(answers)
    for name in answers:
        sub = properties.get(name)
        if not isinstance(sub, Mapping) or sub.get("type") != "string":
            continue
        if name.endswith("_name") and name.removesuffix("_name") in names:
            result[name] = names[name.removesuffix("_name")]
        elif name.startswith("next_") and sub.get("format") == "date":
            result[name] = (day + timedelta(days=364)).isoformat()
    return result


def _vary(
    schema: Mapping[str, Any],
    example: Mapping[str, Any],
    rng: random.Random,
    day: date,
    agreements: Sequence[Agreement],
) -> dict[str, Any]:
    """Answers shaped like *example* (valid for the form), with other words and choices.

    Driven by the schema only: free text becomes a plain sentence (mostly kept when the form's
    author wrote it in a schema ``examples`` entry), a choice another option, a
    list of options another selection, a date the conversation's day; a list of objects that
    hold a ``text`` and an ``owner`` is taken to be the record's agreements and filled with
    *agreements*. Whatever does not fit the form is caught by the service's check.
    """
    properties = schema.get("properties") or {}
    result: dict[str, Any] = {}
    for name, value in example.items():
        sub = properties.get(name)
        result[name] = (
            value if not isinstance(sub, Mapping) else _vary_value(sub, value, rng, day, agreements)
        )
    return result


def _vary_value(
    schema: Mapping[str, Any],
    value: Any,
    rng: random.Random,
    day: date,
    agreements: Sequence[Agreement],
) -> Any:
    if "const" in schema:
        return value
    if isinstance(value, bool):
        return rng.random() < 0.7
    if isinstance(value, str):
        if schema.get("enum"):
            return rng.choice(list(schema["enum"]))
        if schema.get("format") == "date":
            return day.isoformat()
        if schema.get("pattern") or schema.get("format"):
            return value
        if not _PLACEHOLDER.startswith(value.rstrip(".")[:14] or "V") and rng.random() < 0.8:
            return value  # the form author's own example text fits the question best
        text = rng.choice(_SENTENCES)
        limit = schema.get("maxLength")
        if isinstance(limit, int) and len(text) > limit:
            return value
        return text
    if isinstance(value, int) and not isinstance(value, bool):
        low = int(schema.get("minimum", value))
        high = int(schema.get("maximum", low + 40))
        return rng.randint(low, min(high, low + 40))
    if isinstance(value, list):
        items = schema.get("items") or {}
        if isinstance(items, Mapping) and items.get("enum"):
            options = list(items["enum"])
            low = int(schema.get("minItems", 1 if value else 0))
            high = min(int(schema.get("maxItems", len(options))), len(options), 3)
            count = rng.randint(max(low, 1), max(high, low, 1)) if options else 0
            return sorted(rng.sample(options, min(count, len(options))))
        item_props = (items.get("properties") or {}) if isinstance(items, Mapping) else {}
        if value and isinstance(value[0], Mapping):
            if {"text", "owner"} <= set(item_props) and agreements:
                limit = int(schema.get("maxItems", len(agreements)))
                return [_agreement_answer(a, item_props) for a in agreements[:limit]]
            return [_vary(items, value[0], rng, day, agreements) for _ in value]
        return value
    if isinstance(value, Mapping):
        return _vary(schema, value, rng, day, agreements)
    return value


def _agreement_answer(agreement: Agreement, properties: Mapping[str, Any]) -> dict[str, Any]:
    """An agreement as one item of a form's list of agreements (only the fields it has)."""
    fields = {
        "text": agreement.text,
        "owner": agreement.owner.value,
        "due": agreement.due.isoformat() if agreement.due else None,
        "theme": agreement.theme,
    }
    return {k: v for k, v in fields.items() if k in properties and v is not None}


# -- outputs ----------------------------------------------------------------------------------


def _read_policy(run: _Run) -> Any:
    from .access import Directory
    from .reading import ReadPolicy

    forms = [dict(f.json_schema()) for f in run.service.forms.values()]
    directory = Directory.from_organisation(
        run.service.organisation(run.org_id), roles={_HR_ADVISER: ["hr_adviser"]}
    )
    return ReadPolicy.for_cycle(run.cycle, forms=forms, directory=directory)


def _export_person(run: _Run, story: Mapping[str, Any]) -> tuple[str, str]:
    """Whose subject-access export to write, and which of their conversations to fill in.

    The story's people first (their conversation was agreed digitally); in a cycle of team
    conversations only, a member of the first team conversation that was agreed.
    """
    for role in ("handover_person", "sharer", "dissenter"):
        person = story.get(role)
        if person is not None and person in run.conversations:
            return str(person), run.conversations[str(person)]
    if run.conversations:
        person = min(run.conversations)
        return person, run.conversations[person]
    if run.team_conversations:
        conv = run.service.load(run.team_conversations[0])
        return conv.people[0], conv.id
    raise DemoError(
        f"{run.plugin}: no conversation was agreed in the demo year, so there is no record to show"
    )


def _write_outputs(run: _Run, out: Path, year: int, story: dict[str, Any]) -> dict[str, Path]:
    from .aggregates import facts_from_store, organisation_units, participation_report
    from .privacy import export_html, subject_access_export
    from .reading import read_conversation

    service = run.service
    org = service.organisation(run.org_id)
    files: dict[str, Path] = {}
    # Participation, with groups under five people suppressed.
    facts = facts_from_store(
        service.store, org, held_from=date(year, 1, 1), held_until=date(year + 1, 1, 1)
    )
    report = participation_report(facts, teams=organisation_units(org))
    rows = report.rows()
    columns = ["level", "unit", "period", "conversations", "agreements", "suppressed"]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows({c: row[c] for c in columns} for row in rows)
    files["participation_csv"] = out / "participation.csv"
    files["participation_csv"].write_text(buffer.getvalue(), encoding="utf-8")
    files["participation_html"] = out / "participation.html"
    files["participation_html"].write_text(_report_html(rows, report.k, year), encoding="utf-8")
    # The subject-access export of the employee who handed over to a new manager (or another
    # person the story follows).
    policy = _read_policy(run)
    person, conv_id = _export_person(run, story)
    story["exported_person"] = person
    export = subject_access_export(
        service.store,
        person,
        requester=person,
        now=run.clock.now(),
        policy=policy,
        organisation=org,
        origin="demo",
    )
    files["subject_access_json"] = out / f"subject-access-{person}.json"
    files["subject_access_json"].write_text(
        json.dumps(export, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    files["subject_access_html"] = out / f"subject-access-{person}.html"
    files["subject_access_html"].write_text(export_html(export), encoding="utf-8")
    # What the new manager sees of that employee's conversation, thanks to the handover choice.
    handover = story.get("handover_person")
    if handover is not None and handover in run.conversations:
        seen = read_conversation(
            service.store,
            run.conversations[handover],
            viewer=story["new_manager"],
            purpose="handover",
            now=run.clock.now(),
            policy=policy,
            origin="demo",
        )
        story["new_manager_sees"] = {
            "agreements": len(seen.agreements),
            "summary": seen.summary is not None,
            "preparations": bool(seen.preparations),
        }
    else:
        story["new_manager_sees"] = None
    # The record as the person reads it: from their export, or (a team's record) as a member.
    about = next((c for c in export["conversations_about_you"] if c["id"] == conv_id), None)
    if about is not None:
        answers = dict((about.get("record") or {}).get("answers") or {})
    else:
        view = read_conversation(
            service.store,
            conv_id,
            viewer=person,
            purpose="own_record",
            now=run.clock.now(),
            policy=policy,
            origin="demo",
        )
        answers = dict(view.answers)
    files.update(_record_files(run, out, conv_id, answers))
    files.update(_regulation(run, out))
    return files


def _record_files(
    run: _Run, out: Path, conv_id: str, answers: Mapping[str, Any]
) -> dict[str, Path]:
    """The record filled into its kind's record form (or preparation form), as HTML and PDF."""
    from .forms import check
    from .forms.render import render_record

    conv = run.service.load(conv_id)
    kind = run.cycle.kind(conv.kind)
    form_id = kind.record_form or kind.preparation_form
    if form_id is None:
        return {}
    form = run.service.form(form_id)
    if not kind.record_form:
        answers = {}
    check(form, answers)
    files = {"record_html": out / f"record-{conv_id}.html"}
    files["record_html"].write_text(render_record(form, answers), encoding="utf-8")
    from .forms.pdf import render_pdf  # magcore[pdf]: run_demo checked it before starting

    pdf = render_pdf(form, answers=answers)
    files["record_pdf"] = out / f"record-{conv_id}.pdf"
    files["record_pdf"].write_bytes(pdf)
    return files


def _regulation(run: _Run, out: Path) -> dict[str, Path]:
    from .policy import render_policy

    # Only this cycle's own forms: other installed plugins' forms are no part of its regulation.
    used = {
        form_id
        for kind in run.cycle.kinds
        for form_id in (kind.preparation_form, kind.record_form)
        if form_id is not None
    }
    forms = {k: v for k, v in run.service.forms.items() if k in used}
    rendered = render_policy(run.cycle, forms=forms, format="markdown")
    path = out / "regeling.md"
    path.write_text(rendered.text, encoding="utf-8")
    return {"regulation": path}


_REPORT_WORDS = {
    "organisation": "organisatie",
    "department": "afdeling",
    "team": "team",
    "all": "alle",
}
"""The report's level names and 'all' in Dutch, for the Dutch page (the CSV keeps the codes)."""


def _report_html(rows: list[dict[str, object]], k: int, year: int) -> str:
    def cell(row: Mapping[str, object], name: str) -> str:
        return "niet getoond" if row["suppressed"] else html.escape(str(row[name]))

    def dutch(value: object) -> str:
        return html.escape(_REPORT_WORDS.get(str(value), str(value)))

    body = "\n".join(
        "<tr>"
        f"<td>{dutch(r['level'])}</td>"
        f'<th scope="row">{dutch(r["unit"])}</th>'
        f"<td>{dutch(r['period'])}</td>"
        f"<td>{cell(r, 'conversations')}</td>"
        f"<td>{cell(r, 'agreements')}</td>"
        "</tr>"
        for r in rows
    )
    return f"""<!DOCTYPE html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Deelname aan de gesprekken {year}</title>
<style>
body {{ font-family: system-ui, sans-serif; line-height: 1.5; max-width: 60rem; margin: 2rem; }}
table {{ border-collapse: collapse; }}
th, td {{ border: 1px solid #555; padding: 0.25rem 0.5rem; text-align: left; }}
</style>
</head>
<body>
<main>
<h1>Deelname aan de gesprekken in {year}</h1>
<p>Hoeveel gesprekken er zijn gevoerd en hoeveel afspraken er zijn gemaakt. Alleen aantallen:
nooit wat er is gezegd, en nooit een oordeel over een persoon. Een groep van minder dan {k}
mensen tonen we niet, en ook geen getal waarmee u zo'n groep kunt uitrekenen.</p>
<table>
<caption>Gesprekken en afspraken per team, afdeling en organisatie, per kwartaal</caption>
<thead>
<tr><th scope="col">Niveau</th><th scope="col">Eenheid</th><th scope="col">Periode</th>
<th scope="col">Gesprekken</th><th scope="col">Afspraken</th></tr>
</thead>
<tbody>
{body}
</tbody>
</table>
</main>
</body>
</html>
"""


_HELD_STATES = frozenset({"held", "record_drafted", "agreed"})


def _summary(
    run: _Run, year: int, story: Mapping[str, Any], files: Mapping[str, Path], url: str
) -> dict[str, Any]:
    from .audit import verify_store

    service = run.service
    org = service.organisation(run.org_id)
    covered = service.coverage(run.org_id, run.cycle, date(year, 1, 1), date(year + 1, 1, 1))
    states: dict[str, int] = {}
    kinds: dict[str, dict[str, int]] = {}
    for row in service.store.conversations():
        states[row.state] = states.get(row.state, 0) + 1
        per_kind = kinds.setdefault(row.kind, {})
        per_kind[row.state] = per_kind.get(row.state, 0) + 1
    mid = date(year, 7, 1)
    audit = verify_store(service.store)
    return {
        "demo": True,
        "plugin": run.plugin,
        "cycle": run.cycle.key,
        "year": year,
        "store": url,
        "people": len(org.people),
        "teams": sum(1 for t in org.teams.values() if org.members(t.id, mid)),
        "self_steering_teams": sum(
            1 for t in org.teams.values() if t.self_steering and org.members(t.id, mid)
        ),
        "conversations_by_state": dict(sorted(states.items())),
        "conversations_by_kind": {k: dict(sorted(v.items())) for k, v in sorted(kinds.items())},
        "conversations_held": sum(n for s, n in states.items() if s in _HELD_STATES),
        "due": covered.due,
        "had_a_conversation": covered.covered,
        "participation_rate": round(covered.rate, 3),
        "outcomes_drawn": dict(sorted(run.outcomes.items())),
        "answers": dict(sorted(run.answers_used.items())),
        "story": {k: _plain(v) for k, v in story.items()},
        "audit_log": {"entries": audit.entries, "intact": audit.ok},
        "files": {name: path.name for name, path in sorted(files.items())},
    }


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value
