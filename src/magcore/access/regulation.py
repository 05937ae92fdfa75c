"""The regulation (regeling) and its approval by the works council and the executive.

:func:`render_regulation` turns a cycle definition, its forms, the declared legal bases, the
retention profile and the research threshold into a plain-language regulation in Dutch or
English: the kinds of conversation and their cadence, what is recorded, who sees what and when
(for a cycle whose kinds carry a profile, also the profile from last time and the manager's
overview of profiles; for a kind that is special-category as a whole, that the whole
conversation is and what that means), that no score is possible, how long things are kept and
what researchers get. Its :attr:`RenderedRegulation.hash` is the SHA-256 of the canonical JSON
of everything the text is rendered from, so any change to any of it changes the hash (the
language does not).

Under WOR art. 27 the works council consents to such a regulation. An approval is an event
``policy.approved`` {version, hash, body, reference, date} in the stream ``cycle:<id>``. A
definition version is active only once every body it names in ``approvals_required`` has
approved its current hash; a change is a new version that needs the same. Conversations keep the
version they started under (their ``cycle`` field is ``id@version``).
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from ..domain.sharing import GRANTEE_ROLES
from ..errors import NotFoundError
from ..events import canonical_json
from ..extras import require
from ..i18n import DEFAULT_CATALOGUE, Catalogue, table
from ..languages import DEFAULT_SETTINGS, LanguageSettings, pick
from ..model.cycle import CadenceKind, ConversationKind, CycleDefinition
from ..model.text import Text
from .decision import AGGREGATE_ONLY_ROLES, LegalBasis, known_roles
from .inventory import data_inventory
from .inventory_words import CELL_LANGUAGES, regulation_cells
from .observers import ContentNeed
from .policy import SPECIAL_KIND_RULES
from .processing import register_json, register_markdown
from .profiles import PROFILE_ACCESS_RULES
from .regulation_parties import party_lines, registered_roles, trigger_text
from .retention import BUILTIN_PROFILES, RetentionProfile
from .statistics import DEFAULT_K, check_minimum

__all__ = [
    "RenderedRegulation",
    "regulation_source",
    "render_policy",
    "render_regulation",
]


# -- what the text is rendered from ------------------------------------------------------------


def _field_label(
    forms: Mapping[str, Any], form_id: str, name: str, say: Callable[[Text], str]
) -> str:
    """How form *form_id* shows field *name*: the label of a form definition (through *say*,
    so a label without the page's language is marked with its own), else the JSON Schema's
    ``title``, else the name."""
    form = forms.get(form_id)
    lookup = getattr(form, "field", None)
    if callable(lookup):
        try:
            label = lookup(name).label
        except KeyError:
            label = None
        if isinstance(label, Text):
            return say(label)
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
    *k* (the minimum group size of research data) may be above the regulation's
    :data:`~magcore.access.statistics.DEFAULT_K`, never below it
    (:class:`~magcore.access.statistics.MinimumGroupError`): reports never use less.
    """
    k = check_minimum(k)
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
    # The profiles themselves are in the cycle's JSON above; a cycle without one keeps its hash.
    if any(kind.profile is not None for kind in cycle.kinds):
        source["profile_access"] = dict(PROFILE_ACCESS_RULES)
    # Likewise the rules of a kind that is special-category as a whole, which the text states.
    if any(kind.special_category for kind in cycle.kinds):
        source["special_kind_access"] = dict(SPECIAL_KIND_RULES)
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


#: The regulation's own words per language (``locale/*/magcore.po``, ids ``regulation.*``).
_T: Mapping[str, Mapping[str, str]] = table("regulation")
_ROLE_NAMES: Mapping[str, Mapping[str, str]] = table("regulation.role")
_ACCESS: Mapping[str, Mapping[str, str]] = table("regulation.access")
#: The row of the table "who sees what" about the new manager (``regulation.access.4``).
_NEW_MANAGER_ROW = 4


def _access_rows(language: str, *, profiles: bool = False) -> list[tuple[str, str]]:
    """Who sees which part of a record (the table of the section "who sees what"); with
    *profiles* (a kind of the cycle carries one) also the profile from last time and the
    manager's overview of profiles, after the new manager's row."""
    words = _ACCESS[language]
    count = len({key.split(".")[0] for key in words})
    rows = [(words[f"{i}.part"], words[f"{i}.who"]) for i in range(count)]
    if profiles:
        t = _T[language]
        at = _NEW_MANAGER_ROW + 1
        rows[at:at] = [
            (t[f"profile_access.{way}.part"], t[f"profile_access.{way}.who"])
            for way in ("carried", "overview")
        ]
    return rows


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


def _profile_line(
    kind: ConversationKind,
    t: Mapping[str, str],
    field_label: Callable[[str, str], str] | None,
) -> str:
    """The line of a kind that carries a profile: its id, its fields (by their labels where
    the form is known) and where they are read."""
    profile = kind.profile
    assert profile is not None
    source = profile.source.value
    form_id = kind.preparation_form if source == "preparation" else kind.record_form

    def field(name: str) -> str:
        label = field_label(form_id or "", name) if field_label is not None else name
        return f"`{name}`" if label == name else f"{label} (`{name}`)"

    return t["profile_line"].format(
        profile=f"`{profile.id}`",
        fields=", ".join(field(name) for name in profile.fields),
        source=t[f"profile_source.{source}"],
    )


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
    say: Callable[[Text], str],
    field_label: Callable[[str, str], str] | None = None,
) -> str:
    t = {**_T[language], "language": language}

    def name(role: str, lang: str) -> str:
        registered = cycle.role(role)
        return f"{say(registered.name)} (`{role}`)" if registered else _role(role, lang)

    out: list[str] = [
        f"# {t['title']}: {say(cycle.name)} ({t['version']} {cycle.version})",
        "",
        t["intro"],
        "",
    ]
    if cycle.description:
        out += [say(cycle.description), ""]
    out += [f"## {t['kinds']}", ""]
    for kind in cycle.kinds:
        out += [
            f"### {say(kind.name)} (`{kind.id}`)",
            "",
            f"- {_cadence(kind, t)}; {t['minutes'].format(n=kind.duration_minutes)}",
            *party_lines(kind, language, name, say),
            f"- {t['who_starts']}: " + ", ".join(name(r, language) for r in kind.initiators),
            f"- {t['who_prepares']}: "
            + (", ".join(name(r, language) for r in kind.preparers) or "-"),
        ]
        if kind.themes:
            out.append(f"- {t['themes']}: " + ", ".join(f"`{th}`" for th in kind.themes))
        if kind.profile is not None:
            out.append("- " + _profile_line(kind, t, field_label))
        if kind.special_category:
            out.append(f"- **{t['special_kind_title']}** {t['special_kind']}")
        out.append("")
    if cycle.themes:
        out += [f"### {t['themes']}", ""]
        for theme in cycle.themes:
            mark = f" — {t['special']}" if theme.special_category else ""
            out.append(f"- {say(theme.title)} (`{theme.id}`){mark}")
        out.append("")
    out += registered_roles(cycle, language, say)
    out += [
        f"## {t['recorded']}",
        "",
        f"| {t['field']} | {t['category']} | {t['purpose']} | {t['sensitivity']} |",
        "|---|---|---|---|",
    ]
    themes = {theme.id: say(theme.title) for theme in cycle.themes}
    for row in source["inventory"]:
        category, purpose, sensitivity = regulation_cells(
            row,
            language,
            theme_title=lambda i: themes.get(i, i),
            field_label=field_label,
        )
        if language not in CELL_LANGUAGES:  # English, and the page says so
            category, purpose, sensitivity = (
                f'<span lang="en">{c}</span>' for c in (category, purpose, sensitivity)
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
    for part, who in _access_rows(language, profiles="profile_access" in source):
        out.append(f"| {part} | {who} |")
    out += ["", f"### {t['legal']}", ""]
    if legal_bases:
        for basis in sorted(legal_bases, key=lambda b: b.name):
            parts = ", ".join(sorted(p.value for p in basis.parts))
            role_list = ", ".join(name(r, language) for r in sorted(basis.roles))
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
    readers = {str(r) for kind in cycle.kinds for r in kind.roles} | known_roles(legal_bases)
    out += ["", f"### {t['roles']}", ""]
    out += [f"- {name(r, language)}" for r in sorted(readers)]
    out += ["", *register_markdown(language, say)]
    out += [
        f"## {t['no_score']}",
        "",
        t["no_score_text"],
        "",
        f"## {t['retention']}",
        "",
        f"{say(profile.title)} (`{profile.id}`; {profile.source}).",
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


def _sayer(
    catalogue: Catalogue, language: str, languages: LanguageSettings
) -> Callable[[Text], str]:
    """How a text of the data (a kind's name, a plugin's role) is written in the regulation: in
    *language* where it or a catalogue has it, else in the first language of the chain that
    does, marked with its own ``lang`` (``<span lang="nl">``, inline HTML in the Markdown) so
    the page never claims a Dutch text is Frisian."""
    chain = languages.chain(language)

    def say(text: Text) -> str:
        own = text.texts()
        for tag in chain:
            found = own.get(tag) or catalogue.texts.get(tag, {}).get(text.en)
            if found:
                return found if tag == language else f'<span lang="{tag}">{found}</span>'
        return text.nl  # pragma: no cover - every chain ends in nl and en

    return say


_SPAN = re.compile(r'<span lang="([A-Za-z0-9-]+)">(.*?)</span>')
_SENTINELS = "\ue000\ue001\ue002"
_MARKED = re.compile("\ue000([A-Za-z0-9-]+)\ue001(.*?)\ue002", re.S)


def _html(markdown: str, language: str) -> str:
    """The regulation's Markdown as a whole HTML page, rendered by ``markdown-it-py``
    (CommonMark with tables; raw HTML in the text is escaped, never passed through)."""
    require("html", feature="the regulation as HTML")
    from markdown_it import MarkdownIt

    # The data's texts in another language are marked ``<span lang="..">`` in the Markdown
    # (see _sayer): they pass markdown-it as private-use sentinels and become spans again.
    cleaned = markdown.translate(dict.fromkeys(map(ord, _SENTINELS), "\ufffd"))
    marked = _SPAN.sub(lambda m: f"\ue000{m[1]}\ue001{m[2]}\ue002", cleaned)
    renderer = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = renderer.parse(marked)
    for token in tokens:
        if token.type == "th_open":  # every table of the regulation has one header row
            token.attrSet("scope", "col")
    body = renderer.renderer.render(tokens, renderer.options, {})
    body = _MARKED.sub(lambda m: f'<span lang="{m[1]}">{m[2]}</span>', body)
    title = html.escape(_SPAN.sub(r"\2", markdown.splitlines()[0].lstrip("# ")))
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
    """Render the regulation for *cycle* in ``nl``, ``en`` or ``fy`` as ``markdown`` or
    ``html``; any other language tag falls back along *languages*' chain
    (``RenderedRegulation.language`` says which one was used). A text of the data that is not
    in that language (a plugin's kind name without Frisian) is shown in the first language of
    the chain that has it, inside ``<span lang="...">``.

    *observers*: the plugins' content declarations (``Hooks.content_needs().by_plugin()``);
    they get a section of their own and are covered by the hash. *catalogue*: the cycle's
    catalogue, whose vocabulary replaces the default words (not covered by the hash: the words
    change, not the rules).
    """
    # The regulation's own words exist in Dutch, English and Frisian: another language falls
    # back along the installation's chain, and the result names the language it is really in.
    language = pick(language, _T, languages)
    if format not in ("markdown", "html"):
        raise ValueError(f"format must be 'markdown' or 'html', not {format!r}")
    source = regulation_source(
        cycle, forms=forms, legal_bases=legal_bases, profiles=profiles, k=k, observers=observers
    )
    digest = hashlib.sha256(canonical_json(source).encode("utf-8")).hexdigest()
    profile = profiles[cycle.retention_profile]
    say = _sayer(catalogue or DEFAULT_CATALOGUE, language, languages)
    text = _markdown(
        cycle,
        source,
        legal_bases,
        profile,
        k,
        language,
        digest,
        say,
        field_label=lambda form_id, name: _field_label(forms or {}, form_id, name, say),
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
