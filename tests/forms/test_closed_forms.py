"""A form is closed: an answer it does not list is refused, never stored (and the keywords that
would add answers by pattern are refused when the form is loaded, naming the keyword)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from magcore.errors import DefinitionError
from magcore.forms import FormDefinition, validate

from ..support.forms import TINY_RECORD_FORM


def _open_form() -> dict[str, Any]:
    """The tiny record form as a newcomer writes it: no ``additionalProperties``, and a
    repeating group of agreements."""
    form = copy.deepcopy(TINY_RECORD_FORM)
    schema = form["schema"]
    del schema["additionalProperties"]
    schema["properties"]["agreements"] = {
        "type": "array",
        "items": {"type": "object", "properties": {"text": {"type": "string"}}},
    }
    form["ui"]["fields"]["agreements"] = {
        "label": {"nl": "Afspraken", "en": "Agreements"},
        "fields": {"text": {"label": {"nl": "Afspraak", "en": "Agreement"}}},
    }
    return form


def test_a_form_that_leaves_additional_properties_out_is_closed():
    form = FormDefinition.from_json(_open_form())
    answers = {
        "summary": "Goed gesprek",
        "bsn": "123456782",
        "agreements": [{"text": "Cursus", "beoordeling": "onvoldoende"}],
    }
    problems = validate(form, answers, language="en")
    assert sorted(p.pointer for p in problems) == ["/agreements/0/beoordeling", "/bsn"]
    assert not validate(form, {"summary": "Goed", "agreements": [{"text": "Cursus"}]})


@pytest.mark.parametrize(
    ("where", "keyword", "value"),
    [
        ("", "additionalProperties", True),
        ("", "additionalProperties", {"type": "string"}),
        ("", "unevaluatedProperties", {"type": "integer"}),
        ("", "patternProperties", {"^extra$": {"type": "string"}}),
        ("", "dependentSchemas", {"summary": {"properties": {"extra": {"type": "string"}}}}),
        ("", "propertyNames", {"maxLength": 20}),
        ("/properties/agreements/items", "additionalProperties", True),
        ("/properties/agreements/items", "patternProperties", {"^x": {"type": "string"}}),
    ],
)
def test_a_keyword_that_opens_a_form_is_refused_naming_it(where, keyword, value):
    form = _open_form()
    node = form["schema"]
    for part in where.strip("/").split("/") if where else ():
        node = node[part]
    node[keyword] = value
    with pytest.raises(DefinitionError) as refused:
        FormDefinition.from_json(form, source="probe-plugin")
    assert refused.value.pointer == f"/schema{where}/{keyword}"
    assert "probe-plugin" in str(refused.value)


def test_additional_properties_false_is_accepted_as_it_was():
    form = FormDefinition.from_json(TINY_RECORD_FORM)
    assert form.schema["additionalProperties"] is False
