"""The subject access export rendered as a page an employee can read, in Dutch or English.

Labels come from the forms the conversation was held with (field and option labels), magcore's
own ids are words (:mod:`~magcore.access.subject_access_words`), dates are written as people
write them (Babel), and the page fits a phone's screen and prints.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..i18n import format_date, table
from ..languages import pick
from ..model.records import split_agreement_reference
from .subject_access_words import action_words, part_words, word

__all__ = ["export_html"]

#: The page's words per language (``locale/*/magcore.po``, ids ``subject_access.*``).
_LABELS = table("subject_access")


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


#: Column headings people read, per language; a key not listed is shown as it is.
_COLUMNS = table("subject_access.column")


_STYLE = (
    "body{font-family:system-ui,sans-serif;line-height:1.5;margin:0 auto;max-width:48rem;"
    "padding:1rem;color:#1a1a1a;background:#fff}"
    "main{overflow-wrap:anywhere}"
    "table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}"
    "th,td{border:1px solid #767676;padding:.3rem .5rem;text-align:left;vertical-align:top}"
    ".scroll{overflow-x:auto}"
    "dt{font-weight:bold;margin-top:.5rem}dd{margin:0 0 .25rem 1rem}"
    "section{border-top:1px solid #767676;margin-top:1rem}"
    "@media print{.scroll{overflow:visible}}"
)


class _Page:
    """What every part of the page needs: the language, its words, forms and the time zone."""

    def __init__(
        self,
        language: str,
        forms: Mapping[str, Any],
        cycles: Mapping[str, Any],
        zone: str,
    ) -> None:
        self.language = language
        self.t = _LABELS[language]
        self.columns = _COLUMNS[language]
        self.forms = forms
        self.cycles = cycles
        self.zone = ZoneInfo(zone)

    # -- values ----------------------------------------------------------------------------

    def day(self, value: Any) -> str:
        """A date or a moment as people write it (``15 februari 2025``, ``… 10:00``)."""
        if not isinstance(value, str) or not value:
            return "" if value is None else str(value)
        try:
            if "T" in value:
                moment = datetime.fromisoformat(value)
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=UTC)
                local = moment.astimezone(self.zone)
                return f"{format_date(local.date(), self.language).text}, {local:%H:%M}"
            return format_date(date.fromisoformat(value), self.language).text
        except ValueError:
            return value

    def day_of(self, value: Any) -> str:
        """The day of a moment (``…T10:00+00:00``) in the page's time zone, as people write it."""
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            return self.day(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return self.day(moment.astimezone(self.zone).date().isoformat())

    def person(self, person: Any, role: Any = None) -> str:
        text = _e("" if person is None else person)
        return f"{text} ({self.role(role)})" if role else text

    def say(self, text: Any) -> str:
        """A text of the data (a kind's name, a question) as escaped HTML: in the page's
        language where it has one, else in the chain's next, inside its own ``lang``."""
        found = text.resolve(self.language)
        if found.language == self.language:
            return _e(found.text)
        return f'<span lang="{_e(found.language)}">{_e(found.text)}</span>'

    def role(self, role: Any) -> str:
        """A role in words (escaped HTML): as a given cycle registers it (a plugin's role, in
        its own ``lang`` where it has no text in the page's language), else magcore's word."""
        for cycle in self.cycles.values():
            registered = cycle.role(str(role)) if hasattr(cycle, "role") else None
            if registered is not None:
                return self.say(registered.name)
        return _e(word("role", role, self.language))

    def goal_origin(self, goal: Mapping[str, Any]) -> list[str]:
        """What a goal points to (a value, or a behaviour or competence of one, by its words
        in the cycle that declares it) and the agreement it was made from, as paragraphs."""
        parts = []
        topic = goal.get("topic")
        if topic:
            parts.append(
                f"<p>{_e(self.t['goal_link']).format(link=self.link(topic, goal.get('cycle')))}</p>"
            )
        agreement = goal.get("agreement")
        if agreement:
            conversation, agreement_id = split_agreement_reference(str(agreement))
            said = _e(self.t["goal_agreement"]).format(
                agreement=_e(agreement_id), conversation=_e(conversation)
            )
            parts.append(f"<p>{said}</p>")
        return parts

    def link(self, topic: str, cycle_key: Any) -> str:
        """A goal's link in words (escaped HTML): the value, or the behaviour or competence and
        its value, as the cycle names them; the id itself when the cycle is not given."""
        cycle = self.cycles.get(str(cycle_key))
        lookup = getattr(cycle, "link", None)
        found = lookup(topic) if callable(lookup) else None
        if found is None:
            return _e(self.t["link_unknown"]).format(link=_e(topic), cycle=_e(cycle_key or "-"))
        theme, entry = found
        if entry is None:
            return _e(self.t["link_value"]).format(theme=self.say(theme.title))
        return _e(self.t[f"link_{entry.kind.value}"]).format(
            topic=self.say(entry.title), theme=self.say(theme.title)
        )

    def themes(self, ids: Iterable[Any], cycle_key: Any) -> str:
        """The record's themes as a paragraph (escaped HTML): each by its title in the cycle
        that declares it, else its id; "none" when there are none."""
        cycle = self.cycles.get(str(cycle_key))
        declared = {t.id: t for t in getattr(cycle, "themes", ())}
        words = [self.say(declared[str(i)].title) if str(i) in declared else _e(i) for i in ids]
        return f"<p>{', '.join(words) if words else _e(self.t['none'])}</p>"

    # -- forms -----------------------------------------------------------------------------

    def form_for(self, metadata: Mapping[str, Any] | None, use: str) -> Any:
        """The form (a ``FormDefinition``) a conversation's *use* was filled in on, if known."""
        if not metadata:
            return None
        kind = self.kind(metadata)
        if kind is None:
            return None
        form_id = getattr(kind, f"{use}_form", None)
        return self.forms.get(form_id) if form_id else None

    def kind(self, metadata: Mapping[str, Any]) -> Any:
        """The conversation kind of *metadata* from the cycles given, or ``None``."""
        cycle = self.cycles.get(str(metadata.get("cycle")))
        kinds = getattr(cycle, "kinds", ())
        return next((k for k in kinds if k.id == metadata.get("kind")), None)

    def answers(self, answers: Mapping[str, Any], form: Any) -> str:
        """*answers* as a list of questions and answers, labelled as the form labels them."""
        if not answers:
            return f"<p>{_e(self.t['none'])}</p>"
        fields = {f.name: f for f in (form.fields if form is not None else ())}
        order = [name for name in fields if name in answers]
        order += [name for name in answers if name not in fields]
        items = []
        for name in order:
            field = fields.get(name)
            label = self.say(field.label) if field is not None else _e(_spoken(name))
            items.append(f"<dt>{label}</dt><dd>{self.answer(answers[name], field)}</dd>")
        return "<dl>" + "".join(items) + "</dl>"

    def answer(self, value: Any, field: Any) -> str:
        if isinstance(value, Mapping):
            return self.answers(value, _SubForm(field) if field is not None else None)
        if isinstance(value, list | tuple):
            if value and all(isinstance(v, Mapping) for v in value):
                return (
                    "<ol>" + "".join(f"<li>{self.answer(v, field)}</li>" for v in value) + "</ol>"
                )
            return _e(", ".join(self.scalar(v, field) for v in value))
        return _e(self.scalar(value, field))

    def scalar(self, value: Any, field: Any) -> str:
        if isinstance(value, bool):
            return self.t["yes"] if value else self.t["no"]
        if field is not None and field.options:
            return str(field.option_label(value, self.language))
        if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-" and value[7:8] == "-":
            return self.day(value)
        return "" if value is None else str(value)

    # -- tables ----------------------------------------------------------------------------

    def table(self, rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
        rows = list(rows)
        if not rows:
            return f"<p>{_e(self.t['none'])}</p>"
        head = "".join(f'<th scope="col">{_e(self.columns.get(c, c))}</th>' for c in columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{self.cell(c, row.get(c))}</td>" for c in columns) + "</tr>"
            for row in rows
        )
        return (
            f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>"
        )

    def cell(self, column: str, value: Any) -> str:
        language = self.language
        if column in ("to",):
            return self.role(value)
        if column in ("what", "purpose", "owner", "result"):
            return _e(word(column, value, language))
        if column in ("status", "state"):
            return _e(word("state", value, language))
        if column == "action":
            return _e(action_words(str(value), language))
        if column == "object":
            return _e(part_words(str(value), language))
        if column in ("at", "until", "granted_at", "revoked_at", "due", "published_at", "held_on"):
            return _e(self.day(value))
        if isinstance(value, Mapping):
            return self.answers(value, None)
        if isinstance(value, list | tuple):
            return _e(", ".join(str(v) for v in value))
        return _e("" if value is None else value)


class _SubForm:
    """The sub-fields of a repeating group, shaped like a form for :meth:`_Page.answers`."""

    def __init__(self, field: Any) -> None:
        self.fields: tuple[Any, ...] = tuple(field.fields or ())


def _spoken(name: str) -> str:
    """A field id no form labels, made readable (``next_conversation``: "Next conversation")."""
    text = name.replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:]


def _metadata(page: _Page, conv: Mapping[str, Any]) -> str:
    meta = conv["metadata"]
    t, language = page.t, page.language
    kind = page.kind(meta)
    kind_name = page.say(kind.name) if kind is not None else _e(meta.get("kind"))
    who = ", ".join(  # already HTML: a plugin's role name may carry its own lang
        page.person(p.get("person"), p.get("role")) for p in meta.get("participants", ())
    )
    rows = [
        (t["kind"], kind_name),
        (t["state"], _e(word("state", meta.get("state"), language))),
        (t["participants"], who),
    ]
    if meta.get("scheduled_for"):
        rows.append((t["scheduled"], _e(page.day(meta["scheduled_for"]))))
    if meta.get("held_on"):
        rows.append((t["held_on"], _e(page.day(meta["held_on"]))))
    return "<dl>" + "".join(f"<dt>{_e(k)}</dt><dd>{v}</dd>" for k, v in rows) + "</dl>"


def _erased(page: _Page, erased: Mapping[str, Any]) -> str:
    """That a record existed, and when and why it was destroyed, in words (nothing of its
    content is left to show); for a conversation its kind and the day it was held."""
    t = page.t
    ground = "erased_retention" if erased.get("ground") == "retention" else "erased_request"
    rows = []
    if erased.get("kind"):
        kind = page.kind(erased)
        rows.append((t["kind"], page.say(kind.name) if kind is not None else _e(erased["kind"])))
    if erased.get("held_on"):
        rows.append((t["held_on"], _e(page.day(erased["held_on"]))))
    if erased.get("profile"):
        rows.append((t["retention_profile"], _e(erased["profile"])))
    facts = "".join(f"<dt>{_e(k)}</dt><dd>{v}</dd>" for k, v in rows)
    return (
        (f"<dl>{facts}</dl>" if facts else "")
        + f"<p>{_e(t[ground].format(day=page.day_of(erased.get('at'))))}</p>"
        + f"<p>{_e(t['erased_kept'])}</p>"
    )


def _choices(page: _Page, choices: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The sharing choices as the table shows them: one about a conversation that was
    destroyed says so after what it showed (its theme unnamed: ``theme:erased``, "a theme")."""
    rows: list[Mapping[str, Any]] = []
    for choice in choices:
        if choice.get("conversation_destroyed"):
            what = word("what", choice.get("what"), page.language)
            said = page.t["choice_destroyed"].format(what=what, id=choice.get("conversation"))
            choice = {**choice, "what": said}  # words already: the cell shows them as they are
        rows.append(choice)
    return rows


def _conversation(page: _Page, conv: Mapping[str, Any]) -> list[str]:
    t = page.t
    parts = [f"<section><h3>{_e(t['conversation'].format(id=conv['id']))}</h3>"]
    if conv["destroyed"]:
        erased = conv.get("erased")
        if not erased:  # an export made before it said when and why
            return [*parts, f"<p>{_e(t['destroyed'])}</p></section>"]
        return [*parts, _erased(page, erased), "</section>"]
    meta = conv.get("metadata")
    if meta:
        parts.append(_metadata(page, conv))
    if conv.get("record"):
        parts.append(f"<h4>{_e(t['summary'])}</h4><p>{_e(conv['record'].get('summary'))}</p>")
        parts.append(
            page.answers(conv["record"].get("answers") or {}, page.form_for(meta, "record"))
        )
        parts.append(f"<h4>{_e(t['themes'])}</h4>")
        parts.append(page.themes(conv["record"].get("themes") or (), (meta or {}).get("cycle")))
    parts.append(f"<h4>{_e(t['agreements'])}</h4>")
    parts.append(page.table(conv["agreements"], ("text", "owner", "due", "status")))
    parts.append(f"<h4>{_e(t['preparations'])}</h4>")
    if not conv["preparations"]:
        parts.append(f"<p>{_e(t['none'])}</p>")
    form = page.form_for(meta, "preparation")
    for prep in conv["preparations"]:
        role = next(
            (
                p.get("role")
                for p in (meta or {}).get("participants", ())
                if p.get("person") == prep.get("author")
            ),
            None,
        )
        shared = (
            t["shared_on"].format(day=page.day(prep["published_at"]))
            if prep.get("published_at")
            else t["not_shared"]
        )
        who = _e(t["prepared_by"]).format(who=page.person(prep.get("author"), role))
        parts.append(f"<p><strong>{who}</strong>, {_e(shared)}</p>")
        parts.append(page.answers(prep.get("answers") or {}, form))
    for key, label, fields in (
        ("topics", "topics", ("author", "text", "theme")),
        ("dissents", "dissents", ("author", "text", "at")),
        ("responses", "responses", ("author", "about", "text", "at")),
        ("private_notes", "notes", ("author", "text", "at")),
    ):
        parts.append(f"<h4>{_e(t[label])}</h4>")
        parts.append(page.table(conv[key], fields))
    parts.append("</section>")
    return parts


def export_html(
    export: Mapping[str, Any],
    *,
    language: str = "nl",
    forms: Mapping[str, Any] | None = None,
    cycles: Mapping[str, Any] | None = None,
    zone: str = "Europe/Amsterdam",
) -> str:
    """A page an employee can read of a :func:`subject_access_export` result.

    *forms* (form id to ``FormDefinition``) and *cycles* (``id@version`` to
    ``CycleDefinition``) give the questions' labels, the options' words and the kinds' names;
    without them the answers are listed under their field ids made readable. Dates and times
    are written for readers of *language* in the time zone *zone*.
    """
    language = pick(language, _LABELS)  # fy → nl: the page says the language it is in
    page = _Page(language, forms or {}, cycles or {}, zone)
    t = page.t
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{language}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(t['title'])}</title><style>{_STYLE}</style></head><body><main>",
        f"<h1>{_e(t['title'])}</h1>",
        f"<p>{_e(t['intro'])}</p>",
        f"<p>{_e(t['person'])}: {_e(export['person'])}<br>"
        f"{_e(t['generated'])}: {_e(page.day(export['generated_at']))}</p>",
    ]
    hired = (export.get("employment") or {}).get("hired_on")
    if hired:
        parts.append(f"<p>{_e(t['employment'].format(day=page.day(hired)))}</p>")
    parts += [
        f"<h2>{_e(t['choices'])}</h2>",
        page.table(
            _choices(page, export["sharing_choices"]),
            ("to", "what", "purpose", "until", "granted_at", "revoked_at"),
        ),
        f"<h2>{_e(t['about'])}</h2>",
    ]
    if not export["conversations_about_you"]:
        parts.append(f"<p>{_e(t['none'])}</p>")
    for conv in export["conversations_about_you"]:
        parts += _conversation(page, conv)
    parts.append(f"<h2>{_e(t['goals'])}</h2>")
    if not export["goals"]:
        parts.append(f"<p>{_e(t['none'])}</p>")
    for goal in export["goals"]:
        facts = t["goal_facts"].format(
            status=word("state", goal["status"], language),
            theme=goal["theme"] or "-",
            agreed_in=goal["agreed_in"] or "-",
        )
        parts.append(f"<section><h3>{_e(goal['title'])}</h3><p>{_e(facts)}</p>")
        parts += page.goal_origin(goal)
        if goal["description"]:
            parts.append(f"<p>{_e(goal['description'])}</p>")
        parts.append(f"<h4>{_e(t['progress'])}</h4>")
        parts.append(page.table(goal["progress"], ("author", "text", "at")))
        parts.append("</section>")
    erased_goals = export.get("erased_goals") or ()
    if erased_goals:
        parts.append(f"<h2>{_e(t['erased_goals'])}</h2>")
    for goal in erased_goals:
        parts.append(f"<section><h3>{_e(t['goal'].format(id=goal['id']))}</h3>")
        parts += [_erased(page, goal["erased"]), "</section>"]
    parts.append(f"<h2>{_e(t['goals_work_on'])}</h2>")
    parts.append(page.table(export["goals_you_work_on"], ("id", "status")))
    parts.append(f"<h2>{_e(t['took_part'])}</h2>")
    parts.append(
        page.table(export["conversations_you_took_part_in"], ("id", "kind", "state", "held_on"))
    )
    parts.append(f"<h2>{_e(t['log'])}</h2>")
    parts.append(
        page.table(export["access_log"], ("at", "actor", "action", "object", "result", "purpose"))
    )
    parts.append("</main></body></html>")
    return "\n".join(parts)
