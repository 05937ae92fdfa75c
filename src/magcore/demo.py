"""The demo: a year of a municipality's conversation cycle on a generated organisation.

:func:`run_demo` (and ``magcore demo``) builds an organisation of a few hundred people — teams
with a manager and self-steering teams without one — and runs one year of an installed plugin's
cycle (Amsterdam's MAG by default) through the real API on an embedded SQLite store with a
fixed clock: conversations are requested, scheduled and prepared by both sides, most are held
and their agreements confirmed by both, some are recorded on paper, some do not happen, one
record gets a note of disagreement, one employee shares their agreements with an HR adviser, and
a team gets a new manager, to whom one employee hands over their agreements.

It then writes, into the output folder: the participation report (groups under five people
suppressed), one employee's subject-access export, one filled-in record form as HTML and as PDF,
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
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from .clock import FixedClock
from .conversation import (
    AddDissent,
    ConfirmRecord,
    DraftRecord,
    MarkHeld,
    MarkNotHeld,
    NotHeldReason,
    PublishPreparation,
    RegisterPaper,
    SavePreparation,
    Schedule,
)
from .errors import MagcoreError, TransitionError
from .events import CommittedBatch
from .model.cycle import CycleDefinition, ParticipantRole, Pattern
from .model.records import Agreement
from .plugins import PluginHost, get_plugin_manager
from .service import Service
from .sharing import GrantSharing, person_stream
from .storage.base import StoreSettings, StreamWrite

__all__ = ["DEMO_MARKER", "SUMMARY_FILE", "DemoError", "DemoResult", "run_demo"]

#: The file that marks a folder as demo output (a later demo may replace such a folder).
DEMO_MARKER = ".magcore-demo"
SUMMARY_FILE = "demo-summary.json"
_AMSTERDAM = ZoneInfo("Europe/Amsterdam")
_HR_ADVISER = "hr-adviser"

_GOING_WELL = (
    "Het contact met bewoners aan de balie gaat goed.",
    "Ik heb het nieuwe systeem snel onder de knie gekregen.",
    "De samenwerking in het team is prettig en open.",
    "Mijn projecten lopen volgens planning.",
    "Ik krijg ruimte om zelf dingen op te pakken.",
)
_BETTER = (
    "De werkdruk rond de jaarafsluiting is hoog.",
    "Ik wil beter op de hoogte zijn van wat andere teams doen.",
    "Overleggen duren soms lang.",
    "Ik mis af en toe feedback op mijn werk.",
)
_SUMMARIES = (
    "We spraken over het werk van het afgelopen jaar en wat goed ging.",
    "We hadden het over loopbaanwensen en over leren en ontwikkelen.",
    "We bespraken de werkdruk en hoe we die samen kunnen verlagen.",
    "We spraken over de samenwerking in het team en met andere afdelingen.",
)
_AGREEMENTS = (
    ("employee", "Volgt een cursus schrijven in begrijpelijke taal."),
    ("manager", "Zorgt voor een vast overleg elke maand."),
    ("both", "Praten over drie maanden verder over de werkdruk."),
    ("employee", "Loopt een dag mee met een ander team."),
    ("manager", "Regelt een opleidingsbudget voor volgend jaar."),
    ("both", "Maken samen een plan voor minder overwerk."),
)


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
class _Run:
    """The state of one demo run: service, clock, randomness and the action queue."""

    service: Service
    clock: FixedClock
    rng: random.Random
    cycle: CycleDefinition
    org_id: str
    queue: list[tuple[datetime, int, Callable[[], None]]] = attrs.Factory(list)
    counter: int = 0
    outcomes: dict[str, int] = attrs.Factory(dict)
    conversations: dict[str, str] = attrs.Factory(dict)
    """Subject → conversation id."""
    dissenter: str | None = None

    def at(self, moment: datetime, action: Callable[[], None]) -> None:
        self.counter += 1
        heapq.heappush(self.queue, (moment.astimezone(UTC), self.counter, action))

    def count(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1

    def commit(self, writes: list[StreamWrite]) -> CommittedBatch:
        """Append to a stream outside the conversation aggregate; observers hear of it too."""
        batch = self.service.store.append(writes)
        self.service.plugin_failures.extend(self.service.host.hooks.events_committed(batch))
        return batch

    def share(self, person: str, **choice: Any) -> None:
        """*person* makes a sharing choice (an event in their own stream)."""
        from .sharing import decide, replay

        stream = person_stream(person)
        events = self.service.store.read(stream)
        state = replay(person, events) if events else None
        command = GrantSharing(actor=person, person=person, **choice)
        new = decide(state, command, now=self.clock.now())
        self.commit([StreamWrite(stream, len(events), new)])


def _local(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=_AMSTERDAM)


def _pick_cycle(host: PluginHost, plugin: str) -> CycleDefinition:
    contributed = host.hooks.cycles().by_plugin()
    if plugin not in contributed:
        installed = ", ".join(sorted(contributed)) or "none"
        raise DemoError(
            f"plugin {plugin!r} contributes no cycle (plugins with cycles: {installed}); "
            f"install it, e.g. pip install {plugin}"
        )
    usable = [
        d
        for d in contributed[plugin]
        if any(k.pattern is Pattern.EMPLOYEE_MANAGER for k in d.kinds)
    ]
    if not usable:
        raise DemoError(
            f"the demo needs a cycle with employee-manager conversations; {plugin} has none"
        )
    return max(usable, key=lambda d: d.version)


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
    is called with (done, total) as the year's steps are run.
    """
    from .testing import generate_organisation

    host = host or get_plugin_manager()
    cycle = _pick_cycle(host, plugin)
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
        org = generate_organisation(
            people=people,
            teams=max(2, people // 15),
            seed=seed,
            start=date(year - 1, 1, 1),
            org_id="demo",
        )
        service.import_organisation(org, actor="hr")
        run = _Run(
            service=service, clock=clock, rng=random.Random(seed), cycle=cycle, org_id=org.id
        )
        story = _plan_year(run, year)
        total = len(run.queue)
        done = 0
        while run.queue:
            moment, _, action = heapq.heappop(run.queue)
            if moment > clock.now():
                clock.set(moment)
            action()
            done += 1
            if progress is not None:
                progress(done, total)
        clock.set(datetime(year + 1, 1, 5, 9, 0, tzinfo=UTC))
        files = _write_outputs(run, out, year, story)
        summary = _summary(run, year, story, files, url)
        (out / SUMMARY_FILE).write_text(
            json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        files = {**files, "summary": out / SUMMARY_FILE}
        return DemoResult(out=out, store_url=url, files=files, summary=summary)
    finally:
        service.close()


# -- the year ---------------------------------------------------------------------------------


def _plan_year(run: _Run, year: int) -> dict[str, Any]:
    """Queue every step of the year; returns the people the story follows."""
    service, rng = run.service, run.rng
    org = service.organisation(run.org_id)
    kind = next(k for k in run.cycle.kinds if k.pattern is Pattern.EMPLOYEE_MANAGER)
    items = [
        item
        for item in service.plan(run.org_id, run.cycle, date(year, 1, 1), date(year + 1, 1, 1))
        if item.kind == kind.id and item.person is not None and not item.prompt_only
    ]
    # The team that gets a new manager on 1 July, and the employee who hands over to them.
    mid = date(year, 7, 1)
    candidates = sorted(
        t.id
        for t in org.teams.values()
        if not t.self_steering
        and org.manager_of_team(t.id, mid) is not None
        and len(org.members(t.id, mid)) >= 4
    )
    team = candidates[0]
    members = org.members(team, mid)
    handover_person, new_manager = members[0], members[-1]
    old_manager = org.manager_of_team(team, mid)
    sharer = next(
        i.person
        for i in items
        if i.person and i.person not in (*members, old_manager) and i.manager is not None
    )
    dissenter = next(
        i.person
        for i in items
        if i.person not in (*members, old_manager, sharer) and i.manager is not None
    )
    story = {
        "team": team,
        "old_manager": old_manager,
        "new_manager": new_manager,
        "handover_person": handover_person,
        "sharer": sharer,
        "dissenter": dissenter,
        "manager_change_on": mid,
    }
    run.dissenter = dissenter
    forced = {handover_person: "agreed", sharer: "agreed", dissenter: "agreed"}
    for item in items:
        assert item.person is not None
        outcome = forced.get(item.person) or _draw_outcome(rng)
        if item.person == new_manager:
            outcome = "not_requested"  # promoted mid-year: their own conversation comes later
        if outcome == "not_requested":
            run.count(outcome)
            continue
        span = max((item.due - item.window_start).days - 60, 1)
        start = item.window_start + timedelta(days=rng.randrange(span))
        if item.person == handover_person:
            start = date(year, 2, 3)
        _queue_conversation(run, kind.id, item.person, start, outcome)

    def change_manager() -> None:
        service.change_manager(run.org_id, team, new_manager, mid, actor="hr")

    run.at(_local(mid, 8), change_manager)
    run.at(
        _local(mid + timedelta(days=1), 9),
        lambda: run.share(
            handover_person, to="next_manager", what="agreements", purpose="handover"
        ),
    )
    run.at(
        _local(date(year, 9, 15), 9),
        lambda: run.share(
            sharer,
            to=_HR_ADVISER,
            what="agreements",
            purpose="career_advice",
            until=date(year, 12, 31),
        ),
    )
    return story


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


def _queue_conversation(run: _Run, kind: str, person: str, start: date, outcome: str) -> None:
    service, rng = run.service, run.rng
    held_day = start + timedelta(days=rng.randrange(14, 29))
    state: dict[str, Any] = {}

    def request() -> None:
        try:
            participants = service.participants_for(
                run.org_id, run.cycle, kind, person, on=run.clock.now().date()
            )
        except TransitionError:  # e.g. a manager who handed their team over on 1 July
            run.outcomes[outcome] -= 1
            run.count("no_manager_any_more")
            return
        manager = next(p.person for p in participants if p.role is ParticipantRole.MANAGER)
        conv = service.request(cycle=run.cycle, kind=kind, participants=participants, actor=manager)
        state.update(id=conv.id, manager=manager)
        run.conversations[person] = conv.id

    def schedule() -> None:
        service.execute(
            state["id"],
            Schedule(actor=state["manager"], on=_local(held_day, 10), place="Stadhuis"),
        )

    def prepare(who: str) -> Callable[[], None]:
        def step() -> None:
            author = person if who == "employee" else state["manager"]
            if who == "employee":
                answers = {
                    "going_well": rng.choice(_GOING_WELL),
                    "could_be_better": rng.choice(_BETTER),
                    "themes": sorted(rng.sample([t.id for t in run.cycle.themes], 2)),
                }
            else:
                answers = {"going_well": rng.choice(_GOING_WELL)}
            service.execute(state["id"], SavePreparation(actor=author, answers=answers))
            service.execute(state["id"], PublishPreparation(actor=author))

        return step

    def not_held() -> None:
        reason = rng.choice(list(NotHeldReason))
        service.execute(state["id"], MarkNotHeld(actor=state["manager"], reason=reason))

    def hold_and_record() -> None:
        manager = state["manager"]
        if outcome == "paper":
            service.execute(state["id"], RegisterPaper(actor=manager, held_on=held_day))
            return
        service.execute(state["id"], MarkHeld(actor=manager, on=held_day))
        chosen = rng.sample(_AGREEMENTS, rng.randrange(1, 4))
        due = held_day + timedelta(days=90)
        agreements = tuple(
            Agreement(id=f"a{i}", text=text, owner=owner, due=due)
            for i, (owner, text) in enumerate(chosen, 1)
        )
        themes = sorted(rng.sample([t.id for t in run.cycle.themes], 2))
        summary = rng.choice(_SUMMARIES)
        answers = {
            "held_on": held_day.isoformat(),
            "themes": themes,
            "summary": summary,
            "agreements": [
                {"text": a.text, "owner": a.owner.value, "due": due.isoformat()} for a in agreements
            ],
            "next_conversation": (held_day + timedelta(days=365)).isoformat(),
        }
        service.execute(
            state["id"],
            DraftRecord(
                actor=manager,
                summary=summary,
                agreements=agreements,
                themes=themes,
                answers=answers,
            ),
        )

    def confirm(who: str) -> Callable[[], None]:
        def step() -> None:
            actor = person if who == "employee" else state["manager"]
            conv = service.load(state["id"])
            assert conv.record is not None
            service.execute(state["id"], ConfirmRecord(actor=actor, revision=conv.record.revision))

        return step

    def dissent() -> None:
        service.execute(
            state["id"],
            AddDissent(
                actor=person,
                text="Ik zie de werkdruk anders: die is vooral hoog door de personeelskrapte.",
            ),
        )

    def when_requested(step: Callable[[], None]) -> Callable[[], None]:
        def guarded() -> None:
            if "id" in state:
                step()

        return guarded

    run.count(outcome)
    run.at(_local(start, 9), request)
    later: list[tuple[datetime, Callable[[], None]]] = [
        (_local(start + timedelta(days=1), 9), schedule)
    ]
    if outcome == "not_held":
        later.append((_local(held_day - timedelta(days=1), 16), not_held))
    else:
        later += [
            (_local(held_day - timedelta(days=rng.randrange(2, 8)), 14), prepare("employee")),
            (_local(held_day - timedelta(days=rng.randrange(1, 6)), 15), prepare("manager")),
            (_local(held_day, 12), hold_and_record),
            (_local(held_day + timedelta(days=2), 11), confirm("employee")),
        ]
        if outcome != "waiting_for_confirmation":
            later.append((_local(held_day + timedelta(days=3), 11), confirm("manager")))
        if person == run.dissenter:
            later.append((_local(held_day + timedelta(days=5), 17), dissent))
    for moment, step in later:
        run.at(moment, when_requested(step))


# -- outputs ----------------------------------------------------------------------------------


def _read_policy(run: _Run) -> Any:
    from .access import Directory
    from .reading import ReadPolicy

    forms = [dict(f.json_schema()) for f in _forms(run.service.host).values()]
    directory = Directory.from_organisation(
        run.service.organisation(run.org_id), roles={_HR_ADVISER: ["hr_adviser"]}
    )
    return ReadPolicy.for_cycle(run.cycle, forms=forms, directory=directory)


def _forms(host: PluginHost) -> dict[str, Any]:
    from .forms import FormDefinition

    def accept(item: Any, plugin: str) -> FormDefinition:
        return item if isinstance(item, FormDefinition) else FormDefinition.from_json(item)

    return {f.id: f for f in host.hooks.contributions("magcore_register_forms", accept)}


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
    # The subject-access export of the employee who handed over to a new manager.
    policy = _read_policy(run)
    person = story["handover_person"]
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
    conv_id = run.conversations[person]
    seen = read_conversation(
        service.store,
        conv_id,
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
    files.update(_record_files(run, out, conv_id, export))
    files.update(_regulation(run, out))
    return files


def _record_files(run: _Run, out: Path, conv_id: str, export: Mapping[str, Any]) -> dict[str, Path]:
    """The employee's own record, as they read it, filled into the cycle's record form."""
    kind = run.cycle.kinds[0]
    forms = _forms(run.service.host)
    form = forms.get(kind.record_form or "") or forms.get(kind.preparation_form or "")
    if form is None:
        return {}
    about = next(c for c in export["conversations_about_you"] if c["id"] == conv_id)
    answers = dict((about.get("record") or {}).get("answers") or {})
    from .forms import check
    from .forms.render import render_record

    check(form, answers)
    files = {"record_html": out / f"record-{conv_id}.html"}
    files["record_html"].write_text(render_record(form, answers), encoding="utf-8")
    try:
        from .forms.pdf import render_pdf

        pdf = render_pdf(form, answers=answers)
    except ImportError:  # the optional extra magcore[pdf] is not installed
        return files
    files["record_pdf"] = out / f"record-{conv_id}.pdf"
    files["record_pdf"].write_bytes(pdf)
    return files


def _regulation(run: _Run, out: Path) -> dict[str, Path]:
    from .policy import render_policy

    rendered = render_policy(run.cycle, forms=_forms(run.service.host), format="markdown")
    path = out / "regeling.md"
    path.write_text(rendered.text, encoding="utf-8")
    return {"regulation": path}


def _report_html(rows: list[dict[str, object]], k: int, year: int) -> str:
    def cell(row: Mapping[str, object], name: str) -> str:
        return "niet getoond" if row["suppressed"] else html.escape(str(row[name]))

    body = "\n".join(
        "<tr>"
        f"<td>{html.escape(str(r['level']))}</td>"
        f'<th scope="row">{html.escape(str(r["unit"]))}</th>'
        f"<td>{html.escape(str(r['period']))}</td>"
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


def _summary(
    run: _Run, year: int, story: Mapping[str, Any], files: Mapping[str, Path], url: str
) -> dict[str, Any]:
    from .audit import verify

    service = run.service
    org = service.organisation(run.org_id)
    covered = service.coverage(run.org_id, run.cycle, date(year, 1, 1), date(year + 1, 1, 1))
    states: dict[str, int] = {}
    for row in service.store.conversations():
        states[row.state] = states.get(row.state, 0) + 1
    mid = date(year, 7, 1)
    head = service.store.audit_head()
    audit = verify(service.store.read_audit(), expected_count=head.count)
    return {
        "demo": True,
        "cycle": run.cycle.key,
        "year": year,
        "store": url,
        "people": len(org.people),
        "teams": sum(1 for t in org.teams.values() if org.members(t.id, mid)),
        "self_steering_teams": sum(
            1 for t in org.teams.values() if t.self_steering and org.members(t.id, mid)
        ),
        "conversations_by_state": dict(sorted(states.items())),
        "due": covered.due,
        "had_a_conversation": covered.covered,
        "participation_rate": round(covered.rate, 3),
        "outcomes_drawn": dict(sorted(run.outcomes.items())),
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
