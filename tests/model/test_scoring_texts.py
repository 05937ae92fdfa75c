"""The scoring guard reads what people read: option texts and labels in every language
(issue 15), with few false positives on ordinary questions and choices."""

from __future__ import annotations

import pytest

from magcore import FormDefinition, ScoringNotAllowedError
from magcore.model.scoring import grade_reason, label_reason


def _form(options: dict[str, dict[str, str]], *, label: dict[str, str] | None = None) -> dict:
    return {
        "id": "choice-form",
        "version": 1,
        "purpose": "record",
        "title": {"nl": "Verslag", "en": "Record"},
        "schema": {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {"answer": {"type": "string", "enum": list(options)}},
        },
        "ui": {
            "fields": {
                "answer": {
                    "label": label or {"nl": "Hoe ging het?", "en": "How did it go?"},
                    "options": options,
                }
            }
        },
    }


def test_an_option_labelled_as_a_grade_is_refused_whatever_its_id():
    options = {
        "boven_verwachting": {"nl": "Boven verwachting", "en": "Above expectations"},
        "anders": {"nl": "Anders", "en": "Something else"},
    }
    with pytest.raises(ScoringNotAllowedError, match="boven verwachting"):
        FormDefinition.from_json(_form(options))


def test_a_harmless_id_does_not_hide_a_grade_in_the_label():
    options = {
        "a": {"nl": "Voldoende", "en": "Sufficient"},
        "b": {"nl": "Goed", "en": "Good"},
        "c": {"nl": "Uitstekend", "en": "Excellent"},
    }
    with pytest.raises(ScoringNotAllowedError, match="grades") as caught:
        FormDefinition.from_json(_form(options))
    assert caught.value.field == "/ui/fields/answer/options"


def test_a_grade_in_a_third_language_is_refused():
    options = {
        "a": {"nl": "Eerste", "en": "First", "fy": "Boppe ferwachting"},
        "b": {"nl": "Tweede", "en": "Second", "fy": "Exceeds expectations"},
    }
    with pytest.raises(ScoringNotAllowedError, match="fy texts"):
        FormDefinition.from_json(_form(options))


def test_a_field_label_in_a_third_language_that_names_a_score_is_refused():
    label = {"nl": "Wat gaat goed?", "en": "What goes well?", "fy": "Score"}
    options = {"ja": {"nl": "Ja", "en": "Yes"}, "nee": {"nl": "Nee", "en": "No"}}
    with pytest.raises(ScoringNotAllowedError, match="Score"):
        FormDefinition.from_json(_form(options, label=label))


@pytest.mark.parametrize(
    "texts",
    [
        ["Onvoldoende", "Voldoende"],
        ["voldoende", "onvoldoende", "goed"],
        ["Exceeds expectations"],
        ["Meets expectations", "Anders"],
        ["1 - slecht", "2", "3", "4", "5 - uitstekend"],
        ["1 (laag)", "5 (hoog)"],
        ["1", "2", "3", "4", "5"],
        ["★", "★★", "★★★"],
        ["1 ster", "2 sterren", "3 sterren"],
        ["3 stars", "4 stars"],
        ["A", "B", "C", "D"],
        ["Poor", "Fair", "Good", "Excellent"],
        ["boven_verwachting", "naar_verwachting", "onder_verwachting"],
        ["exceedsExpectations", "other"],
        ["Top performer", "Anders"],
    ],
)
def test_grades_and_scales_in_dutch_and_english_are_seen(texts):
    assert grade_reason(texts) is not None


@pytest.mark.parametrize(
    "texts",
    [
        ["Ja", "Nee"],
        ["Yes", "No", "Not yet"],
        ["Thuis", "Op kantoor", "Beide"],
        ["1 keer per jaar", "2 keer per jaar"],
        ["Wat gaat goed?", "Wat kan beter?"],
        ["Samen", "Alleen"],
        ["Goed"],  # one ordinary word is not yet a scale
        ["Open", "Klaar", "Loopt nog"],
        ["Opleiding", "Coaching", "Stage elders"],
    ],
)
def test_ordinary_choices_pass(texts):
    assert grade_reason(texts) is None


@pytest.mark.parametrize(
    "text",
    [
        "Tevredenheid (1-5)",
        "Op een schaal van 1 tot 10: hoe ging het?",
        "On a scale from 1 to 5, how did you do?",
        "Rating",
        "Geef een cijfer",
        "Beoordeling van de medewerker",
        "Your score",
        "★★★",
    ],
)
def test_labels_that_ask_for_a_score_are_seen(text):
    assert label_reason(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "Wat gaat goed?",
        "What goes well?",
        "Wat wil je leren in 2025-2026?",
        "Afspraken voor de komende 1-2 maanden",
        "Hoe gaat het met je werk?",
        "Functioneringsgesprek",
        "Wat heb je nodig van je leidinggevende?",
        "Gemeente Súdwest-Fryslân",
    ],
)
def test_ordinary_labels_pass(text):
    assert label_reason(text) is None


def test_an_ordinary_form_is_accepted():
    options = {
        "thuis": {"nl": "Thuis", "en": "At home"},
        "kantoor": {"nl": "Op kantoor", "en": "At the office"},
        "goed": {"nl": "Wat gaat goed?", "en": "What goes well?"},
    }
    label = {"nl": "Waar werk je het meest?", "en": "Where do you work most?"}
    form = FormDefinition.from_json(_form(options, label=label))
    assert form.key == "choice-form@1"


# -- look-alike letters ----------------------------------------------------------------------
# A label written in full-width letters (Ｂｅｏｏｒｄｅｌｉｎｇ), in mathematical letters (𝐒𝐜𝐨𝐫𝐞) or
# with a Cyrillic or Greek letter that looks Latin ("Sсore" with a Cyrillic с) reads the same
# as the word the guard refuses; it is read as that word.

_CYRILLIC_O = "\u043e"
_CYRILLIC_ES = "\u0441"


@pytest.mark.parametrize(
    "label",
    [
        "Ｂｅｏｏｒｄｅｌｉｎｇ",
        "\U0001d412\U0001d41c\U0001d428\U0001d42b\U0001d41e",  # 𝐒𝐜𝐨𝐫𝐞
        f"S{_CYRILLIC_ES}ore",
        f"Eindbe{_CYRILLIC_O}{_CYRILLIC_O}rdeling",
        "R\u0430ting",  # Cyrillic а
        "Gr\u0430de (1\u201310)",
    ],
)
def test_a_score_in_look_alike_letters_is_refused(label):
    with pytest.raises(ScoringNotAllowedError):
        FormDefinition.from_json(
            _form({"a": {"nl": "Ja"}, "b": {"nl": "Nee"}}, label={"nl": label})
        )


def test_grades_in_look_alike_letters_are_refused():
    options = {
        "a": {"nl": f"Onv{_CYRILLIC_O}ldoende"},
        "b": {"nl": f"V{_CYRILLIC_O}ldoende"},
        "c": {"nl": f"G{_CYRILLIC_O}ed"},
    }
    assert grade_reason([o["nl"] for o in options.values()]) is not None
    with pytest.raises(ScoringNotAllowedError, match="grades"):
        FormDefinition.from_json(_form(options))


@pytest.mark.parametrize("text", ["Привет, как дела?", "Τι κάνεις;", "Ｈｏｅ ｇａａｔ ｈｅｔ？"])
def test_other_scripts_and_full_width_questions_still_pass(text):
    assert label_reason(text) is None
