"""The regulation (regeling) and its approval by the works council and the executive.

:func:`render_regulation` turns a cycle definition, its forms, the declared legal bases, the
retention profile and the research threshold into a plain-language regulation in Dutch or
English: the kinds of conversation and their cadence, what is recorded, who sees what and when,
that no score is possible, how long things are kept and what researchers get. Its
:attr:`RenderedRegulation.hash` is the SHA-256 of the canonical JSON of everything the text is
rendered from, so any change to any of it changes the hash (the language does not).

Under WOR art. 27 the works council consents to such a regulation. An approval is an event
``policy.approved`` {version, hash, body, reference, date} in the stream ``cycle:<id>``. A
definition version is active only once every body it names in ``approvals_required`` has
approved its current hash; a change is a new version that needs the same. Conversations keep the
version they started under (their ``cycle`` field is ``id@version``).
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from ..domain.sharing import GRANTEE_ROLES
from ..errors import NotFoundError
from ..events import canonical_json
from ..extras import require
from ..i18n import Catalogue
from ..languages import DEFAULT_SETTINGS, LanguageSettings, pick
from ..model.cycle import CadenceKind, ConversationKind, CycleDefinition
from .decision import AGGREGATE_ONLY_ROLES, PRIVACY_OFFICER, LegalBasis
from .inventory import data_inventory
from .inventory_words import regulation_cells
from .observers import ContentNeed
from .processing import register_json, register_markdown
from .regulation_parties import party_lines, registered_roles, trigger_text
from .retention import BUILTIN_PROFILES, RetentionProfile
from .statistics import DEFAULT_K

__all__ = [
    "RenderedRegulation",
    "regulation_source",
    "render_policy",
    "render_regulation",
]


# -- what the text is rendered from ------------------------------------------------------------


def _field_label(forms: Mapping[str, Any], form_id: str, name: str, language: str) -> str:
    """How form *form_id* shows field *name* in *language*: the label of a form definition,
    else the JSON Schema's ``title``, else the name."""
    form = forms.get(form_id)
    lookup = getattr(form, "field", None)
    if callable(lookup):
        try:
            return str(lookup(name).label.get(language))
        except (KeyError, AttributeError):
            pass
    schema = getattr(form, "schema", form)
    field = (schema.get("properties") or {}).get(name) if isinstance(schema, Mapping) else None
    return str(field.get("title") or name) if isinstance(field, Mapping) else name


def _form_fields(forms: Mapping[str, Any]) -> dict[str, list[dict[str, str]]]:
    result: dict[str, list[dict[str, str]]] = {}
    for form_id, form in sorted(forms.items()):
        schema = getattr(form, "schema", form)
        fields = []
        for name, field in sorted((schema.get("properties") or {}).items()):
            if isinstance(field, Mapping):
                fields.append(
                    {
                        "name": name,
                        "title": str(field.get("title") or name),
                        "sensitivity": str(field.get("x-magcore-sensitivity") or "normal"),
                    }
                )
        result[form_id] = fields
    return result


def regulation_source(
    cycle: CycleDefinition,
    *,
    forms: Mapping[str, Any] | None = None,
    legal_bases: Sequence[LegalBasis] = (),
    profiles: Mapping[str, RetentionProfile] = BUILTIN_PROFILES,
    k: int = DEFAULT_K,
    observers: Mapping[str, Sequence[ContentNeed]] | None = None,
) -> dict[str, Any]:
    """Everything a regulation is rendered from, as plain JSON data (what the hash covers).

    *observers* maps a plugin to its content declarations (``magcore_declare_content``); when
    any plugin declares content, the declarations are part of the source, so the hash changes.
    """
    profile = profiles.get(cycle.retention_profile)
    if profile is None:
        raise NotFoundError(f"retention profile {cycle.retention_profile!r} is not registered")
    inventory = data_inventory(cycle, forms=forms, profiles=profiles, legal_bases=legal_bases)
    source: dict[str, Any] = {
        "cycle": cycle.to_json(),
        "forms": _form_fields(forms or {}),
        "legal_bases": sorted((b.to_json() for b in legal_bases), key=lambda b: str(b["name"])),
        "retention": profile.to_json(),
        "research_k": k,
        "sharing_roles": sorted(GRANTEE_ROLES),
        "aggregate_only_roles": sorted(AGGREGATE_ONLY_ROLES),
        "inventory": [row.to_json() for row in inventory],
        "processing_activities": register_json(),
    }
    declared = _observer_json(observers)
    if declared:
        source["observer_content"] = declared
    return source


def _observer_json(observers: Mapping[str, Sequence[ContentNeed]] | None) -> list[dict[str, Any]]:
    return [
        {"plugin": plugin, **need.to_json()}
        for plugin in sorted(observers or {})
        for need in sorted((observers or {})[plugin], key=lambda n: canonical_json(n.to_json()))
    ]


@attrs.frozen(kw_only=True)
class RenderedRegulation:
    """A rendered regulation: its text, its language and format, and the policy hash."""

    cycle: str
    version: int
    language: str
    format: str
    text: str
    hash: str


_T: Mapping[str, Mapping[str, str]] = {
    "nl": {
        "title": "Regeling gesprekscyclus",
        "version": "versie",
        "intro": "Deze regeling beschrijft hoe de gesprekken werken, wat we vastleggen, "
        "wie wat mag zien en hoe lang we het bewaren.",
        "kinds": "Soorten gesprekken en hoe vaak",
        "who_takes_part": "Wie doet mee",
        "who_starts": "Wie kan het gesprek aanvragen",
        "who_prepares": "Wie bereidt voor",
        "themes": "Thema's",
        "recorded": "Wat we vastleggen",
        "special": "Dit kan gezondheidsgegevens bevatten (bijzonder persoonsgegeven). "
        "Alleen de deelnemers zien dit, tenzij u zelf kiest om het te delen. "
        "Het staat nooit in HR-overzichten of onderzoeksgegevens.",
        "who_sees": "Wie ziet wat, en wanneer",
        "no_score": "Geen score",
        "no_score_text": "In deze gesprekken krijgt niemand een cijfer, score, beoordeling of "
        "rangorde. Het systeem kan dat niet vastleggen: een formulier met een score wordt "
        "geweigerd.",
        "retention": "Hoe lang we gegevens bewaren",
        "research": "Wat onderzoekers en de ondernemingsraad krijgen",
        "research_text": "Alleen tellingen over deelname (gehouden gesprekken, gemaakte "
        "afspraken) per team, afdeling en periode. Een telling over minder dan {k} mensen "
        "tonen we niet, en ook geen telling waaruit zo'n getal terug te rekenen is. "
        "Nooit de inhoud van gesprekken en nooit bijzondere persoonsgegevens.",
        "approval": "Instemming en vaststelling",
        "approval_text": "Deze versie geldt pas als deze organen haar hebben goedgekeurd: "
        "{bodies}. Gesprekken houden de versie waaronder ze begonnen.",
        "hash": "Kenmerk van deze regeling (SHA-256)",
        "cadence_free": "geen vaste planning; u spreekt samen af wanneer",
        "cadence_per_year": "minstens {n} keer per jaar",
        "cadence_interval": "elke {n} maanden",
        "cadence_after_hire": "na {first} maanden in dienst, daarna elke {n} maanden",
        "minutes": "ongeveer {n} minuten",
        "part": "Onderdeel",
        "readers": "Wie mag het zien",
        "field": "Gegeven",
        "category": "Soort",
        "purpose": "Doel",
        "sensitivity": "Gevoeligheid",
        "legal": "Wettelijke grondslagen",
        "legal_none": "Er zijn geen andere wettelijke grondslagen vastgelegd.",
        "observers": "Koppelingen die inhoud krijgen",
        "observers_none": "Koppelingen (plugins) horen alleen wat er gebeurde, wanneer en door "
        "wie; geen inhoud van gesprekken.",
        "roles": "Rollen die iets kunnen lezen",
    },
    "en": {
        "title": "Regulation for the conversation cycle",
        "version": "version",
        "intro": "This regulation describes how the conversations work, what we record, "
        "who may see what, and how long we keep it.",
        "kinds": "Kinds of conversation and how often",
        "who_takes_part": "Who takes part",
        "who_starts": "Who can ask for the conversation",
        "who_prepares": "Who prepares",
        "themes": "Themes",
        "recorded": "What we record",
        "special": "This may hold health data (special-category personal data). Only the "
        "participants see it, unless you choose to share it yourself. It never appears in HR "
        "overviews or research data.",
        "who_sees": "Who sees what, and when",
        "no_score": "No score",
        "no_score_text": "Nobody gets a grade, score, rating or rank in these conversations. "
        "The system cannot record one: a form with a score is refused.",
        "retention": "How long we keep data",
        "research": "What researchers and the works council get",
        "research_text": "Only counts about participation (conversations held, agreements "
        "made) per team, department and period. A count about fewer than {k} people is not "
        "shown, nor any count from which such a number could be worked out. Never the content "
        "of conversations and never special-category data.",
        "approval": "Consent and adoption",
        "approval_text": "This version applies only once these bodies have approved it: "
        "{bodies}. Conversations keep the version they started under.",
        "hash": "Fingerprint of this regulation (SHA-256)",
        "cadence_free": "no fixed schedule; you agree together when",
        "cadence_per_year": "at least {n} times a year",
        "cadence_interval": "every {n} months",
        "cadence_after_hire": "{first} months after joining, then every {n} months",
        "minutes": "about {n} minutes",
        "part": "Part",
        "readers": "Who may see it",
        "field": "Data",
        "category": "Kind",
        "purpose": "Purpose",
        "sensitivity": "Sensitivity",
        "legal": "Legal bases",
        "legal_none": "No other legal bases are declared.",
        "observers": "Connections that receive content",
        "observers_none": "Connections (plugins) hear only what happened, when and by whom; no "
        "content of conversations.",
        "roles": "Roles that can read something",
    },
}

_ROLE_NAMES: Mapping[str, Mapping[str, str]] = {
    "nl": {
        "employee": "medewerker",
        "manager": "leidinggevende",
        "peer": "collega",
        "coach": "coach",
        "team_member": "teamlid",
        "next_manager": "volgende leidinggevende",
        "hr_adviser": "HR-adviseur",
        "researcher": "onderzoeker",
        "works_council": "ondernemingsraad",
        "privacy_officer": "functionaris gegevensbescherming",
        "executive": "college van B&W",
    },
    "en": {
        "employee": "employee",
        "manager": "manager",
        "peer": "peer",
        "coach": "coach",
        "team_member": "team member",
        "next_manager": "next manager",
        "hr_adviser": "HR adviser",
        "researcher": "researcher",
        "works_council": "works council",
        "privacy_officer": "privacy officer",
        "executive": "municipal executive",
    },
}

_ACCESS_ROWS: Mapping[str, Sequence[tuple[str, str]]] = {
    "nl": (
        (
            "Verslag, afspraken, onderwerpen",
            "De deelnemers aan het gesprek. Anderen alleen als de medewerker dat zelf kiest "
            "(deelkeuze: voor wie, wat, waarvoor en tot wanneer; altijd in te trekken), of "
            "op grond van een wettelijke grondslag hieronder.",
        ),
        (
            "Voorbereiding",
            "Alleen wie haar schreef, tot zij haar deelt; daarna ook de andere deelnemers "
            "(als zij hun eigen voorbereiding ook hebben gedeeld, of na het gesprek). Ook "
            "bij een inzageverzoek ziet de medewerker de voorbereiding van de ander pas dan.",
        ),
        (
            "Privé-aantekening",
            "Alleen wie haar schreef. Niemand kan haar delen. Bij een inzageverzoek (AVG "
            "artikel 15) krijgt de medewerker over wie zij gaat haar wel te zien: wat iemand "
            "over een ander opschrijft, zijn persoonsgegevens van die ander (EDPB-richtsnoeren "
            "01/2022). Schrijf een aantekening dus zo dat de medewerker haar mag lezen.",
        ),
        (
            "Zienswijze en aantekening van onenigheid",
            "De deelnemers. Een correctie overschrijft nooit wat de ander schreef.",
        ),
        (
            "Nieuwe leidinggevende",
            "Ziet niets van eerdere gesprekken, ook niet de open afspraken die meegaan naar het "
            "nieuwe gesprek, tot de medewerker kiest wat meegaat (deelkeuze 'handover'; "
            "bijvoorbeeld open afspraken en doelen wel, aantekeningen niet).",
        ),
        (
            "Beperkt dossier (AVG artikel 18)",
            "Alleen de functionaris gegevensbescherming (privacy_officer).",
        ),
        (
            "Ondernemingsraad en onderzoekers",
            "Alleen tellingen over deelname, nooit inhoud.",
        ),
    ),
    "en": (
        (
            "Record, agreements, topics",
            "The participants in the conversation. Others only if the employee chooses so "
            "(a sharing choice: to whom, what, for which purpose and until when; revocable at "
            "any time), or under a legal basis listed below.",
        ),
        (
            "Preparation",
            "Only its author until they publish it; then also the other participants (once "
            "they have published their own, or after the conversation). A request for access "
            "shows the employee the other side's preparation only then, too.",
        ),
        (
            "Private note",
            "Only its author. Nobody can share it. When the employee it is about asks for "
            "access (GDPR article 15), they do get to see it: what someone writes about another "
            "person is that person's personal data (EDPB guidelines 01/2022). Write a note so "
            "that the employee may read it.",
        ),
        (
            "Response and note of disagreement",
            "The participants. A correction never overwrites what the other side wrote.",
        ),
        (
            "New manager",
            "Sees nothing of earlier conversations, not even the open agreements carried into "
            "the new conversation, until the employee chooses what carries over (a 'handover' "
            "sharing choice; for example open agreements and goals yes, notes no).",
        ),
        (
            "Restricted record (GDPR article 18)",
            "Only the privacy officer (privacy_officer).",
        ),
        (
            "Works council and researchers",
            "Only counts about participation, never content.",
        ),
    ),
}


def _cadence(kind: ConversationKind, t: Mapping[str, str]) -> str:
    c = kind.cadence
    match c.kind:
        case CadenceKind.FREE:
            return t["cadence_free"]
        case CadenceKind.PER_YEAR:
            return t["cadence_per_year"].format(n=c.per_year)
        case CadenceKind.INTERVAL:
            return t["cadence_interval"].format(n=c.every_months)
        case CadenceKind.ON_EVENT:
            return trigger_text(c, t["language"])
    return t["cadence_after_hire"].format(first=c.first_after_months, n=c.every_months)


def _role(role: str, language: str) -> str:
    name = _ROLE_NAMES[language].get(role, role)
    return f"{name} (`{role}`)"


def _markdown(
    cycle: CycleDefinition,
    source: Mapping[str, Any],
    legal_bases: Sequence[LegalBasis],
    profile: RetentionProfile,
    k: int,
    language: str,
    digest: str,
    field_label: Callable[[str, str], str] | None = None,
) -> str:
    t = {**_T[language], "language": language}

    def name(role: str, lang: str) -> str:
        registered = cycle.role(role)
        return f"{registered.name.get(lang)} (`{role}`)" if registered else _role(role, lang)

    out: list[str] = [
        f"# {t['title']}: {cycle.name.get(language)} ({t['version']} {cycle.version})",
        "",
        t["intro"],
        "",
    ]
    if cycle.description:
        out += [cycle.description.get(language), ""]
    out += [f"## {t['kinds']}", ""]
    for kind in cycle.kinds:
        out += [
            f"### {kind.name.get(language)} (`{kind.id}`)",
            "",
            f"- {_cadence(kind, t)}; {t['minutes'].format(n=kind.duration_minutes)}",
            *party_lines(kind, language, name),
            f"- {t['who_starts']}: " + ", ".join(name(r, language) for r in kind.initiators),
            f"- {t['who_prepares']}: "
            + (", ".join(name(r, language) for r in kind.preparers) or "-"),
        ]
        if kind.themes:
            out.append(f"- {t['themes']}: " + ", ".join(f"`{th}`" for th in kind.themes))
        out.append("")
    if cycle.themes:
        out += [f"### {t['themes']}", ""]
        for theme in cycle.themes:
            mark = f" — {t['special']}" if theme.special_category else ""
            out.append(f"- {theme.title.get(language)} (`{theme.id}`){mark}")
        out.append("")
    out += registered_roles(cycle, language)
    out += [
        f"## {t['recorded']}",
        "",
        f"| {t['field']} | {t['category']} | {t['purpose']} | {t['sensitivity']} |",
        "|---|---|---|---|",
    ]
    themes = {theme.id: theme.title.get(language) for theme in cycle.themes}
    for row in source["inventory"]:
        category, purpose, sensitivity = regulation_cells(
            row,
            language,
            theme_title=lambda i: themes.get(i, i),
            field_label=field_label,
        )
        cells = (f"`{row['field']}`", category, purpose, sensitivity)
        out.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    out.append("")
    special_fields = [
        f"`{form}/{f['name']}`"
        for form, fields in source["forms"].items()
        for f in fields
        if f["sensitivity"] == "special-category-risk"
    ]
    if special_fields:
        out += [", ".join(special_fields) + ": " + t["special"], ""]
    out += [f"## {t['who_sees']}", "", f"| {t['part']} | {t['readers']} |", "|---|---|"]
    for part, who in _ACCESS_ROWS[language]:
        out.append(f"| {part} | {who} |")
    out += ["", f"### {t['legal']}", ""]
    if legal_bases:
        for basis in sorted(legal_bases, key=lambda b: b.name):
            parts = ", ".join(sorted(p.value for p in basis.parts))
            role_list = ", ".join(_role(r, language) for r in sorted(basis.roles))
            out.append(
                f"- **{basis.name}** ({basis.article}): {role_list} — {parts}; "
                f"`{basis.purpose}`. {basis.description}".rstrip()
            )
    else:
        out.append(t["legal_none"])
    out += ["", f"### {t['observers']}", ""]
    declared = source.get("observer_content", [])
    for need in declared:
        out.append(
            f"- **{need['plugin']}**: "
            + ", ".join(f"`{f}`" for f in need["fields"])
            + " — "
            + ", ".join(f"`{e}`" for e in need["event_types"])
            + f"; {need['purpose']} ({need['basis']})"
        )
    if not declared:
        out.append(t["observers_none"])
    readers = {str(r) for kind in cycle.kinds for r in kind.roles}
    readers |= set(GRANTEE_ROLES) | {PRIVACY_OFFICER} | set(AGGREGATE_ONLY_ROLES)
    readers |= {r for b in legal_bases for r in b.roles}
    out += ["", f"### {t['roles']}", ""]
    out += [f"- {name(r, language)}" for r in sorted(readers)]
    out += ["", *register_markdown(language)]
    out += [
        f"## {t['no_score']}",
        "",
        t["no_score_text"],
        "",
        f"## {t['retention']}",
        "",
        f"{profile.title.get(language)} (`{profile.id}`; {profile.source}).",
        "",
        f"## {t['research']}",
        "",
        t["research_text"].format(k=k),
        "",
        f"## {t['approval']}",
        "",
        t["approval_text"].format(
            bodies=", ".join(_role(b, language) for b in cycle.approvals_required)
        ),
        "",
        f"{t['hash']}: `{digest}`",
        "",
    ]
    return "\n".join(out)


def _html(markdown: str, language: str) -> str:
    """The regulation's Markdown as a whole HTML page, rendered by ``markdown-it-py``
    (CommonMark with tables; raw HTML in the text is escaped, never passed through)."""
    require("html", feature="the regulation as HTML")
    from markdown_it import MarkdownIt

    renderer = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = renderer.parse(markdown)
    for token in tokens:
        if token.type == "th_open":  # every table of the regulation has one header row
            token.attrSet("scope", "col")
    body = renderer.renderer.render(tokens, renderer.options, {})
    title = html.escape(markdown.splitlines()[0].lstrip("# "))
    return (
        f'<!DOCTYPE html>\n<html lang="{language}"><head><meta charset="utf-8">'
        f"<title>{title}</title></head><body><main>\n{body}</main></body></html>"
    )


def render_regulation(
    cycle: CycleDefinition,
    *,
    language: str = "nl",
    format: str = "markdown",
    forms: Mapping[str, Any] | None = None,
    legal_bases: Sequence[LegalBasis] = (),
    profiles: Mapping[str, RetentionProfile] = BUILTIN_PROFILES,
    k: int = DEFAULT_K,
    observers: Mapping[str, Sequence[ContentNeed]] | None = None,
    languages: LanguageSettings = DEFAULT_SETTINGS,
    catalogue: Catalogue | None = None,
) -> RenderedRegulation:
    """Render the regulation for *cycle* in ``nl`` or ``en`` as ``markdown`` or ``html``; any
    other language tag falls back along *languages*' chain (``RenderedRegulation.language``
    says which one was used).

    *observers*: the plugins' content declarations (``Hooks.content_needs().by_plugin()``);
    they get a section of their own and are covered by the hash. *catalogue*: the cycle's
    catalogue, whose vocabulary replaces the default words (not covered by the hash: the words
    change, not the rules).
    """
    # The regulation's own words exist in Dutch and English: another language falls back
    # along the installation's chain, and the result names the language it is really in.
    language = pick(language, _T, languages)
    if format not in ("markdown", "html"):
        raise ValueError(f"format must be 'markdown' or 'html', not {format!r}")
    source = regulation_source(
        cycle, forms=forms, legal_bases=legal_bases, profiles=profiles, k=k, observers=observers
    )
    digest = hashlib.sha256(canonical_json(source).encode("utf-8")).hexdigest()
    profile = profiles[cycle.retention_profile]
    text = _markdown(
        cycle,
        source,
        legal_bases,
        profile,
        k,
        language,
        digest,
        field_label=lambda form_id, name: _field_label(forms or {}, form_id, name, language),
    )
    if catalogue is not None:  # the cycle's vocabulary ("inwoner", never "klant")
        text = catalogue.vocabulary(text, language)
    if format == "html":
        text = _html(text, language)
    return RenderedRegulation(
        cycle=cycle.id,
        version=cycle.version,
        language=language,
        format=format,
        text=text,
        hash=digest,
    )


#: The old name of :func:`render_regulation` (kept: it is in ``magcore.__all__``).
render_policy = render_regulation
