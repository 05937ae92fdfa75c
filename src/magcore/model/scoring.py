"""The scoring-free rule, enforced on every definition and form that enters magcore.

Why: MAG and the cycles built on magcore hold conversations without an assessment score
(*geen beoordelingsscore*). A score invites ranking people, turns a two-sided conversation into a
one-sided judgement, and becomes data about a person that others want to read. So magcore does
not merely leave scores out: it refuses any definition that would add one.

What counts as a score (each rule names the field at fault in :class:`ScoringNotAllowedError`):

1. **A name that says so**: a field, kind or option called score, rating, grade, rank, stars,
   points, appraisal, beoordeling, cijfer, (eind)oordeel, waardering-as-rating, KPI,
   functioneringsniveau, prestatie-indicator and their compounds, in an id or in the Dutch or
   English text of a name or title.
2. **A numeric scale**: a number or integer field is allowed only as a *quantity* with a declared
   unit (``"x-magcore-unit": "hours"``); a number without a unit, a list of allowed numbers, or a
   scale/slider/likert/stars widget reads as a scale and is refused.
3. **An ordered grade**: a choice whose options are grades (onvoldoende/voldoende/goed,
   poor/good/excellent, "meets expectations", A-E, "1"-"10") or levels of mastery
   (beginner/gevorderd/expert, onbewust onbekwaam ... onbewust bekwaam) is refused.

Competences, talents and profiles are welcome as *topics* (a theme, a list of talents in the
employee's own words); a *level* of one (``competence_level``, ``talentniveau``, a choice of
mastery levels) rates the person and is refused like any score.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ..errors import ScoringNotAllowedError

__all__ = [
    "UNITS",
    "check_definition",
    "check_schema",
    "find_scoring",
    "grade_reason",
    "is_scoring_name",
    "label_reason",
]

#: Units a number may carry: quantities about time and counts, never about a person's worth.
UNITS = frozenset(
    {"minutes", "hours", "days", "weeks", "months", "years", "count", "year", "euro", "fte"}
)

_WHOLE_WORDS = frozenset(
    {
        "score",
        "scores",
        "scored",
        "scoring",
        "rating",
        "ratings",
        "rate",
        "rated",
        "grade",
        "grades",
        "graded",
        "grading",
        "rank",
        "ranks",
        "ranked",
        "ranking",
        "rankings",
        "stars",
        "star",
        "points",
        "appraisal",
        "appraisals",
        "oordeel",
        "eindoordeel",
        "waardering",
        "sterren",
        "punten",
        "cijfer",
        "cijfers",
        "stanine",
        "percentile",
        "percentiel",
        "ninebox",
        "nine-box",
        "9box",
        "9-box",
        "beoordeling",
        "beoordelingen",
        "kpi",
        "kpis",
        # Frisian
        "beoardieling",
        "beoardielingen",
        "sifer",
        "sifers",
        "skoare",
        "skoares",
    }
)
# Multi-word terms that rate how well a person performs, matched in the name with its separators
# removed ("prestatie-indicator", "Functioneringsniveau"). "functioneringsgesprek" stays allowed.
_SQUASHED_PARTS = (
    "functioneringsniveau",
    "prestatieniveau",
    "prestatieindicator",
    "performanceindicator",
    "performancelevel",
    # A level on a competence, a talent or a profile places the person on a scale: the
    # competence or talent itself is a topic to talk about, its level is a rating.
    "competencelevel",
    "competentieniveau",
    "competencyniveau",
    "competencylevel",
    "skilllevel",
    "vaardigheidsniveau",
    "talentlevel",
    "talentniveau",
    "beheersingsniveau",
    "proficiency",
    "masterylevel",
    "profilelevel",
    "profielniveau",
    "groeiniveau",
    "growthlevel",
)
# Dutch compounds are written as one word: "beoordelingsscore", "functioneringscijfer".
_COMPOUND_PARTS = ("score", "beoordel", "cijfer", "eindoordeel")

_GRADE_WORDS = frozenset(
    {
        "onvoldoende",
        "voldoende",
        "ruim voldoende",
        "goed",
        "zeer goed",
        "uitstekend",
        "matig",
        "slecht",
        "zwak",
        "sterk",
        "excellent",
        "very good",
        "good",
        "fair",
        "poor",
        "bad",
        "satisfactory",
        "unsatisfactory",
        "insufficient",
        "sufficient",
        "outstanding",
        "meets expectations",
        "exceeds expectations",
        "below expectations",
        "above expectations",
        "voldoet",
        "voldoet niet",
        "voldoet ruim",
        "boven verwachting",
        "onder verwachting",
        "naar verwachting",
        "low performer",
        "high performer",
        "top performer",
        # Frisian
        "foldwaande",
        "\u00fbnfoldwaande",
        "rom foldwaande",
        "tige goed",
        "treflik",
        "matich",
        "swak",
        "boppe ferwachting",
        "\u00fbnder ferwachting",
        "neffens ferwachting",
    }
)
# Phrases that grade how well a person performs even as the only option offered.
_STRONG_GRADES = frozenset(
    {
        "onvoldoende",
        "ruim voldoende",
        "unsatisfactory",
        "meets expectations",
        "exceeds expectations",
        "below expectations",
        "above expectations",
        "voldoet niet",
        "voldoet ruim",
        "boven verwachting",
        "onder verwachting",
        "naar verwachting",
        "conform verwachting",
        "volgens verwachting",
        "low performer",
        "high performer",
        "top performer",
        "\u00fbnfoldwaande",
        "rom foldwaande",
        "boppe ferwachting",
        "\u00fbnder ferwachting",
        "neffens ferwachting",
    }
)
# Ordered levels of mastery: two or more of them as a choice place a person on a scale (of a
# competence, a talent, a profile), however kindly worded.
_LEVEL_WORDS = frozenset(
    {
        "beginner",
        "beginnend",
        "starter",
        "gevorderd",
        "gevorderde",
        "ervaren",
        "expert",
        "meester",
        "novice",
        "intermediate",
        "advanced",
        "proficient",
        "master",
        "onbekwaam",
        "bekwaam",
        "vakbekwaam",
        "zeer bekwaam",
        "onbewust onbekwaam",
        "bewust onbekwaam",
        "bewust bekwaam",
        "onbewust bekwaam",
        "in ontwikkeling",
        "ontwikkeld",
        "developing",
        "competent",
        "niveau 1",
        "niveau 2",
        "niveau 3",
        "level 1",
        "level 2",
        "level 3",
    }
)
_STARS = re.compile(r"^([\u2605\u2606\u2b50*]+|\d+\s*(ster|sterren|star|stars))$")
_NUMBERED = re.compile(r"^\d+([.,]\d+)?\s*(\(|[-\u2013:=]|$)")
# A label that asks for a number on a scale: "Tevredenheid (1-5)", "op een schaal van 1 tot 10".
_SCALE_LABEL = re.compile(
    r"\(\s*\d+\s*[-\u2013]\s*\d+\s*\)"
    r"|\b(schaal|scale)\s+(van\s+|of\s+|from\s+)?\d+\s*([-\u2013]|tot|to)\s*\d+",
    re.IGNORECASE,
)
_LETTER_GRADE = re.compile(r"^[A-F][+-]?$")
_NUMERIC_TEXT = re.compile(r"^\s*\d+([.,]\d+)?\s*$")
_SCALE_WIDGETS = frozenset({"scale", "slider", "likert", "stars", "rating", "range", "score"})
_TOKEN_SPLIT = re.compile(r"[^0-9a-z]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _tokens(name: str) -> list[str]:
    return [t for t in _TOKEN_SPLIT.split(_CAMEL.sub("_", name).lower()) if t]


@functools.lru_cache(maxsize=8192)
def is_scoring_name(name: str) -> bool:
    """Whether *name* (an id, field name or label) names a score, rating, grade or rank."""
    # Cached: a pure function of *name*, asked for every label of every form and cycle the
    # plugins ship (the same labels again when the plugin host loads what a package checked).
    tokens = _tokens(name)
    squashed = "".join(tokens)
    if squashed in _WHOLE_WORDS or squashed in {"ninebox", "9box"}:
        return True
    if any(part in squashed for part in _SQUASHED_PARTS):
        return True
    for token in tokens:
        if token in _WHOLE_WORDS:
            return True
        for part in _COMPOUND_PARTS:
            if part in token:
                return True
    return False


def _choice_text(value: str) -> str:
    """An option id or text as people read it: ``boven_verwachting`` -> ``boven verwachting``."""
    spaced = re.sub(r"[_\s]+|(?<=[a-z])-(?=[a-z])", " ", _CAMEL.sub(" ", value.strip()))
    return spaced.lower().strip(" .!?:;")


def label_reason(text: str, *, what: str = "label") -> str | None:
    """Why a label people read (a title, a question, an option text) asks for a score."""
    if is_scoring_name(text):
        return f"has the {what} {text!r}, which names a score"
    if _SCALE_LABEL.search(text):
        return f"has the {what} {text!r}, which asks for a number on a scale"
    if _STARS.match(_choice_text(text)):
        return f"has the {what} {text!r}, which asks for stars"
    return None


def grade_reason(values: Sequence[Any]) -> str | None:
    """Why the choices *values* (ids, or the option texts in one language) read as an ordered
    grade, or ``None``."""
    return _grade_values(values)


def _grade_values(values: Sequence[Any]) -> str | None:
    """Return why *values* look like an ordered grade, or ``None``."""
    texts = [_choice_text(v) for v in values if isinstance(v, str)]
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    if numbers:
        return f"offers numbers {numbers[:5]} as choices, which reads as a scale"
    graded = [t for t in texts if t in _GRADE_WORDS]
    if len(graded) >= 2:
        return f"offers grades as choices ({', '.join(graded[:5])})"
    strong = [t for t in texts if t in _STRONG_GRADES]
    if strong:
        return f"offers a grade as a choice ({', '.join(strong[:5])})"
    levels = [t for t in texts if t in _LEVEL_WORDS]
    if len(levels) >= 2:
        return f"offers levels of mastery as choices ({', '.join(levels[:5])}), a rating"
    stars = [t for t in texts if _STARS.match(t)]
    if stars:
        return f"offers stars as choices ({', '.join(stars[:5])})"
    letters = [v for v in values if isinstance(v, str) and _LETTER_GRADE.match(v.strip())]
    if len(letters) >= 3:
        return f"offers letter grades as choices ({', '.join(letters[:5])})"
    numeric = [t for t in texts if _NUMERIC_TEXT.match(t) or _NUMBERED.match(t)]
    if len(numeric) >= 2 and len(numeric) == len(texts):
        return f"offers numbers {numeric[:5]} as choices, which reads as a scale"
    return None


def _schema_problems(schema: Any, pointer: str) -> Iterator[tuple[str, str]]:
    """Walk a JSON Schema (2020-12) and yield (pointer, reason) for every scoring construct."""
    if not isinstance(schema, Mapping):
        return
    types = schema.get("type")
    type_set = {types} if isinstance(types, str) else set(types or ())
    if type_set & {"number", "integer"}:
        unit = schema.get("x-magcore-unit")
        if unit not in UNITS:
            yield (
                pointer,
                "is a number without a unit (x-magcore-unit: one of "
                f"{', '.join(sorted(UNITS))}), which reads as a scale",
            )
    widget = schema.get("x-magcore-widget")
    if isinstance(widget, str) and widget.lower() in _SCALE_WIDGETS:
        yield pointer, f"uses the {widget!r} widget, which asks for a score"
    for choice_key in ("enum", "examples"):
        values = schema.get(choice_key)
        if choice_key == "enum" and isinstance(values, Sequence) and not isinstance(values, str):
            reason = _grade_values(list(values))
            if reason:
                yield pointer, reason
    for combinator in ("oneOf", "anyOf"):
        options = schema.get(combinator)
        if isinstance(options, Sequence) and not isinstance(options, str):
            consts = [o.get("const") for o in options if isinstance(o, Mapping) and "const" in o]
            reason = _grade_values(consts) if consts else None
            if reason:
                yield pointer, reason
            for index, option in enumerate(options):
                yield from _schema_problems(option, f"{pointer}/{combinator}/{index}")
    for key in ("title", "x-magcore-label"):
        label = schema.get(key)
        texts = label.values() if isinstance(label, Mapping) else (label,)
        for text in texts:
            reason = label_reason(text) if isinstance(text, str) else None
            if reason:
                yield pointer, reason
    properties = schema.get("properties")
    if isinstance(properties, Mapping):
        for name, sub in properties.items():
            child = f"{pointer}/properties/{name}"
            if is_scoring_name(str(name)):
                yield child, "is named like a score, rating, grade or rank"
            yield from _schema_problems(sub, child)
    for key in ("items", "additionalProperties", "contains", "not", "if", "then", "else"):
        if isinstance(schema.get(key), Mapping):
            yield from _schema_problems(schema[key], f"{pointer}/{key}")
    for key in ("prefixItems", "allOf"):
        subs = schema.get(key)
        if isinstance(subs, Sequence) and not isinstance(subs, str):
            for index, sub in enumerate(subs):
                yield from _schema_problems(sub, f"{pointer}/{key}/{index}")
    for key in ("$defs", "definitions"):
        defs = schema.get(key)
        if isinstance(defs, Mapping):
            for name, sub in defs.items():
                yield from _schema_problems(sub, f"{pointer}/{key}/{name}")


def _document_problems(document: Any, pointer: str) -> Iterator[tuple[str, str]]:
    """Walk any plain document: keys and ids that name a score; embedded JSON Schemas."""
    if isinstance(document, Mapping):
        if "properties" in document or document.get("type") in ("object", "number", "integer"):
            yield from _schema_problems(document, pointer)
            return
        for key, value in document.items():
            child = f"{pointer}/{key}"
            if is_scoring_name(str(key)):
                yield child, "is named like a score, rating, grade or rank"
            if key in ("id", "name", "kind", "title"):
                # A name is one text or a text per language ({"nl": ..., "en": ...}).
                texts = value.values() if isinstance(value, Mapping) else (value,)
                for text in texts:
                    if isinstance(text, str) and is_scoring_name(text):
                        yield child, f"has the value {text!r}, which names a score"
            yield from _document_problems(value, child)
    elif isinstance(document, list | tuple):
        for index, value in enumerate(document):
            yield from _document_problems(value, f"{pointer}/{index}")


def find_scoring(document: Any) -> list[tuple[str, str]]:
    """Every (JSON pointer, reason) in *document* that would introduce a score."""
    return list(_document_problems(document, ""))


def check_schema(schema: Mapping[str, Any], *, source: str | None = None) -> None:
    """Raise :class:`ScoringNotAllowedError` for the first scoring construct in a form schema."""
    for pointer, reason in _schema_problems(schema, ""):
        raise ScoringNotAllowedError(pointer or "/", reason, source=source)


def check_definition(document: Any, *, source: str | None = None) -> None:
    """Raise :class:`ScoringNotAllowedError` for the first scoring construct in a definition."""
    for pointer, reason in _document_problems(document, ""):
        raise ScoringNotAllowedError(pointer or "/", reason, source=source)
