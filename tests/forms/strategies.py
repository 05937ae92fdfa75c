"""Hypothesis strategies built from form definitions (not from their JSON Schema text).

``answers(form)`` draws documents the form accepts; ``broken_answers(form)`` draws documents
with one deliberate fault (wrong type, unknown option, missing required field, unknown field,
too long text, impossible date, number out of range) and returns the kind of fault too.
``hostile_json()`` draws any JSON-like value, with the texts and numbers the input policy
refuses among the ones it takes.
"""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from hypothesis import strategies as st

from magcore.forms import Field, FormDefinition, Widget
from magcore.model.input_policy import BIDI_CONTROLS, text_problem

#: The characters of the categories a text may hold (not Cs, not Cc) that the input policy
#: refuses all the same: the bidirectional controls, the tag characters, the separators U+2028
#: and U+2029, noncharacters... (every one the policy names, found by asking it).
NOT_TEXT = "".join(
    char
    for char in map(chr, itertools.chain(range(0x80, 0xD800), range(0xE000, 0x110000)))
    if not char.isprintable() and text_problem(char, pointer="") is not None
)

_TEXT = st.text(
    alphabet=st.characters(
        codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters=NOT_TEXT
    ),
    min_size=1,
    max_size=40,
)


def _dates() -> st.SearchStrategy[str]:
    return st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)).map(date.isoformat)


def value(field: Field) -> st.SearchStrategy[Any]:
    """A valid value for one scalar or list field."""
    schema = field.schema
    if field.widget is Widget.REPEAT:
        return st.lists(item(field), max_size=min(schema.get("maxItems", 4), 4))
    if field.widget is Widget.CHECKBOXES:
        return st.lists(st.sampled_from([o.value for o in field.options]), unique=True, max_size=3)
    if field.options and field.widget in (Widget.CHOICE, Widget.SELECT):
        if "boolean" in str(schema.get("type")):
            return st.booleans()
        return st.sampled_from([o.value for o in field.options])
    if field.widget is Widget.CHECKBOX:
        return st.booleans()
    if field.widget is Widget.DATE:
        return _dates()
    if field.widget is Widget.NUMBER:
        low = schema.get("minimum", 0)
        high = schema.get("maximum", 10_000)
        return st.integers(min_value=low, max_value=high)
    longest = schema.get("maxLength", 200)
    return st.text(
        alphabet=st.characters(
            codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters=NOT_TEXT
        ),
        min_size=max(schema.get("minLength", 0), 1),
        max_size=min(longest, 60),
    )


@st.composite
def _object(draw: st.DrawFn, fields: tuple[Field, ...]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for field in fields:
        if field.required or draw(st.booleans()):
            result[field.name] = draw(value(field))
    return result


def item(field: Field) -> st.SearchStrategy[dict[str, Any]]:
    """One valid block of a repeating group."""
    return _object(field.fields)


def answers(form: FormDefinition) -> st.SearchStrategy[dict[str, Any]]:
    """Documents that *form* accepts."""
    return _object(form.fields)


def _break_value(field: Field) -> st.SearchStrategy[tuple[str, Any]]:
    choices: list[st.SearchStrategy[tuple[str, Any]]] = [
        st.just(("type", {"not": "this"}))
        if field.widget is not Widget.REPEAT
        else st.just(("type", "x")),
    ]
    if field.widget is Widget.DATE:
        choices.append(
            st.sampled_from(["2025-02-30", "31-12-2025", "2025-13-01", "today"]).map(
                lambda v: ("format", v)
            )
        )
    if field.options and field.widget is not Widget.CHECKBOX:
        bad = st.text(min_size=1, max_size=10).filter(
            lambda v: v not in {o.value for o in field.options}
        )
        if field.widget is Widget.CHECKBOXES:
            choices.append(bad.map(lambda v: ("enum", [v])))
        elif "boolean" not in str(field.schema.get("type")):
            choices.append(bad.map(lambda v: ("enum", v)))
    if "maxLength" in field.schema:
        limit = field.schema["maxLength"]
        choices.append(st.just(("maxLength", "a" * (limit + 1))))
    if "maximum" in field.schema:
        choices.append(st.just(("maximum", field.schema["maximum"] + 1)))
    if "minimum" in field.schema:
        choices.append(st.just(("minimum", field.schema["minimum"] - 1)))
    return st.one_of(choices)


@st.composite
def broken_answers(draw: st.DrawFn, form: FormDefinition) -> tuple[str, dict[str, Any]]:
    """(fault, document): a valid document with exactly one deliberate fault."""
    document = draw(answers(form))
    fields = list(form.fields)
    subfields = [(f, s) for f in fields if f.widget is Widget.REPEAT for s in f.fields]
    faults = ["field", "unknown"]
    if any(f.required for f in fields):
        faults.append("required")
    if subfields:
        faults.append("subfield")
    fault = draw(st.sampled_from(faults))
    if fault == "unknown":
        document["not_on_this_form"] = draw(_TEXT)
        return "additionalProperties", document
    if fault == "required":
        field = draw(st.sampled_from([f for f in fields if f.required]))
        document.pop(field.name, None)
        return "required", document
    if fault == "subfield":
        parent, sub = draw(st.sampled_from(subfields))
        block = draw(item(parent))
        kind, bad = draw(_break_value(sub))
        block[sub.name] = bad
        document[parent.name] = [*document.get(parent.name, []), block]
        return kind, document
    field = draw(st.sampled_from(fields))
    kind, bad = draw(_break_value(field))
    document[field.name] = bad
    return kind, document


#: Short texts, with the characters the input policy refuses among the ones it takes.
HOSTILE_TEXT = st.text(
    st.one_of(
        st.characters(exclude_categories=("Cs",)),
        st.sampled_from(["\x00", "\x1b", "\x7f", "\x85", "\t", "\n", *BIDI_CONTROLS]),
    ),
    max_size=8,
)

#: Numbers at and beyond the policy's edges (2**53, NaN, infinities, whole floats).
EDGE_NUMBERS = st.sampled_from(
    [2**53, 2**53 + 1, -(2**53), -(2**53) - 1, 10**16, 1e16, 1e300, 0.5, float("nan")]
) | st.sampled_from([float("inf"), -float("inf")])


def hostile_json(
    *,
    keys: st.SearchStrategy[str] = HOSTILE_TEXT,
    texts: st.SearchStrategy[str] = HOSTILE_TEXT,
    numbers: st.SearchStrategy[Any] = EDGE_NUMBERS,
    leaves: int = 12,
) -> st.SearchStrategy[Any]:
    """Any JSON-like value: nothing, booleans, whole numbers, floats, *numbers* (by default
    the policy's edges), *texts*; lists and objects of them, keyed by *keys*."""
    scalars = (
        st.none() | st.booleans() | st.integers(-(2**60), 2**60) | numbers | st.floats() | texts
    )
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
        max_leaves=leaves,
    )
