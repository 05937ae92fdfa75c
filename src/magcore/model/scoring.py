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
   (beginner/gevorderd/expert, onbewust onbekwaam ... onbewust bekwaam) is refused, and so is an
   ordered judgement scale in other clothes: traffic lights (rood/oranje/groen), medals
   (brons/zilver/goud), a plus-minus scale (--/-/+/++) or emoji faces.
4. **A judgement of the person**: a field whose answer is picked (a choice, a yes/no, a
   number) named after how well the person performs or whether they are fit for something
   (prestatie, functioneren, promotie, geschikt, naar behoren, performance, appraisal,
   suitable ...; a field answered in the person's own words is a question, not a judgement),
   an option id so named, and any text people read (a label, an option text, a theme prompt,
   a vocabulary word) that judges the person (beoordelingsgesprek, prestatiegesprek,
   appraisal, klaar voor promotie, "functioneert de medewerker naar behoren", "the employee's
   performance" ...). Words that also name a topic do not count alone in a text ("Presteren en
   functioneren", "Hoe functioneert de samenwerking?", "Werkt je apparatuur naar behoren?",
   "Wat was je mooiste prestatie?", "Wil je promotie maken?").
5. **A number in disguise**: a text field whose ``pattern`` admits only short numbers
   (``^(10|[1-9])$``, ``^\\d+$``; one that admits no number of one or two digits, a personnel
   number ``^\\d{6}$``, is fine),
   and a number (even with a unit) whose label describes a scale of quality
   ("1 = slecht, 10 = uitstekend", "1: slecht", "Hoe tevreden ben je ...").

6. **A person placed among others** (:mod:`magcore.model.scoring_persons`): a number asking
   for a place in a group ("Plaats in het team"), people sorted into classes (topper /
   middenmoter / achterblijver) or by potential (hoog potentieel, groeipotentieel), a verdict
   on progress (vooruitgang / stilstand / achteruitgang), degrees (volledig / deels / niet)
   for whether goals were achieved. Rule 3's grades are read without accents too (très bien).

Competences, talents and profiles are welcome as *topics* (a theme, a list of talents in the
employee's own words); a *level* of one (``competence_level``, ``talentniveau``, a choice of
mastery levels) rates the person and is refused like any score.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from ..errors import ScoringNotAllowedError
from .scoring_persons import class_reason, rank_reason, schema_picked_reason
from .scoring_text import _choice_text, _fold, _plain, _texts, _tokens, _words
from .scoring_words import (
    _ANCHOR,
    _COMPOUND_PARTS,
    _COUNTING,
    _DEGREE_QUESTION,
    _DIGIT_PATTERN,
    _FACE,
    _GRADE_WORDS,
    _INTENSITY,
    _JUDGEMENT_NAME_PHRASES,
    _JUDGEMENT_NAME_WORDS,
    _JUDGEMENT_PARTS,
    _JUDGEMENT_PHRASES,
    _JUDGEMENT_TEXT_PARTS,
    _JUDGEMENT_WORDS,
    _LETTER,
    _LETTER_GRADE,
    _LETTER_PLAYER,
    _LEVEL_WORDS,
    _MEDALS,
    _NEUTRAL_MIDDLE,
    _NUMBER_WORD,
    _NUMBERED,
    _NUMERIC_TEXT,
    _PLUS_MINUS,
    _QUALITY_PHRASES,
    _RANK_SHARE,
    _ROMAN,
    _SCALE_LABEL,
    _SCALE_WIDGETS,
    _SQUASHED_PARTS,
    _STARS,
    _STRONG_GRADES,
    _TRAFFIC_LIGHTS,
    _WHOLE_WORDS,
    UNITS,
)

__all__ = [
    "UNITS",
    "bounded_count_reason",
    "check_definition",
    "check_schema",
    "check_vocabulary",
    "find_scoring",
    "grade_reason",
    "is_judgement_name",
    "is_scoring_name",
    "judgement_reason",
    "label_reason",
    "number_label_reason",
    "pattern_reason",
]


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


def _judges(text: str, *, name: bool) -> str | None:
    """The word or phrase in *text* that judges the person (in a *name*, the name-only words
    count too), or ``None``."""
    words = _words(text)
    for token in words.split():
        if token in _JUDGEMENT_WORDS or (name and token in _JUDGEMENT_NAME_WORDS):
            return token
        for part in _JUDGEMENT_PARTS if name else _JUDGEMENT_TEXT_PARTS:
            if part in token:
                return token
    for phrase in _JUDGEMENT_NAME_PHRASES if name else _JUDGEMENT_PHRASES:
        if f" {phrase} " in words:
            return phrase
    return None


@functools.lru_cache(maxsize=8192)
def is_judgement_name(name: str) -> bool:
    """Whether *name* (a field name or an option id) judges how well the person performs or
    whether they are fit for something: ``functioneren``, ``geschikt_voor_promotie``,
    ``functioneert_naar_behoren``, ``performance``."""
    return _judges(name, name=True) is not None


def judgement_reason(text: str, *, what: str = "label") -> str | None:
    """Why a text people read judges the person (naar behoren, klaar voor promotie, appraisal
    ...), or ``None``. *Functioneren*, *geschikt*, *prestatie* and *promotie* alone name a
    topic in a text."""
    found = _judges(text, name=False)
    if found is None:
        return None
    return f"has the {what} {text!r}, which judges the person ({found!r})"


def pattern_reason(pattern: str) -> str | None:
    """Why a text field's ``pattern`` makes it a number or a grade in disguise, or ``None``:
    it admits a mark (a number of one or two digits, a letter A-E, a Roman numeral I-V) and no
    ordinary words."""
    has_digit = any(c.isdigit() for c in pattern) or "\\d" in pattern
    if has_digit and _DIGIT_PATTERN.match(pattern.replace(" ", "")) and _small_numbers(pattern):
        return (
            f"has the pattern {pattern!r}, which admits only digits: a number in disguise "
            "(ask for a quantity as a number with x-magcore-unit)"
        )
    try:
        compiled = re.compile(pattern)
    except re.error:
        return None
    if any(compiled.search(text) for text in _ORDINARY_TEXTS):
        return None  # it takes words: whatever else it admits, people write in it
    for what, samples, enough in _MARK_SAMPLES:
        if sum(1 for sample in samples if compiled.search(sample)) >= enough:
            return (
                f"has the pattern {pattern!r}, which admits {what} and no words: a grade in "
                "disguise (ask it in words)"
            )
    return None


#: Texts people write in an ordinary answer: a pattern that admits one of them takes words.
_ORDINARY_TEXTS = (
    "Ik wil graag een cursus volgen.",
    "cursus",
    "CURSUS",
    "Cursus",
    "ja",
    # short codes a form may ask for (a team, a department, a language): not grades
    "HR",
    "ICT",
    "nl",
    "NL",
)
#: Marks a scale is made of, and how many a pattern must admit to be one.
_MARK_SAMPLES = (
    (
        "numbers of one or two digits",
        ("1", "3", "5", "7", "10", "5 ", " 5", "\u0661", "\u0663", "\u0665", "\uff11", "\uff15"),
        2,
    ),
    ("letters as grades", ("A", "B", "C", "D", "E", "a", "b", "c", "d", "e"), 3),
    ("Roman numerals", ("I", "II", "III", "IV", "V", "i", "ii", "iii", "iv", "v"), 3),
)


def _small_numbers(pattern: str) -> bool:
    """Whether *pattern* admits a number of one or two digits, as a scale's steps are (a
    pattern of six digits, a personnel number, does not: it names, it does not rate)."""
    try:
        compiled = re.compile(pattern)
    except re.error:
        return True
    return any(compiled.fullmatch(sample) for sample in ("1", "3", "5", "7", "10"))


def number_label_reason(text: str) -> str | None:
    """Why the label of a number describes a scale of quality ("1 = slecht, 10 = uitstekend",
    "Hoe tevreden ben je ..."), or asks for a place in a group ("Plaats in het team"), or
    ``None``: a quantity with a unit counts, it does not rate."""
    ranked = rank_reason(_words(text), text)
    if ranked:
        return ranked
    if _ANCHOR.search(_fold(text)):
        return f"has the label {text!r}, which pins numbers to words like the ends of a scale"
    words = _words(text)
    for phrase in _QUALITY_PHRASES:
        if f" {phrase} " in words:
            return f"has the label {text!r}, which describes a scale of quality ({phrase!r})"
    degree = _DEGREE_QUESTION.search(" ".join(words.split()))
    if degree:
        return (
            f"has the label {text!r}, which asks for a degree ({degree.group(0)!r}): a number "
            "for it is a scale (ask it in words)"
        )
    return None


def bounded_count_reason(schema: Mapping[str, Any], labels: Sequence[str]) -> str | None:
    """Why a number with the unit ``count`` and the label texts *labels* is a scale in
    disguise, or ``None``: one that runs from 1 (or more) to 10 (or less) and whose label does
    not ask how many of something ("Inzet", 1 to 5) is a mark; "Hoeveel cursussen wil je
    volgen?" from 1 to 5 counts."""
    low, high = schema.get("minimum"), schema.get("maximum")
    if isinstance(low, bool) or isinstance(high, bool):
        return None
    if not (isinstance(low, int | float) and isinstance(high, int | float)):
        return None
    if low < 1 or high > 10 or any(_COUNTING.search(_fold(text)) for text in labels):
        return None
    return (
        f"is a count from {low} to {high} whose label does not ask how many of something: it "
        "reads as a scale (ask 'Hoeveel ...?' / 'How many ...?', or ask it in words)"
    )


def label_reason(text: str, *, what: str = "label") -> str | None:
    """Why a label people read (a title, a question, an option text) asks for a score."""
    shown = _fold(text)  # what a reader sees, in Latin letters
    if is_scoring_name(text):
        return f"has the {what} {text!r}, which names a score"
    if _SCALE_LABEL.search(shown):
        return f"has the {what} {text!r}, which asks for a number on a scale"
    if _STARS.match(_choice_text(text)):
        return f"has the {what} {text!r}, which asks for stars"
    if len(_ANCHOR.findall(shown)) >= 2:
        return f"has the {what} {text!r}, which pins numbers to words like the ends of a scale"
    return judgement_reason(text, what=what)


def grade_reason(values: Sequence[Any]) -> str | None:
    """Why the choices *values* (ids, or the option texts in one language) read as an ordered
    grade, or ``None``."""
    return _grade_values(values)


#: Option texts that read as an ordered grade: what matches, how many options must match, and
#: the reason (``{}``: the options found), checked in this order.
_CHOICE_RULES: tuple[tuple[Callable[[str], object], int, str], ...] = (
    (_GRADE_WORDS.__contains__, 2, "offers grades as choices ({})"),
    (_STRONG_GRADES.__contains__, 1, "offers a grade as a choice ({})"),
    (_LEVEL_WORDS.__contains__, 2, "offers levels of mastery as choices ({}), a rating"),
    (
        _TRAFFIC_LIGHTS.__contains__,
        2,
        "offers traffic lights as choices ({}), an ordered judgement",
    ),
    (_MEDALS.__contains__, 2, "offers medals as choices ({}), an ordered judgement"),
    (_INTENSITY.__contains__, 2, "offers an ordered scale as choices ({}), a rating"),
    (_NUMBER_WORD.match, 2, "offers numbers in words as choices ({}), a scale"),
    (_ROMAN.match, 3, "offers Roman numerals as choices ({}), a scale"),
    (_LETTER_PLAYER.match, 2, "sorts people by letter ({}), a rating"),
    (_RANK_SHARE.search, 1, "offers a place in a ranking as a choice ({})"),
)


def _grade_values(values: Sequence[Any], *, ids: bool = False) -> str | None:
    """Return why *values* look like an ordered grade, or ``None``. *ids* are option ids
    (``a``, ``b``, ``c`` name options there; shown as texts they are letter grades)."""
    texts = [_choice_text(v) for v in values if isinstance(v, str)]
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    if numbers:
        return f"offers numbers {numbers[:5]} as choices, which reads as a scale"
    plain = [_plain(t) for t in texts]  # "très bien" is read as "tres bien" too
    for matches, enough, reason in _CHOICE_RULES:
        found = [t for t, p in zip(texts, plain, strict=True) if matches(t) or matches(p)]
        if len(found) >= enough:
            return reason.format(", ".join(found[:5]))
    classed = class_reason(plain)
    if classed:
        return classed
    signs = [t for t in texts if _PLUS_MINUS.match(t) or t in _NEUTRAL_MIDDLE]
    if len(signs) >= 2 and any(_PLUS_MINUS.match(t) for t in signs):
        return f"offers a plus-minus scale as choices ({', '.join(signs[:5])})"
    faces = [
        v for v in values if isinstance(v, str) and _FACE.match(_fold(v).replace(" ", "").lower())
    ]
    if len(faces) >= 2:
        return f"offers faces as choices ({', '.join(faces[:5])}), an ordered judgement"
    symbols = [
        v for v in values if isinstance(v, str) and v.strip() and not any(c.isalnum() for c in v)
    ]
    if len(symbols) >= 2:
        return (
            f"offers symbols as choices ({', '.join(symbols[:5])}), which read as a judgement "
            "scale: write the options in words"
        )
    judging = [t for t in texts if _judges(t, name=False)]
    if judging:
        return f"offers a judgement of the person as a choice ({', '.join(judging[:5])})"
    stars = [t for t in texts if _STARS.match(t)]
    if stars:
        return f"offers stars as choices ({', '.join(stars[:5])})"
    letters = [v for v in values if isinstance(v, str) and _LETTER_GRADE.match(_fold(v).strip())]
    if len(letters) < 3 and not ids:
        letters = [t for t in texts if _LETTER.match(t)]
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
        for shown in _texts(schema.get("title"), schema.get("x-magcore-label")):
            if ranked := rank_reason(_words(shown), shown):
                yield pointer, ranked
    if type_set and type_set <= {"string", "null"} and "enum" not in schema:
        longest = schema.get("maxLength")
        if isinstance(longest, int) and not isinstance(longest, bool) and longest <= 1:
            yield (
                pointer,
                f"is a text of at most {longest} character, which holds a mark or a grade, not "
                "words (ask it in words)",
            )
    pattern = schema.get("pattern")
    if isinstance(pattern, str) and type_set <= {"string", "null"}:
        reason = pattern_reason(pattern)
        if reason:
            yield pointer, reason
    widget = schema.get("x-magcore-widget")
    if isinstance(widget, str) and widget.lower() in _SCALE_WIDGETS:
        yield pointer, f"uses the {widget!r} widget, which asks for a score"
    for choice_key in ("enum", "examples"):
        values = schema.get(choice_key)
        if choice_key == "enum" and isinstance(values, Sequence) and not isinstance(values, str):
            reason = _grade_values(list(values), ids=True)
            if reason:
                yield pointer, reason
    for combinator in ("oneOf", "anyOf"):
        options = schema.get(combinator)
        if isinstance(options, Sequence) and not isinstance(options, str):
            consts = [o.get("const") for o in options if isinstance(o, Mapping) and "const" in o]
            reason = _grade_values(consts, ids=True) if consts else None
            if reason:
                yield pointer, reason
            titles = _option_titles(options)
            reason = next(filter(None, (_grade_values(t) for t in titles)), None)
            if reason:
                yield pointer, f"{reason} in its titles"
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
            elif is_judgement_name(str(name)) and _answer_is_picked(sub):
                yield (
                    child,
                    (
                        "is named like a judgement of the person (how well they perform, whether "
                        "they are fit for something)"
                    ),
                )
            elif isinstance(sub, Mapping) and (picked := schema_picked_reason(str(name), sub)):
                yield child, picked
            yield from _schema_problems(sub, child)
    patterned = schema.get("patternProperties")
    if isinstance(patterned, Mapping):
        for name, sub in patterned.items():
            child = f"{pointer}/patternProperties/{name}"
            if is_scoring_name(str(name)):
                yield child, "is named like a score, rating, grade or rank"
            yield from _schema_problems(sub, child)
    dependent = schema.get("dependentSchemas")
    if isinstance(dependent, Mapping):
        for name, sub in dependent.items():
            yield from _schema_problems(sub, f"{pointer}/dependentSchemas/{name}")
    for key in (
        "items",
        "additionalProperties",
        "unevaluatedProperties",
        "unevaluatedItems",
        "propertyNames",
        "contains",
        "not",
        "if",
        "then",
        "else",
    ):
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


def _option_titles(options: Sequence[Any]) -> list[list[str]]:
    """The titles of ``oneOf``/``anyOf`` options, one list per language (a title is one text
    or a text per language)."""
    by_language: dict[str, list[str]] = {}
    for option in options:
        title = option.get("title") if isinstance(option, Mapping) else None
        texts = title.items() if isinstance(title, Mapping) else [("", title)]
        for language, text in texts:
            if isinstance(text, str):
                by_language.setdefault(str(language), []).append(text)
    return list(by_language.values())


def _answer_is_picked(schema: Any) -> bool:
    """Whether a field's answer is picked rather than written: a choice, a yes/no, a number
    (or a list of those). A field named ``functioneren`` or ``mooiste_prestatie`` that the
    person answers in their own words is a question about their work, not a judgement; one
    with a choice of answers (or a checkbox ``functioneert_naar_behoren``) rates them."""
    if not isinstance(schema, Mapping):
        return True
    types = schema.get("type")
    type_set = {types} if isinstance(types, str) else set(types or ())
    if type_set & {"boolean", "number", "integer"} or not type_set:
        return True
    if any(key in schema for key in ("enum", "const", "oneOf", "anyOf")):
        return True
    if "array" in type_set:
        return _answer_is_picked(schema.get("items", {}))
    return False  # a text (a pattern is judged on its own) or an object of its own fields


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
                    elif isinstance(text, str) and (reason := judgement_reason(text, what="value")):
                        yield child, reason
            if key == "prompts" and isinstance(value, list | tuple):
                # A theme's prompts are read aloud in the conversation: the label rules apply.
                for index, prompt in enumerate(value):
                    texts = prompt.values() if isinstance(prompt, Mapping) else (prompt,)
                    for text in texts:
                        reason = (
                            label_reason(text, what="prompt") if isinstance(text, str) else None
                        )
                        if reason:
                            yield f"{child}/{index}", reason
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


def check_vocabulary(vocabulary: Mapping[str, str], *, source: str | None = None) -> None:
    """Raise :class:`ScoringNotAllowedError` for the first vocabulary word that would name a score
    or judge the person: a bundle ``{"gesprek": "beoordelingsgesprek"}`` turns every "gesprek" in
    the texts people read into an appraisal, so the words it puts in are read like labels."""
    for key, word in vocabulary.items():
        reason = label_reason(word, what="word") if isinstance(word, str) else None
        if reason:
            raise ScoringNotAllowedError(f"/vocabulary/{key}", reason, source=source)
