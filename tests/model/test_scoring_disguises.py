"""Ratings in other clothes, found by an outside review and a newcomer: each is refused naming
the field; the ordinary questions next to them stay accepted."""

from __future__ import annotations

from typing import Any

import pytest

from magcore.errors import DefinitionError, ScoringNotAllowedError
from magcore.forms import FormDefinition


def _form(schema: dict[str, Any], ui: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "id": "probe",
        "version": 1,
        "purpose": "record",
        "title": {"nl": "Verslag", "en": "Record"},
        "schema": {"type": "object", "properties": schema, **extra},
        "ui": {"fields": ui},
    }


def _choice(name: str, label: str, options: list[tuple[str, str]]) -> dict[str, Any]:
    return _form(
        {name: {"type": "string", "enum": [key for key, _ in options]}},
        {
            name: {
                "label": {"nl": label, "en": label},
                "options": {key: {"nl": text, "en": text} for key, text in options},
            }
        },
    )


def _number(name: str, label: str, unit: str, **bounds: Any) -> dict[str, Any]:
    return _form(
        {name: {"type": "integer", "x-magcore-unit": unit, **bounds}},
        {name: {"label": {"nl": label, "en": label}}},
    )


def _text(name: str, label: str, **rules: Any) -> dict[str, Any]:
    return _form({name: {"type": "string", **rules}}, {name: {"label": {"nl": label, "en": label}}})


REFUSED = {
    "low/middle/high": _choice(
        "potentieel", "Potentieel", [("h", "Hoog"), ("m", "Midden"), ("l", "Laag")]
    ),
    "low to excellent": _choice(
        "inzet", "Inzet", [("a", "laag"), ("b", "gemiddeld"), ("c", "hoog")]
    ),
    "numbers in words": _choice("inzet", "Inzet", [(k, k) for k in ("een", "twee", "drie")]),
    "school marks in words": _choice(
        "rapport", "Rapport", [("a", "Zes-"), ("b", "Zeven"), ("c", "Acht+")]
    ),
    "Roman numerals": _choice(
        "klasse", "Klasse", [(k.lower(), k) for k in ("I", "II", "III", "IV")]
    ),
    "letters shown": _choice("keuze", "Kies", [(k, k) for k in ("a", "b", "c", "d", "e")]),
    "A-player": _choice("type", "Type", [("a", "A-speler"), ("b", "B-speler"), ("c", "C-speler")]),
    "a place in a ranking": _choice("positie", "Positie", [("t", "Top 10%"), ("r", "De rest")]),
    "below/at/above par": _choice(
        "resultaat",
        "Resultaat",
        [("o", "Onder de maat"), ("n", "Op niveau"), ("b", "Boven de maat")],
    ),
    "satisfaction": _choice(
        "oordeelloos", "Beeld", [("z", "Zeer tevreden"), ("t", "Tevreden"), ("o", "Ontevreden")]
    ),
    "verdict": _choice(
        "eindbeeld", "Eindbeeld", [("p", "Positief"), ("n", "Neutraal"), ("x", "Negatief")]
    ),
    "other glyph stars": _choice(
        "waarde", "Waarde", [("a", "\u272a"), ("b", "\u272a\u272a"), ("c", "\u272a\u272a\u272a")]
    ),
    "check and cross": _choice("afgerond", "Afgerond", [("j", "\u2705"), ("n", "\u274c")]),
    "English words": _choice("jaar", "Year", [("a", "Stellar"), ("b", "Solid"), ("c", "Weak")]),
    "German words": _choice("jaar", "Jahr", [("a", "Sehr gut"), ("b", "Gut"), ("c", "Mangelhaft")]),
    "meets the requirements": _form(
        {"eisen": {"type": "boolean"}},
        {
            "eisen": {
                "label": {
                    "nl": "Voldoet de medewerker aan de eisen?",
                    "en": "Meets the requirements?",
                }
            }
        },
    ),
    "a pay step from the conversation": _form(
        {"stap": {"type": "boolean"}},
        {"stap": {"label": {"nl": "Periodiek toekennen", "en": "Grant the yearly step"}}},
    ),
    "a count from 1 to 5": _number("inzet", "Inzet", "count", minimum=1, maximum=5),
    "a count asking a degree": _number(
        "motivatie", "Hoe gemotiveerd ben je? (aantal)", "count", minimum=0
    ),
    "hours asking a degree": _number(
        "betrokken", "In hoeverre voel je je betrokken? (uren)", "hours"
    ),
    "letters in a pattern": _text("klasse", "Klasse", pattern="^[A-E]$"),
    "Roman numerals in a pattern": _text("klasse", "Klasse", pattern="^(I|II|III|IV|V)$"),
    "digits with spaces in a pattern": _text("cijfertje", "Getal", pattern="^(?:10|[1-9])\\s*$"),
    "Arabic-Indic digits in a pattern": _text("getal", "Getal", pattern="^[\u0661-\u0669]$"),
    "a text of one character": _text("teken", "Teken", maxLength=1),
    "titles of oneOf options": _form(
        {
            "x": {
                "type": "string",
                "oneOf": [{"const": "a", "title": "Slecht"}, {"const": "b", "title": "Goed"}],
            }
        },
        {
            "x": {
                "label": {"nl": "Het jaar", "en": "The year"},
                "options": {"a": {"nl": "a", "en": "a"}, "b": {"nl": "b", "en": "b"}},
            }
        },
    ),
}


@pytest.mark.parametrize("form", REFUSED.values(), ids=list(REFUSED))
def test_a_rating_in_other_clothes_is_refused_naming_the_field(form):
    with pytest.raises(ScoringNotAllowedError) as refused:
        FormDefinition.from_json(form, source="probe-plugin")
    assert refused.value.field.startswith(("/schema/properties/", "/ui/fields/"))
    assert "probe-plugin" in str(refused.value)


@pytest.mark.parametrize(
    ("keyword", "value", "pointer"),
    [
        (
            "patternProperties",
            {"^cijfer$": {"type": "integer"}},
            "/schema/patternProperties/^cijfer$",
        ),
        (
            "dependentSchemas",
            {"x": {"properties": {"score": {"type": "integer"}}}},
            "/schema/dependentSchemas/x/properties/score",
        ),
    ],
)
def test_a_score_behind_a_pattern_or_a_dependency_is_found(keyword, value, pointer):
    form = _text("x", "Toelichting")
    form["schema"][keyword] = value
    with pytest.raises(DefinitionError) as refused:
        FormDefinition.from_json(form)
    assert refused.value.pointer == pointer or getattr(refused.value, "field", "") == pointer


ACCEPTED = {
    "yes/no/maybe about a wish": _choice(
        "opleiding", "Wil je een opleiding?", [("j", "Ja"), ("n", "Nee"), ("m", "Misschien")]
    ),
    "option ids a, b, c with words": _choice(
        "plek", "Waar werk je het liefst?", [("a", "Thuis"), ("b", "Op kantoor"), ("c", "Beide")]
    ),
    "a count of courses": _number(
        "cursussen", "Aantal cursussen dit jaar", "count", minimum=0, maximum=10
    ),
    "how often, counted": _number(
        "overleg", "Hoe vaak had je overleg? (aantal keer)", "count", minimum=0
    ),
    "days a week from 1 to 5": _number(
        "dagen", "Hoeveel dagen per week wil je thuiswerken?", "days", minimum=1, maximum=5
    ),
    "a postcode": _text("postcode", "Postcode", pattern="^\\d{4} ?[A-Z]{2}$"),
    "a personnel number": _text("personeelsnummer", "Personeelsnummer", pattern="^\\d{6}$"),
    "a short text": _text("titel", "Titel van je plan", maxLength=80),
    "a text in capitals": _text("code", "Code van de cursus", pattern="^[A-Z]{2,}$"),
    # found by the review of the first version of these rules (false refusals)
    "a count that names what it counts": _number(
        "cursussen", "Gevolgde cursussen dit jaar", "count", minimum=0
    ),
    "how many, from 1 to 5": _number(
        "cursussen", "Hoeveel cursussen wil je volgen?", "count", minimum=1, maximum=5
    ),
    "a distance as a count": _number("afstand", "Hoe ver woon je van je werk (km)?", "count"),
    "a language code of two letters": _text("taal", "Voorkeurstaal (nl, en)", maxLength=2),
    "a team code of up to three capitals": _text("team", "Teamcode", pattern="^[A-Z]{1,3}$"),
}


@pytest.mark.parametrize("form", ACCEPTED.values(), ids=list(ACCEPTED))
def test_ordinary_questions_next_to_them_stay_accepted(form):
    FormDefinition.from_json(form)
