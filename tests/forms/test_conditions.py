"""Conditional questions: one rule, the same in the definition, the JSON Schema, the web form
(with and without JavaScript), on paper, in the record, and in errors that name the field."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given
from hypothesis import strategies as st

from magcore.errors import DefinitionError
from magcore.forms import FormDefinition, render_form, render_paper, render_record, validate
from magcore.forms.conditions import SCRIPT, script_source
from magcore.forms.validation import FormValidator


def T(nl, en, fy=None):
    return {"nl": nl, "en": en, **({"fy": fy} if fy else {})}


HYBRID = {
    "id": "hybrid",
    "version": 1,
    "purpose": "preparation",
    "title": T("Hybride werken", "Hybrid working", "Hybride wurkje"),
    "schema": {
        "type": "object",
        "properties": {
            "place": {"type": "string", "enum": ["home", "office", "both"]},
            "home_setup": {"type": "string", "maxLength": 500},
            "needs": {"type": "array", "items": {"type": "string", "enum": ["chair", "screen"]}},
            "chair_note": {"type": "string", "maxLength": 200},
        },
        "required": ["place", "home_setup"],
    },
    "ui": {
        "fields": {
            "place": {
                "label": T("Waar werk je meestal?", "Where do you usually work?", "Wêr wurkest?"),
                "options": {
                    "home": T("Thuis", "At home", "Thús"),
                    "office": T("Op kantoor", "At the office", "Op kantoar"),
                    "both": T("Allebei", "Both", "Allebeide"),
                },
            },
            "home_setup": {
                "label": T("Hoe is je werkplek thuis?", "How is your workplace at home?"),
                "show_if": {"field": "place", "one_of": ["home", "both"]},
            },
            "needs": {
                "label": T("Wat heb je nodig?", "What do you need?"),
                "options": {
                    "chair": T("Een stoel", "A chair"),
                    "screen": T("Een scherm", "A screen"),
                },
            },
            "chair_note": {
                "label": T("Wat voor stoel?", "What kind of chair?"),
                "show_if": {"field": "needs", "contains": "chair"},
            },
        }
    },
}


@pytest.fixture(scope="module")
def form():
    return FormDefinition.from_json(HYBRID)


def test_the_json_schema_says_the_same_rule(form):
    """Required only when shown, empty when not: an if/then/else per conditional question."""
    schema = form.json_schema()
    assert schema["required"] == ["place"]
    rule = schema["allOf"][0]
    assert rule["if"] == {
        "properties": {"place": {"enum": ["home", "both"]}},
        "required": ["place"],
    }
    assert rule["then"] == {"required": ["home_setup"]}
    assert rule["else"] == {"properties": {"home_setup": False}}
    assert form.field("home_setup").show_if.holds({"place": "both"})
    assert not form.field("home_setup").show_if.holds({"place": "office"})


@pytest.mark.parametrize("fast", [True, False])
def test_errors_name_the_field_whichever_engine_checks(form, fast):
    """A missing conditional answer and an answer to a question not asked both name the field
    (never "the form is not filled in correctly")."""
    validator = FormValidator.build(form, use_fast=fast)
    missing = validator.problems({"place": "home"}, language="en")
    assert [(p.pointer, p.message) for p in missing] == [
        ("/home_setup", 'Fill in "How is your workplace at home?".')
    ]
    unasked = validator.problems({"place": "office", "home_setup": "desk"}, language="en")
    assert [(p.pointer, p.message) for p in unasked] == [
        (
            "/home_setup",
            '"How is your workplace at home?" is only for those who chose "At home" or "Both"'
            ' for "Where do you usually work?". Leave it empty.',
        )
    ]
    assert validator.problems({"place": "office"}, language="en") == []
    chair = validator.problems({"place": "office", "chair_note": "high"}, language="nl")
    assert chair[0].pointer == "/chair_note"
    assert 'koos voor "Een stoel"' in chair[0].message
    assert validator.problems({"place": "office", "needs": ["chair"], "chair_note": "x"}) == []


answers = st.fixed_dictionaries(
    {"place": st.sampled_from(["home", "office", "both"])},
    optional={
        "home_setup": st.sampled_from(["", "desk"]),
        "needs": st.lists(st.sampled_from(["chair", "screen"]), unique=True),
        "chair_note": st.just("high"),
    },
)


@given(document=answers)
def test_the_conditions_and_both_engines_agree(form, document):
    """Valid exactly when every shown required question is answered and no hidden one is."""
    expected = True
    for field in form.fields:
        if field.show_if is None:
            continue
        shown = field.show_if.holds(document)
        if not shown and field.name in document:
            expected = False
        if shown and field.required and field.name not in document:
            expected = False
    fast = FormValidator.build(form, use_fast=True)
    slow = FormValidator.build(form, use_fast=False)
    valid = not validate(form, document)
    assert fast.is_valid(document) == slow.is_valid(document) == valid
    assert valid == expected
    assert bool(fast.problems(document)) == bool(slow.problems(document)) == (not valid)


def test_the_web_form_works_without_javascript_and_loads_the_script_from_a_file(form):
    """Every question is on the page with its "only if" hint tied to the input; the script is
    an external file (CSP forbids inline script), and only forms with conditions load it."""
    page = render_form(form, language="en", script_href="/static/conditional.js")
    assert '<script src="/static/conditional.js" defer></script>' in page
    assert "<script>" not in page
    assert 'aria-describedby="field-home_setup-only-if"' in page
    assert 'data-show-if-field="place"' in page
    assert "Only fill this in if you chose" in page
    plain = copy.deepcopy(HYBRID)
    for name in ("home_setup", "chair_note"):
        del plain["ui"]["fields"][name]["show_if"]
    other = render_form(FormDefinition.from_json(plain), script_href="/static/conditional.js")
    assert "<script" not in other
    assert SCRIPT == "conditional.js"
    assert "data-show-if-values" in script_source()


def test_paper_says_only_if_and_the_record_leaves_out_what_was_not_asked(form):
    paper = render_paper(form, language="nl")
    assert 'Vul dit alleen in als je bij "Waar werk je meestal?"' in paper.replace("&#34;", '"')
    record = render_record(form, {"place": "office"}, language="en")
    assert "How is your workplace at home?" not in record
    shown = render_record(form, {"place": "home", "home_setup": "desk"}, language="en")
    assert "How is your workplace at home?" in shown


def test_the_hint_is_frisian_on_a_frisian_page_and_labels_what_fell_back(form):
    page = render_form(form, language="fy")
    assert '<html lang="fy">' in page
    assert "Folje dit allinnich yn" in page
    # the question itself has no Frisian: it says so
    assert '<span lang="nl">Hoe is je werkplek thuis?</span>' in page


@pytest.mark.parametrize(
    ("change", "pointer", "words"),
    [
        (
            lambda d: d["ui"]["fields"]["place"].__setitem__(
                "show_if", {"field": "home_setup", "equals": "x"}
            ),
            "/ui/fields/place/show_if/field",
            "earlier question",
        ),
        (
            lambda d: d["ui"]["fields"]["home_setup"].__setitem__(
                "show_if", {"field": "place", "equals": "garden"}
            ),
            "/ui/fields/home_setup/show_if/equals",
            "not an option",
        ),
        (
            lambda d: d["ui"]["fields"]["home_setup"].__setitem__(
                "show_if", {"field": "place", "contains": "home"}
            ),
            "/ui/fields/home_setup/show_if/contains",
            "checkboxes",
        ),
        (
            lambda d: d["ui"]["fields"]["chair_note"].__setitem__(
                "show_if", {"field": "needs", "equals": "chair"}
            ),
            "/ui/fields/chair_note/show_if/equals",
            "use contains",
        ),
        (
            lambda d: d["ui"]["fields"]["home_setup"].__setitem__("show_if", {"field": "place"}),
            "/ui/fields/home_setup/show_if",
            "not have enough properties",
        ),
    ],
)
def test_a_wrong_condition_is_refused_naming_the_field(change, pointer, words):
    data = copy.deepcopy(HYBRID)
    change(data)
    with pytest.raises(DefinitionError, match=words) as caught:
        FormDefinition.from_json(data)
    assert caught.value.pointer == pointer
