"""Loading form definitions: MAG's forms load; scores, bad schemas and missing texts are refused."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from magcore.errors import DefinitionError, ScoringNotAllowedError
from magcore.forms import FormDefinition, FormPurpose, Widget

from .support import AMSTERDAM_FORMS, mag_form


def _document(name: str = "preparation") -> dict[str, Any]:
    return json.loads((AMSTERDAM_FORMS / f"{name}.form.json").read_text(encoding="utf-8"))


def test_mag_forms_load_with_their_fields_in_order():
    """Both MAG forms load; fields come in the order of the groups; MAG's themes are the options."""
    preparation = mag_form("preparation")
    agreement = mag_form("agreement")

    assert preparation.key == "mag-preparation@1"
    assert preparation.purpose is FormPurpose.PREPARATION
    assert agreement.purpose is FormPurpose.RECORD
    assert [f.name for f in agreement.fields][:2] == ["held_on", "employee_name"]
    assert [o.value for o in preparation.field("themes").options] == [
        "social_safety",
        "vitality",
        "performing",
        "career_and_mobility",
        "learning_and_development",
        "joker",
    ]
    agreements = agreement.field("agreements")
    assert agreements.widget is Widget.REPEAT
    assert [s.name for s in agreements.fields] == ["text", "owner", "due", "theme"]
    assert agreement.field("held_on").required
    assert not agreement.field("employee_view").required


def test_wellbeing_is_marked_special_category_risk():
    """The free-text wellbeing fields carry the special-category sensitivity, others do not."""
    preparation = mag_form("preparation")

    assert preparation.sensitive_fields == ("/wellbeing",)
    assert preparation.field("wellbeing").sensitive
    assert not preparation.field("going_well").sensitive


def test_a_score_field_is_refused_naming_the_field():
    """A form that adds a score is refused, and the error points at the field."""
    document = _document()
    document["schema"]["properties"]["eindscore"] = {"type": "string"}
    document["ui"]["fields"]["eindscore"] = {"label": {"nl": "Score", "en": "Score"}}

    with pytest.raises(ScoringNotAllowedError) as caught:
        FormDefinition.from_json(document)

    assert caught.value.field == "/schema/properties/eindscore"


def test_a_number_without_unit_is_refused_as_a_scale():
    """A number without x-magcore-unit reads as a scale and is refused."""
    document = _document()
    document["schema"]["properties"]["energy"] = {"type": "integer", "minimum": 1, "maximum": 5}
    document["ui"]["fields"]["energy"] = {"label": {"nl": "Energie", "en": "Energy"}}

    with pytest.raises(ScoringNotAllowedError) as caught:
        FormDefinition.from_json(document)

    assert caught.value.field == "/schema/properties/energy"
    assert "unit" in caught.value.reason


def test_a_scoring_label_in_the_ui_hints_is_refused():
    """A harmless field name with a label that asks for a grade is refused too."""
    document = _document()
    document["ui"]["fields"]["going_well"]["label"] = {"nl": "Beoordeling", "en": "Appraisal"}

    with pytest.raises(ScoringNotAllowedError) as caught:
        FormDefinition.from_json(document)

    assert caught.value.field == "/ui/fields/going_well/label"


def test_a_schema_that_breaks_the_meta_schema_is_refused_with_a_pointer():
    """An answers schema that is not valid 2020-12 JSON Schema names where it breaks."""
    document = _document()
    document["schema"]["properties"]["learning"]["maxLength"] = "lang"

    with pytest.raises(DefinitionError) as caught:
        FormDefinition.from_json(document, source="test.json")

    assert caught.value.pointer == "/schema/properties/learning/maxLength"
    assert caught.value.source == "test.json"


def test_a_label_without_english_is_refused():
    """Every label needs Dutch and English."""
    document = _document()
    document["ui"]["fields"]["learning"]["label"] = {"nl": "Leren"}

    with pytest.raises(DefinitionError) as caught:
        FormDefinition.from_json(document)

    assert caught.value.pointer == "/ui/fields/learning/label"


def _add_object_field(document: dict[str, Any]) -> None:
    document["schema"]["properties"]["nested"] = {"type": "object"}
    document["ui"]["fields"]["nested"] = {"label": {"nl": "Genest", "en": "Nested"}}
    document["ui"]["groups"][0]["fields"].append("nested")


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        (lambda d: d["ui"]["groups"][0]["fields"].append("nowhere"), "/ui/groups/0/fields"),
        (lambda d: d["ui"]["groups"][1]["fields"].append("going_well"), "/ui/groups/1/fields"),
        (lambda d: d["ui"]["fields"].pop("colleagues"), "/ui/fields/colleagues"),
        (
            lambda d: d["ui"]["fields"]["themes"]["options"].pop("joker"),
            "/ui/fields/themes/options",
        ),
        (_add_object_field, "/schema/properties/nested/type"),
        (
            lambda d: d["schema"]["properties"]["learning"].__setitem__(
                "x-magcore-sensitivity", "secret"
            ),
            "/schema/properties/learning/x-magcore-sensitivity",
        ),
    ],
    ids=["unknown-in-group", "two-groups", "no-label", "option-label", "object", "sensitivity"],
)
def test_inconsistent_ui_hints_are_refused_with_a_pointer(change, pointer):
    """UI hints and schema must agree; the error names the place that does not."""
    document = copy.deepcopy(_document())
    change(document)

    with pytest.raises(DefinitionError) as caught:
        FormDefinition.from_json(document)

    assert caught.value.pointer == pointer


def test_to_json_returns_the_loaded_document():
    """A definition keeps its JSON; loading that JSON again gives an equal definition."""
    form = mag_form("agreement")

    again = FormDefinition.from_json(form.to_json())

    assert again == form
    assert again.to_json() == {"stylesheet": form.stylesheet, **_document("agreement")}
