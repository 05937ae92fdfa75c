"""The subject access export rendered as a readable page, in Dutch or English."""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..languages import pick

__all__ = ["export_html"]

_LABELS = {
    "nl": {
        "title": "Uw gegevens (inzage, AVG artikel 15)",
        "person": "Persoon",
        "generated": "Gemaakt op",
        "choices": "Uw deelkeuzes",
        "about": "Gesprekken over u",
        "took_part": "Gesprekken waaraan u meedeed over iemand anders (alleen verwijzing)",
        "log": "Wie heeft uw gegevens gelezen of gewijzigd",
        "none": "Geen.",
        "destroyed": "Vernietigd volgens de bewaartermijn.",
        "summary": "Verslag",
        "agreements": "Afspraken",
        "preparations": "Voorbereidingen",
        "dissents": "Aantekeningen van onenigheid",
        "responses": "Uw zienswijzen",
        "notes": "Privé-aantekeningen",
        "topics": "Onderwerpen",
        "goals": "Uw doelen",
        "goals_work_on": "Doelen van iemand anders waaraan u meewerkt (alleen verwijzing)",
        "progress": "Voortgang",
        "goal_facts": "Status: {status}. Thema: {theme}. Afgesproken in: {agreed_in}.",
    },
    "en": {
        "title": "Your data (subject access, GDPR article 15)",
        "person": "Person",
        "generated": "Generated at",
        "choices": "Your sharing choices",
        "about": "Conversations about you",
        "took_part": "Conversations you took part in about someone else (reference only)",
        "log": "Who read or changed your data",
        "none": "None.",
        "destroyed": "Destroyed under the retention term.",
        "summary": "Record",
        "agreements": "Agreements",
        "preparations": "Preparations",
        "dissents": "Notes of disagreement",
        "responses": "Your responses",
        "notes": "Private notes",
        "topics": "Topics",
        "goals": "Your goals",
        "goals_work_on": "Goals of someone else you work on (reference only)",
        "progress": "Progress",
        "goal_facts": "Status: {status}. Theme: {theme}. Agreed in: {agreed_in}.",
    },
}


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


#: Column headings people read, per language; a key not listed is shown as it is.
_COLUMNS = {
    "nl": {
        "choice": "Keuze",
        "to": "Met wie",
        "what": "Wat",
        "purpose": "Doel",
        "until": "Tot en met",
        "granted_at": "Gegeven op",
        "revoked_at": "Ingetrokken op",
        "id": "Nummer",
        "text": "Tekst",
        "owner": "Wie doet het",
        "due": "Klaar op",
        "status": "Stand",
        "author": "Geschreven door",
        "theme": "Thema",
        "answers": "Antwoorden",
        "published_at": "Gedeeld op",
        "at": "Wanneer",
        "about": "Over",
        "kind": "Soort gesprek",
        "state": "Stand",
        "held_on": "Gehouden op",
        "seq": "Regel",
        "actor": "Wie",
        "action": "Handeling",
        "object": "Gegevens",
        "result": "Uitkomst",
        "reason": "Reden",
    },
    "en": {
        "choice": "Choice",
        "to": "With whom",
        "what": "What",
        "purpose": "Purpose",
        "until": "Until",
        "granted_at": "Given on",
        "revoked_at": "Withdrawn on",
        "id": "Number",
        "text": "Text",
        "owner": "Who does it",
        "due": "Due",
        "status": "Status",
        "author": "Written by",
        "theme": "Theme",
        "answers": "Answers",
        "published_at": "Shared on",
        "at": "When",
        "about": "About",
        "kind": "Kind of conversation",
        "state": "State",
        "held_on": "Held on",
        "seq": "Line",
        "actor": "Who",
        "action": "Action",
        "object": "Data",
        "result": "Result",
        "reason": "Reason",
    },
}


def _table(
    rows: Iterable[Mapping[str, Any]],
    columns: Sequence[str],
    none: str,
    labels: Mapping[str, str] | None = None,
) -> str:
    rows = list(rows)
    if not rows:
        return f"<p>{_e(none)}</p>"
    labels = labels or {}
    head = "".join(f'<th scope="col">{_e(labels.get(c, c))}</th>' for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_e(_flat(row.get(c)))}</td>" for c in columns) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _flat(value: Any) -> str:
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {_flat(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_flat(v) for v in value)
    return "" if value is None else str(value)


def export_html(export: Mapping[str, Any], *, language: str = "nl") -> str:
    """A readable, accessible HTML page of a :func:`subject_access_export` result."""
    language = pick(language, _LABELS)  # fy → nl: the page says the language it is in
    t = _LABELS[language]
    columns = _COLUMNS[language]
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{language}"><head><meta charset="utf-8">',
        f"<title>{_e(t['title'])}</title></head><body><main>",
        f"<h1>{_e(t['title'])}</h1>",
        f"<p>{_e(t['person'])}: {_e(export['person'])}<br>"
        f"{_e(t['generated'])}: {_e(export['generated_at'])}</p>",
        f"<h2>{_e(t['choices'])}</h2>",
        _table(
            export["sharing_choices"],
            ("choice", "to", "what", "purpose", "until", "granted_at", "revoked_at"),
            t["none"],
            columns,
        ),
        f"<h2>{_e(t['about'])}</h2>",
    ]
    if not export["conversations_about_you"]:
        parts.append(f"<p>{_e(t['none'])}</p>")
    for conv in export["conversations_about_you"]:
        parts.append(f"<section><h3>{_e(conv['id'])}</h3>")
        if conv["destroyed"]:
            parts.append(f"<p>{_e(t['destroyed'])}</p></section>")
            continue
        if conv["metadata"]:
            parts.append(f"<p>{_e(_flat(conv['metadata']))}</p>")
        if conv["record"]:
            parts.append(f"<h4>{_e(t['summary'])}</h4><p>{_e(conv['record']['summary'])}</p>")
            parts.append(_table([conv["record"]["answers"]], list(conv["record"]["answers"]), ""))
        for key, label, fields in (
            ("agreements", "agreements", ("id", "text", "owner", "due", "status")),
            ("topics", "topics", ("author", "text", "theme")),
            ("preparations", "preparations", ("author", "answers", "published_at")),
            ("dissents", "dissents", ("author", "text", "at")),
            ("responses", "responses", ("author", "about", "text", "at")),
            ("private_notes", "notes", ("author", "text", "at")),
        ):
            parts.append(f"<h4>{_e(t[label])}</h4>")
            parts.append(_table(conv[key], fields, t["none"], columns))
        parts.append("</section>")
    parts.append(f"<h2>{_e(t['goals'])}</h2>")
    if not export["goals"]:
        parts.append(f"<p>{_e(t['none'])}</p>")
    for goal in export["goals"]:
        facts = t["goal_facts"].format(
            status=goal["status"], theme=goal["theme"] or "-", agreed_in=goal["agreed_in"] or "-"
        )
        parts.append(f"<section><h3>{_e(goal['title'])}</h3><p>{_e(facts)}</p>")
        if goal["description"]:
            parts.append(f"<p>{_e(goal['description'])}</p>")
        parts.append(f"<h4>{_e(t['progress'])}</h4>")
        parts.append(_table(goal["progress"], ("author", "text", "at"), t["none"], columns))
        parts.append("</section>")
    parts.append(f"<h2>{_e(t['goals_work_on'])}</h2>")
    parts.append(_table(export["goals_you_work_on"], ("id", "status"), t["none"], columns))
    parts.append(f"<h2>{_e(t['took_part'])}</h2>")
    parts.append(
        _table(
            export["conversations_you_took_part_in"],
            ("id", "kind", "state", "held_on"),
            t["none"],
            columns,
        )
    )
    parts.append(f"<h2>{_e(t['log'])}</h2>")
    parts.append(
        _table(
            export["access_log"],
            ("seq", "at", "actor", "action", "object", "result", "reason", "purpose"),
            t["none"],
            columns,
        )
    )
    parts.append("</main></body></html>")
    return "\n".join(parts)
