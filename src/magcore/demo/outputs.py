"""The demo's outputs: records, exports, the report, the regulation and the summary."""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from .._private_files import write_private
from .base import (
    _HR_ADVISER,
    DemoError,
    _Run,
)

__all__ = []


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
        conv = run.service._load(run.team_conversations[0])
        return conv.people[0], conv.id
    raise DemoError(
        f"{run.plugin}: no conversation was agreed in the demo year, so there is no record to show"
    )


def _write_outputs(run: _Run, out: Path, year: int, story: dict[str, Any]) -> dict[str, Path]:
    from ..access.statistics_report import participation_report
    from ..access.subject_access_html import export_html

    service = run.service
    org = service.organisation(run.org_id)
    files: dict[str, Path] = {}
    # Participation per quarter, with groups under five people suppressed.
    report = participation_report(
        service.store,
        org,
        start=date(year, 1, 1),
        end=date(year + 1, 1, 1),
        asker="demo",
        at=run.clock.now(),
        origin="demo",
        require_audit=False,
        language="nl",
    )
    rows = report.rows()
    columns = ["level", "unit", "name", "period", "conversations", "agreements", "suppressed"]
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
    # Everything below leaves through the gateway: decided, audited, at the service's clock.
    service.use_organisation(run.org_id, roles={_HR_ADVISER: ["hr_adviser"]})
    gateway = service.gateway
    person, conv_id = _export_person(run, story)
    story["exported_person"] = person
    export = gateway.export(person, requester=person, organisation=org)
    files["subject_access_json"] = out / f"subject-access-{person}.json"
    # What a person reads of their own record: for the one who ran the demo only (0600).
    write_private(
        files["subject_access_json"], json.dumps(export, indent=2, ensure_ascii=False) + "\n"
    )
    files["subject_access_html"] = out / f"subject-access-{person}.html"
    write_private(
        files["subject_access_html"],
        export_html(export, forms=service.forms, cycles=service.cycles),
    )
    # What the new manager sees of that employee's conversation, thanks to the handover choice.
    handover = story.get("handover_person")
    if handover is not None and handover in run.conversations:
        seen = gateway.conversation(
            run.conversations[handover], actor=story["new_manager"], purpose="handover"
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
        view = gateway.conversation(conv_id, actor=person, purpose="own_record")
        answers = dict(view.answers)
    files.update(_record_files(run, out, conv_id, answers))
    files.update(_regulation(run, out))
    return files


def _record_files(
    run: _Run, out: Path, conv_id: str, answers: Mapping[str, Any]
) -> dict[str, Path]:
    """The record filled into its kind's record form (or preparation form), as HTML and PDF."""
    from ..forms import check
    from ..forms.render import render_record

    conv = run.service._load(conv_id)
    kind = run.cycle.kind(conv.kind)
    form_id = kind.record_form or kind.preparation_form
    if form_id is None:
        return {}
    form = run.service.form(form_id)
    if not kind.record_form:
        answers = {}
    catalogue = run.service.catalogue_for(conv.cycle)  # the cycle's own words ("inwoner")
    check(form, answers, catalogue=catalogue)
    files = {"record_html": out / f"record-{conv_id}.html"}
    write_private(files["record_html"], render_record(form, answers, catalogue=catalogue))
    from ..forms.pdf import render_pdf  # magcore[pdf]: run_demo checked it before starting

    pdf = render_pdf(form, answers=answers, catalogue=catalogue)
    files["record_pdf"] = out / f"record-{conv_id}.pdf"
    write_private(files["record_pdf"], pdf)
    return files


def _regulation(run: _Run, out: Path) -> dict[str, Path]:
    from ..access.regulation import render_regulation

    # Only this cycle's own forms: other installed plugins' forms are no part of its regulation.
    used = {
        form_id
        for kind in run.cycle.kinds
        for form_id in (kind.preparation_form, kind.record_form)
        if form_id is not None
    }
    forms = {k: v for k, v in run.service.forms.items() if k in used}
    rendered = render_regulation(run.cycle, forms=forms, format="markdown")
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
        f'<th scope="row">{dutch(r["name"])}</th>'
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
    from ..access.audit import verify_store

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
        "conversations_due": covered.conversations_due,
        "conversations_held_of_those_due": covered.conversations_held,
        "outcomes_drawn": dict(sorted(run.outcomes.items())),
        "answers": dict(sorted(run.answers_used.items())),
        "story": {k: _plain(v) for k, v in story.items()},
        **_carried_and_shown(service),
        "audit_log": {"entries": audit.entries, "intact": audit.ok},
        "files": {name: path.name for name, path in sorted(files.items())},
    }


def _carried_and_shown(service: Any) -> dict[str, Any]:
    """Agreements carried into later conversations (a person's, a team's), and preparations
    their author showed to some roles only, per kind and role: counts, no content."""
    carried = {"personal": 0, "team": 0}
    shown: dict[str, dict[str, int]] = {}
    closed_by_team = 0
    goals: dict[str, int] = {}
    for row in service.store.conversations():
        conv = service._load(row.id)
        carried["team" if row.subject is None else "personal"] += len(conv.carried_forward)
        closed_by_team += sum(
            1 for e in service.store.read(f"conversation:{row.id}") if e.data.get("via")
        )
        for goal_id in service.record_goal_ids(row.id) if row.state == "agreed" else ():
            goal = service._goal(goal_id)  # ids and the link only: no content leaves
            found = _link_kind(service, goal)
            goals[found] = goals.get(found, 0) + 1
        for prep in conv.preparations.values():
            for role in prep.shown_to:
                per_kind = shown.setdefault(row.kind, {})
                per_kind[role] = per_kind.get(role, 0) + 1
    return {
        "agreements_carried_forward": carried,
        "team_agreements_closed_from_a_later_team_conversation": closed_by_team,
        "goals_from_records": {
            "goals": sum(goals.values()),
            "linked_to": dict(sorted(goals.items())),
        },
        "preparations_shown_to_one_role_only": {
            k: dict(sorted(v.items())) for k, v in sorted(shown.items())
        },
    }


def _link_kind(service: Any, goal: Any) -> str:
    """What a goal made from a record points to: ``behaviour``, ``competence``, ``value`` (a
    theme) or ``nothing``."""
    if goal.topic is None or goal.cycle is None:
        return "nothing"
    found = service.cycle(goal.cycle).link(goal.topic)
    if found is None:
        return "nothing"
    _theme, topic = found
    return "value" if topic is None else str(topic.kind.value)


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value
