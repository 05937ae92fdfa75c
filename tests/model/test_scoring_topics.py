"""Competences, talents and profiles: welcome as conversation topics, refused as a rating.

Rijswijk's growth matrix, Centraal Gelderland's talent profile and Midden-Groningen's
professional profile talk *about* competences and talents. A definition that attaches a level
to them (a field called ``competence_level``, a choice of mastery levels) rates the person, and
the scoring guard refuses it, naming the field.
"""

from __future__ import annotations

import json
from importlib import resources

import pytest

from magcore import CycleDefinition, ScoringNotAllowedError
from magcore.forms import FormDefinition
from magcore.model.scoring import check_definition, find_scoring, is_scoring_name

PROFILE_PLUGINS = ("magcore_centraal_gelderland", "magcore_rijswijk", "magcore_midden_groningen")


def _options(schema: object) -> dict[str, object]:
    """Labels for the options of a choice (or a list of choices), as a form's ui needs them."""
    assert isinstance(schema, dict)
    values = schema.get("enum") or schema.get("items", {}).get("enum") or []
    consts = [o["const"] for o in schema.get("oneOf", [])]
    options = {str(v): {"nl": str(v), "en": str(v)} for v in [*values, *consts]}
    return {"options": options} if options else {}


def _form(properties: dict[str, object]) -> dict[str, object]:
    return {
        "id": "competence-talk",
        "version": 1,
        "purpose": "preparation",
        "title": {"nl": "Competenties", "en": "Competences"},
        "schema": {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "additionalProperties": False,
            "properties": properties,
        },
        "ui": {
            "fields": {
                name: {
                    "label": {"nl": name.replace("_", " "), "en": name.replace("_", " ")},
                    **_options(schema),
                }
                for name, schema in properties.items()
            }
        },
    }


TOPICS = {
    "competences_to_talk_about": {
        "type": "array",
        "uniqueItems": True,
        "items": {"type": "string", "enum": ["samenwerken", "klantgericht", "deskundig"]},
    },
    "my_talents_in_my_own_words": {"type": "string", "maxLength": 2000},
    "professional_profile": {"type": "string", "maxLength": 2000},
    "competence_i_want_to_grow_in": {"type": "string", "maxLength": 2000},
}


@pytest.mark.parametrize("package", PROFILE_PLUGINS)
def test_the_profile_plugins_definitions_and_forms_pass_the_guard(package: str) -> None:
    """Each plugin's cycle and forms, as shipped, hold no score (they talk about talents)."""
    files = resources.files(package)
    documents = [json.loads(files.joinpath("cycle.json").read_text(encoding="utf-8"))]
    documents += [
        json.loads(f.read_text(encoding="utf-8"))
        for f in files.joinpath("forms").iterdir()
        if f.name.endswith(".json")
    ]
    for document in documents:
        assert find_scoring(document) == []


def test_competences_talents_and_profiles_are_accepted_as_topics() -> None:
    """A theme about competences and a form listing them, in the employee's words: no rating."""
    form = FormDefinition.from_json(_form(TOPICS), source="test")
    assert {f.name for f in form.fields} >= {"my_talents_in_my_own_words", "professional_profile"}
    cycle = {
        "themes": [
            {"id": "competences", "title": {"nl": "Competenties", "en": "Competences"}},
            {"id": "talent-profile", "title": {"nl": "Talentprofiel", "en": "Talent profile"}},
            {"id": "beroepsprofiel", "title": {"nl": "Beroepsprofiel", "en": "Profile"}},
        ]
    }
    check_definition(cycle)
    for name in ("competenties", "talentprofiel", "competence", "professional_profile"):
        assert not is_scoring_name(name)


@pytest.mark.parametrize(
    ("properties", "pointer"),
    [
        ({"competence_level": {"type": "string"}}, "/properties/competence_level"),
        ({"talentNiveau": {"type": "string"}}, "/properties/talentNiveau"),
        ({"vaardigheidsniveau": {"type": "string"}}, "/properties/vaardigheidsniveau"),
        ({"proficiency": {"type": "string"}}, "/properties/proficiency"),
        (
            {"samenwerken": {"type": "string", "enum": ["beginner", "gevorderd", "expert"]}},
            "/properties/samenwerken",
        ),
        (
            {
                "klantgericht": {
                    "type": "string",
                    "oneOf": [
                        {"const": "bewust_onbekwaam"},
                        {"const": "bewust_bekwaam"},
                        {"const": "onbewust_bekwaam"},
                    ],
                }
            },
            "/properties/klantgericht",
        ),
        (
            {
                "talents": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "talent": {"type": "string"},
                            "level": {"type": "string", "enum": ["novice", "advanced"]},
                        },
                    },
                }
            },
            "/properties/talents/items/properties/level",
        ),
    ],
)
def test_a_level_attached_to_a_competence_or_talent_is_refused(
    properties: dict[str, object], pointer: str
) -> None:
    """Turning a competence, talent or profile into a rating is refused, naming the field."""
    with pytest.raises(ScoringNotAllowedError) as refused:
        FormDefinition.from_json(_form({**TOPICS, **properties}), source="test")
    assert refused.value.pointer.endswith(pointer)


def test_a_cycle_with_a_competence_level_kind_is_refused() -> None:
    """A kind called a competence-level check is refused before it is ever loaded."""
    document = json.loads(
        resources.files("magcore_rijswijk").joinpath("cycle.json").read_text(encoding="utf-8")
    )
    document["kinds"][0]["id"] = "competentieniveau-check"
    with pytest.raises(ScoringNotAllowedError, match="kinds/0/id"):
        CycleDefinition.from_json(document)
