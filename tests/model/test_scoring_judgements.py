"""The scoring guard refuses a rating in disguise: a judgement of the person in a name or a
text, an ordered judgement scale as options (traffic lights, medals, plus-minus, faces), a
pattern that admits only digits, a number whose label describes a scale of quality, a theme
prompt and a vocabulary word that ask for a grade. Ordinary questions stay accepted."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from magcore import (
    CycleDefinition,
    FormDefinition,
    ScoringNotAllowedError,
    get_plugin_manager,
    hookimpl,
)
from magcore.i18n import MessageBundle
from magcore.model.scoring import (
    UNITS,
    check_schema,
    grade_reason,
    is_judgement_name,
    is_scoring_name,
    label_reason,
    number_label_reason,
    pattern_reason,
)
from magcore.model.text import Text
from magcore.model.themes import Theme


def _form(
    properties: dict[str, Any],
    *,
    labels: dict[str, dict[str, str]] | None = None,
    options: dict[str, dict[str, dict[str, str]]] | None = None,
) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name in properties:
        fields[name] = {"label": (labels or {}).get(name, {"nl": "Vraag", "en": "Question"})}
        if name in (options or {}):
            fields[name]["options"] = (options or {})[name]
    return {
        "id": "probe",
        "version": 1,
        "purpose": "preparation",
        "title": {"nl": "Voorbereiding", "en": "Preparation"},
        "schema": {"type": "object", "properties": properties},
        "ui": {"fields": fields},
    }


def _choice(name: str, values: list[str]) -> dict[str, Any]:
    return _form(
        {name: {"type": "string", "enum": values}},
        options={name: {v: {"nl": v, "en": v} for v in values}},
    )


REFUSED_FORMS = {
    "traffic light on functioneren": _choice("functioneren", ["rood", "oranje", "groen"]),
    "traffic light, neutral name": _choice("kleur", ["rood", "oranje", "groen"]),
    "medals on prestatie": _choice("prestatie", ["brons", "zilver", "goud"]),
    "medals, neutral name": _choice("uitkomst", ["brons", "zilver", "goud"]),
    "plus-minus": _choice("resultaat", ["--", "-", "+", "++"]),
    "plus-minus with a middle": _choice("resultaat", ["-", "0", "+"]),
    "emoji faces": _choice("gevoel_over_medewerker", ["\U0001f61e", "\U0001f610", "\U0001f60a"]),
    "thumbs": _choice("reactie", ["\U0001f44d", "\U0001f44e"]),
    "voldoende/onvoldoende": _choice("uitkomst", ["voldoende", "onvoldoende"]),
    "goed/matig/slecht": _choice("uitkomst", ["goed", "matig", "slecht"]),
    "suitable for promotion": _choice("geschikt_voor_promotie", ["ja", "nee", "misschien"]),
    "judging option ids": _choice("uitkomst", ["geschikt", "ongeschikt", "twijfel"]),
    "digits pattern": _form({"x": {"type": "string", "pattern": "^(10|[1-9])$"}}),
    "digits pattern with \\d": _form({"x": {"type": "string", "pattern": "^\\d{1,2}$"}}),
    "decimal grade pattern": _form({"x": {"type": "string", "pattern": "^[1-9]([.,]5)?$"}}),
    "boolean judgement": _form({"functioneert_naar_behoren": {"type": "boolean"}}),
    "performance checkbox": _form({"performance": {"type": "boolean"}}),
    "hours named after prestatie": _form(
        {"prestatie_uren": {"type": "number", "x-magcore-unit": "hours"}}
    ),
    "count labelled as a scale": _form(
        {
            "tevredenheid": {
                "type": "integer",
                "minimum": 1,
                "maximum": 10,
                "x-magcore-unit": "count",
            }
        },
        labels={
            "tevredenheid": {
                "nl": "Hoe tevreden ben je over de medewerker (1 = slecht, 10 = uitstekend)?",
                "en": "How satisfied are you with the employee (1 = poor, 10 = excellent)?",
            }
        },
    ),
    "count with one anchor": _form(
        {"x": {"type": "integer", "x-magcore-unit": "count"}},
        labels={"x": {"nl": "Aantal (10 = top)", "en": "Number (10 = top)"}},
    ),
    "count asking how satisfied": _form(
        {"x": {"type": "integer", "x-magcore-unit": "count"}},
        labels={"x": {"nl": "Hoe tevreden ben je?", "en": "How satisfied are you?"}},
    ),
    "label judging the person": _form(
        {"x": {"type": "string"}},
        labels={
            "x": {
                "nl": "Functioneert de medewerker naar behoren?",
                "en": "Does the employee perform to standard?",
            }
        },
    ),
    "label about promotion": _form(
        {"x": {"type": "boolean"}},
        labels={"x": {"nl": "Klaar voor promotie?", "en": "Ready for promotion?"}},
    ),
    "option text judging the person": _form(
        {"x": {"type": "string", "enum": ["a", "b"]}},
        options={
            "x": {
                "a": {"nl": "Functioneert naar behoren", "en": "Performs as expected"},
                "b": {"nl": "Anders", "en": "Something else"},
            }
        },
    ),
}


@pytest.mark.parametrize("form", REFUSED_FORMS.values(), ids=list(REFUSED_FORMS))
def test_a_rating_in_disguise_is_refused_naming_the_field(form):
    with pytest.raises(ScoringNotAllowedError) as caught:
        FormDefinition.from_json(form, source="probe-plugin")
    assert caught.value.field.startswith(("/schema/properties/", "/ui/fields/"))
    assert "probe-plugin" in str(caught.value)


ACCEPTED_FORMS = {
    "hours for learning": _form(
        {"uren": {"type": "number", "minimum": 0, "x-magcore-unit": "hours"}},
        labels={
            "uren": {
                "nl": "Hoeveel uur per maand wil je aan leren besteden?",
                "en": "How many hours a month for learning?",
            }
        },
    ),
    "a date": _form({"datum": {"type": "string", "format": "date"}}),
    "yes/no about a wish": _form(
        {"opleiding": {"type": "boolean"}},
        labels={"opleiding": {"nl": "Wil je een opleiding volgen?", "en": "Do you want training?"}},
    ),
    "ja/nee/misschien about a wish": _choice("opleiding_volgen", ["ja", "nee", "misschien"]),
    "a postcode pattern": _form({"postcode": {"type": "string", "pattern": "^\\d{4} ?[A-Z]{2}$"}}),
    "a personnel number pattern": _form(
        {"personeelsnummer": {"type": "string", "pattern": "^\\d{6}$"}}
    ),
    "a proudest achievement and a career wish": _form(
        {"mooiste_prestatie": {"type": "string"}, "promotie": {"type": "string"}},
        labels={
            "mooiste_prestatie": {
                "nl": "Wat was je mooiste prestatie dit jaar?",
                "en": "What are you proudest of this year?",
            },
            "promotie": {"nl": "Wil je promotie maken?", "en": "Do you want a promotion?"},
        },
    ),
    "a theme topic choice": _form(
        {"thema": {"type": "string", "enum": ["presteren_en_functioneren", "vitality"]}},
        options={
            "thema": {
                "presteren_en_functioneren": {
                    "nl": "Presteren en functioneren",
                    "en": "Performing",
                },
                "vitality": {"nl": "Vitaliteit", "en": "Vitality"},
            }
        },
    ),
    "a reflective question": _form(
        {"terugblik": {"type": "string", "maxLength": 2000}},
        labels={
            "terugblik": {
                "nl": "Hoe kijk je terug op je eigen functioneren?",
                "en": "How do you look back on your work?",
            }
        },
    ),
    "two colours only as options with other words": _choice("plek", ["binnen", "buiten"]),
}


@pytest.mark.parametrize("form", ACCEPTED_FORMS.values(), ids=list(ACCEPTED_FORMS))
def test_ordinary_questions_stay_accepted(form):
    FormDefinition.from_json(form)


@pytest.mark.parametrize(
    "values",
    [
        ["rood", "groen"],
        ["red", "amber", "green"],
        ["\U0001f534", "\U0001f7e1", "\U0001f7e2"],
        ["goud", "zilver"],
        ["gold", "silver", "bronze"],
        ["++", "+", "-"],
        ["+", "-"],
        [":-(", ":-|", ":-)"],
        ["\u2639\ufe0f", "\U0001f642"],
        ["Functioneert naar behoren", "Iets anders"],
    ],
)
def test_ordered_judgement_scales_read_as_grades(values):
    assert grade_reason(values) is not None


@pytest.mark.parametrize(
    "values",
    [
        ["ja", "nee"],
        ["ja", "nee", "misschien"],
        ["binnen", "buiten"],
        ["Presteren en functioneren", "Vitaliteit"],
        ["thuis", "op kantoor", "hybride"],
        ["+"],
    ],
)
def test_ordinary_choices_are_no_grades(values):
    assert grade_reason(values) is None


@given(
    lights=st.lists(
        st.sampled_from(["rood", "oranje", "geel", "groen", "Red", "AMBER", "green"]),
        min_size=2,
        max_size=4,
        unique_by=str.lower,
    ),
    medals=st.lists(
        st.sampled_from(["brons", "zilver", "goud", "Bronze", "Silver", "Gold"]),
        min_size=2,
        max_size=3,
        unique_by=str.lower,
    ),
    signs=st.lists(
        st.sampled_from(["--", "-", "0", "+", "++", "+/-"]), min_size=2, max_size=5, unique=True
    ).filter(lambda s: any(x not in ("0", "+/-") for x in s)),
)
def test_property_judgement_scales_in_any_order_are_refused(lights, medals, signs):
    for values in (lights, medals, signs):
        schema = {"type": "object", "properties": {"x": {"type": "string", "enum": values}}}
        with pytest.raises(ScoringNotAllowedError):
            check_schema(schema)


JUDGEMENT_NAMES = [
    "prestatie",
    "functioneren",
    "beoordeling",
    "beoordelingsgesprek",
    "promotie",
    "geschikt",
    "naar_behoren",
    "performance",
    "appraisal",
    "rating",
    "suitable",
    "promotable",
]


@given(
    word=st.sampled_from(JUDGEMENT_NAMES),
    before=st.sampled_from(["", "mijn_", "team_", "x_"]),
    after=st.sampled_from(["", "_nu", "_2026", "_tekst"]),
)
def test_property_a_field_named_after_a_judgement_is_refused(word, before, after):
    name = f"{before}{word}{after}"
    for picked in (
        {"type": "boolean"},
        {"type": "string", "enum": ["a", "b"]},
        {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}},
    ):
        schema = {"type": "object", "properties": {name: picked}}
        with pytest.raises(ScoringNotAllowedError) as caught:
            check_schema(schema)
        assert caught.value.field == f"/properties/{name}"
    # answered in the person's own words, it is a question about their work, not a judgement
    # (a name that says score, rating or appraisal is refused whatever the field holds)
    if not is_scoring_name(name):
        check_schema({"type": "object", "properties": {name: {"type": "string", "maxLength": 9}}})


@given(
    unit=st.sampled_from(sorted(UNITS)),
    name=st.sampled_from(["uren_leren", "dagen_verlof", "aantal_cursussen", "budget"]),
    label=st.sampled_from(
        [
            "How many hours a month for learning?",
            "Hoeveel dagen wil je thuiswerken?",
            "Aantal cursussen dit jaar",
        ]
    ),
)
def test_property_quantities_with_a_unit_stay_accepted(unit, name, label):
    form = _form(
        {name: {"type": "number", "minimum": 0, "x-magcore-unit": unit}},
        labels={name: {"nl": label, "en": label}},
    )
    FormDefinition.from_json(form)


@pytest.mark.parametrize(
    ("name", "judges"),
    [
        ("geschikt_voor_promotie", True),
        ("functioneertNaarBehoren", True),
        ("prestatiegesprek", True),
        ("performanceReview", True),
        ("functioneringsgesprek", False),
        ("presteren_en_functioneren", True),
        ("performing", False),
        ("opleiding_volgen", False),
        ("werkdruk", False),
    ],
)
def test_judgement_names(name, judges):
    assert is_judgement_name(name) is judges


@pytest.mark.parametrize(
    ("pattern", "digits"),
    [
        ("^(10|[1-9])$", True),
        ("^\\d+$", True),
        ("^[0-9]{1,2}$", True),
        ("^(?:[1-5])$", True),
        ("^\\d{4} ?[A-Z]{2}$", False),
        ("^[a-z]+$", False),
        ("^NL\\d{2}$", False),
        ("employee_manager", False),
    ],
)
def test_digit_only_patterns(pattern, digits):
    assert (pattern_reason(pattern) is not None) is digits


def _cycle(**theme: Any) -> dict[str, Any]:
    return {
        "id": "c",
        "version": 1,
        "name": {"nl": "Gesprek", "en": "Conversation"},
        "themes": [
            {
                "id": "t",
                "title": {"nl": "Werk", "en": "Work"},
                "prompts": [{"nl": "Hoe gaat het?", "en": "How is it going?"}],
                **theme,
            }
        ],
        "kinds": [
            {
                "id": "yearly",
                "name": {"nl": "Jaargesprek", "en": "Yearly"},
                "pattern": "employee_manager",
                "cadence": {"kind": "per_year", "per_year": 1},
                "initiators": ["employee"],
                "preparers": ["employee"],
                "themes": ["t"],
            }
        ],
    }


@pytest.mark.parametrize(
    "prompt",
    [
        {"nl": "Geef de medewerker een cijfer van 1 tot 10.", "en": "Give a grade from 1 to 10."},
        {"nl": "Is de medewerker klaar voor promotie?", "en": "Ready for promotion?"},
        {"nl": "Functioneert de medewerker naar behoren?", "en": "Does it go well?"},
        {"nl": "Hoe ging het?", "en": "How was the employee's performance?"},
    ],
)
def test_a_theme_prompt_that_grades_or_judges_is_refused(prompt):
    with pytest.raises(ScoringNotAllowedError) as caught:
        CycleDefinition.from_json(_cycle(prompts=[prompt]), source="probe-plugin")
    assert caught.value.field == "/themes/0/prompts/0"


def test_ordinary_prompts_and_the_mag_theme_title_stay_accepted():
    CycleDefinition.from_json(
        _cycle(
            title={"nl": "Presteren en functioneren", "en": "Performing"},
            prompts=[
                {"nl": "Wil je een opleiding volgen?", "en": "Do you want to take a course?"},
                {"nl": "Waar ben je trots op?", "en": "What are you proud of?"},
            ],
        )
    )


def test_a_kind_named_after_a_performance_review_is_refused():
    cycle = _cycle()
    cycle["kinds"][0]["name"] = {"nl": "Prestatiegesprek", "en": "Yearly"}
    with pytest.raises(ScoringNotAllowedError, match="prestatiegesprek"):
        CycleDefinition.from_json(cycle)


def _host(**hooks: Any) -> Any:
    plugin = type("Probe", (), {name: hookimpl(fn) for name, fn in hooks.items()})()
    return get_plugin_manager(load_entry_points=False, extra=[("probe-plugin", plugin)]).hooks


@pytest.mark.parametrize(
    ("language", "vocabulary"),
    [
        ("nl", {"gesprek": "beoordelingsgesprek"}),
        ("en", {"conversation": "appraisal"}),
        ("nl", {"gesprek": "prestatiegesprek"}),
        ("en", {"conversation": "performance review"}),
    ],
)
def test_a_vocabulary_word_that_grades_is_refused_naming_the_plugin(language, vocabulary):
    def magcore_register_messages(self, register):
        register(MessageBundle(language=language, vocabulary=vocabulary))

    hooks = _host(magcore_register_messages=magcore_register_messages)
    catalogue, problems = hooks.catalogue()
    assert len(problems) == 1
    assert "probe-plugin" in str(problems[0])
    assert f"/vocabulary/{next(iter(vocabulary))}" in str(problems[0])
    assert catalogue.localise(Text(nl="Het gesprek", en="The conversation"), language) in (
        "Het gesprek",
        "The conversation",
    )
    _, scoped_problems = hooks.catalogues()
    assert len(scoped_problems) == 1


def test_an_ordinary_vocabulary_stays_accepted():
    def magcore_register_messages(self, register):
        register(MessageBundle(language="nl", vocabulary={"klant": "inwoner"}))

    catalogue, problems = _host(magcore_register_messages=magcore_register_messages).catalogue()
    assert problems == ()
    assert catalogue.localise(Text(nl="De klant", en="The customer"), "nl") == "De inwoner"


def test_a_registered_theme_with_a_grading_prompt_is_refused():
    def magcore_register_themes(self, register):
        register(
            Theme(
                id="t",
                title={"nl": "Werk", "en": "Work"},
                prompts=[{"nl": "Welk cijfer geef je?", "en": "Which grade?"}],
            )
        )

    themes = _host(magcore_register_themes=magcore_register_themes).themes()
    assert len(themes) == 0
    assert "/prompts/0" in str(themes.problems[0])


def test_label_reason_reads_judgements_but_not_the_mag_theme():
    assert label_reason("Geschikt voor promotie?") is not None
    assert label_reason("Presteren en functioneren") is None
    assert label_reason("Wil je een opleiding volgen?") is None


@pytest.mark.parametrize(
    "label",
    [
        "Hoe functioneert de samenwerking in je team?",
        "Werkt je apparatuur naar behoren?",
        "Is er iets aan je werkplek dat niet geschikt is?",
        "What did you learn about application performance?",
        "Stap 1: kijk terug. Stap 2: kijk vooruit.",
        "Kaart 1: terugkijken, kaart 2: vooruitkijken",
    ],
)
def test_ordinary_questions_that_share_a_word_with_a_judgement_stay_accepted(label):
    """Found by review: these were refused as judgements or scales."""
    assert label_reason(label) is None


@pytest.mark.parametrize(
    "label",
    [
        "Hoeveel uur scholing per jaar is voor jou voldoende?",
        "Number of bad weather days",
        "Hours of training (CAO art. 3: scholing)",
    ],
)
def test_quantities_whose_label_has_a_grade_word_or_a_colon_stay_accepted(label):
    assert number_label_reason(label) is None
    assert number_label_reason("1 = slecht, 10 = uitstekend") is not None
    assert number_label_reason("1: slecht, 10: uitstekend") is not None
