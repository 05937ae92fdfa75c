"""Ratings in other clothes, found by an outside review and a newcomer: each is refused naming
the field; the ordinary questions next to them stay accepted."""

from __future__ import annotations

from typing import Any

import pytest

from magcore.errors import DefinitionError, ScoringNotAllowedError
from magcore.forms import FormDefinition
from magcore.model.scoring import check_schema


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


# An attacker review (third session): a rank in the team, people sorted into classes, the
# nine-box grid's potential, marks in French and Spanish, degrees of attainment and a verdict on
# progress all passed.
PLACED = {
    "a place in the team, counted": _number(
        "plaats_in_team", "Plaats in het team", "count", minimum=1, maximum=30
    ),
    "a place in the department, asked": _number(
        "plek", "Op welke plek sta je binnen de afdeling?", "count", minimum=1, maximum=30
    ),
    "a position among peers": _number("n", "Position among your peers", "count", minimum=1),
    "places in an order": _choice(
        "positie",
        "Plaats in het team",
        [("b", "Bovenaan"), ("m", "In het midden"), ("o", "Onderaan")],
    ),
    "players": _choice(
        "type_medewerker",
        "Type medewerker",
        [("topper", "Topper"), ("middenmoter", "Middenmoter"), ("achterblijver", "Achterblijver")],
    ),
    "one class alone": _choice("typering", "Typering", [("a", "Uitblinker"), ("b", "Anders")]),
    "nine-box potential": _choice(
        "potentieel",
        "Potentieel",
        [("h", "Hoog potentieel"), ("g", "Groeipotentieel"), ("b", "Beperkt potentieel")],
    ),
    "high potential in English": _choice(
        "talent", "Talent", [("h", "High-potential"), ("n", "Not yet known")]
    ),
    "French marks": _choice(
        "bilan",
        "Bilan",
        [("a", "Très bien"), ("b", "Bien"), ("c", "Passable"), ("d", "Insuffisant")],
    ),
    "French marks without accents": _choice(
        "bilan", "Bilan", [("a", "Tres bien"), ("b", "Assez bien")]
    ),
    "Spanish marks": _choice(
        "evaluacion",
        "Evaluación",
        [("a", "Excelente"), ("b", "Bueno"), ("c", "Regular"), ("d", "Malo")],
    ),
    "goals met, by degree": _choice(
        "doelen",
        "Heb je je doelen behaald?",
        [("v", "Volledig"), ("g", "Grotendeels"), ("d", "Deels"), ("n", "Niet")],
    ),
    "degrees under a name that asks": _choice(
        "resultaat_gehaald", "Vraag", [(k, k) for k in ("volledig", "deels", "niet")]
    ),
    "goals met, in English": _choice(
        "goals", "Goals achieved?", [("f", "Fully"), ("p", "Partly"), ("n", "Not at all")]
    ),
    "a verdict on progress": _choice(
        "ontwikkeling",
        "Ontwikkeling",
        [("v", "Vooruitgang"), ("s", "Stilstand"), ("a", "Achteruitgang")],
    ),
    "progress in English": _choice(
        "trend", "This year", [("p", "Progress"), ("s", "Stagnation"), ("r", "Regression")]
    ),
}


@pytest.mark.parametrize("form", PLACED.values(), ids=list(PLACED))
def test_a_rank_a_class_or_a_verdict_of_the_person_is_refused(form):
    with pytest.raises(ScoringNotAllowedError) as refused:
        FormDefinition.from_json(form, source="probe-plugin")
    assert refused.value.field.startswith(("/schema/properties/", "/ui/fields/"))
    reason = str(refused.value)
    assert any(
        why in reason
        for why in ("place in a group", "classes", "potential", "grades", "degrees", "progress")
    ), reason


def _titled(name: str, title: str, **schema: Any) -> dict[str, Any]:
    return {"type": "object", "properties": {name: {"title": title, **schema}}}


@pytest.mark.parametrize(
    ("schema", "why"),
    [
        (
            _titled(
                "plek", "Plaats in het team", type="integer", minimum=1, maximum=30,
                **{"x-magcore-unit": "count"},
            ),
            "place in a group",
        ),
        (_titled("plaats_in_team", "Vraag", type="integer", **{"x-magcore-unit": "count"}), "name"),
        (_titled("t", "Vraag", type="string", enum=["topper", "middenmoter"]), "classes"),
        (
            _titled("t", "Vraag", type="string", enum=["hoog potentieel", "groeipotentieel"]),
            "potential",
        ),
        (_titled("x", "Vraag", type="string", enum=["très bien", "bien", "passable"]), "grades"),
        (
            _titled("doelen_behaald", "Vraag", type="string", enum=["volledig", "deels", "niet"]),
            "degrees",
        ),
        (
            _titled("x", "Vraag", type="string", enum=["vooruitgang", "stilstand", "terug"]),
            "progress",
        ),
    ],
)  # fmt: skip
def test_the_schema_alone_is_read_the_same_way(schema, why):
    with pytest.raises(ScoringNotAllowedError, match=why):
        check_schema(schema, source="t")


NOT_PLACED = {
    "how many in the team": _number(
        "teamleden", "Aantal teamleden", "count", minimum=1, maximum=30
    ),
    "the place of the conversation": _text("plaats", "Plaats van het gesprek", maxLength=80),
    "the room for the conversation": _choice(
        "ruimte", "Plaats van het gesprek", [("k", "Kantoor"), ("t", "Thuis"), ("o", "Online")]
    ),
    "your place in the team, in words": _text(
        "plek_in_team", "Wat is jouw plek in het team?", maxLength=500
    ),
    "a role in the team": _choice(
        "rol",
        "Welke rol heb je in het team?",
        [("l", "Teamlid"), ("c", "Coördinator"), ("t", "Teamleider")],
    ),
    "growth in free text": _text("groei", "Waar wil je in groeien?", maxLength=500),
    "potential in the person's own words": _text(
        "potentieel", "Welk potentieel zie je in jezelf?", maxLength=500
    ),
    "days working from home": _number(
        "thuiswerken", "Hoeveel dagen thuiswerken?", "days", minimum=1, maximum=5
    ),
    "working from home, by degree": _choice(
        "thuis", "Werk je thuis?", [("v", "Volledig"), ("d", "Deels"), ("n", "Niet")]
    ),
    "how the workload changed": _choice(
        "werkdruk",
        "Hoe is je werkdruk veranderd?",
        [("t", "Toegenomen"), ("g", "Gelijk gebleven"), ("a", "Afgenomen")],
    ),
    "goals to talk about": _choice(
        "doelen",
        "Welke doelen wil je bespreken?",
        [("v", "Vakkennis"), ("s", "Samenwerking"), ("g", "Gezondheid")],
    ),
    "regular meetings": _choice(
        "overleg", "Meetings", [("r", "Regular"), ("o", "Occasional"), ("n", "Never")]
    ),
    "a first and a second choice": _choice(
        "voorkeur", "Welke cursus heeft je voorkeur?", [("e", "Eerste"), ("t", "Tweede")]
    ),
}


@pytest.mark.parametrize("form", NOT_PLACED.values(), ids=list(NOT_PLACED))
def test_ordinary_questions_about_the_team_and_goals_stay_accepted(form):
    FormDefinition.from_json(form)
