"""A 400 answer names the field and the rule, never the value sent (property test).

Every body field of the sharing-choice and answers endpoints (a preparation's and a record's
answers, and the record's other fields) gets generated hostile values, each starting with a
marker; an extra field and an answer's field name get them too. Whatever the answer, a refusal
holds neither the value, nor its escaped forms, nor the marker.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

MARK = "QZXmark"

#: Characters an attacker would send: controls, bidirectional overrides, invisible tags,
#: quotes, separators and ordinary letters and digits (names, dates, ids).
_HOSTILE = st.one_of(
    st.sampled_from(
        ["\u202e", "\u2066", "\x00", "\x1b", "\U000e0041", "'", '"', "\\", "/", "~", "<", ">"]
    ),
    st.characters(codec="utf-8", exclude_categories=("Cs",)),
    st.sampled_from(list("abcXYZ019.-_:@ ")),
)
VALUES = st.builds(lambda tail: MARK + tail, st.text(_HOSTILE, max_size=40))
#: A value where a field takes one: the text itself, in a list, as a mapping's key or value.
PLACED = st.one_of(
    VALUES,
    VALUES.map(lambda v: [v]),
    VALUES.map(lambda v: {v: "x"}),
    VALUES.map(lambda v: {"going_well": v}),
)

_SHARING = {"to": "hr_adviser", "what": "agreements", "purpose": "handover"}
_AGREEMENT = {"id": "a1", "text": "Cursus volgen", "owner": "employee"}


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (str(k), *_strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def _assert_no_echo(response: Any, sent: Any) -> None:
    if response.status_code < 400:
        return  # an accepted value may be shown back: it is the asker's own record
    text = response.text
    strings = _strings(json.loads(text))
    assert MARK not in text, text
    for value in _strings(sent):
        if MARK not in value:
            continue
        for form in {value, repr(value)[1:-1], ascii(value)[1:-1], json.dumps(value)[1:-1]}:
            assert form not in text, (form, text)
            assert not any(form in s for s in strings), (form, text)


@pytest.fixture
def conversation(api: Any) -> str:
    started = api.post(
        "/api/v1/conversations", "anna", json={"cycle": "web-example@1", "kind": "yearly"}
    )
    assert started.status_code == 201, started.text
    return str(started.json()["id"])


_SETTINGS = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)


@_SETTINGS
@given(
    field=st.sampled_from(["to", "what", "purpose", "until", "conversation", f"{MARK}extra"]),
    value=PLACED,
)
def test_a_refused_sharing_choice_quotes_nothing_sent(api: Any, field: str, value: Any) -> None:
    body = {**_SHARING, field: value}
    _assert_no_echo(api.post("/api/v1/sharing-choices", "anna", json=body), body)


@_SETTINGS
@given(value=PLACED, as_key=st.booleans())
def test_refused_preparation_answers_quote_nothing_sent(
    api: Any, conversation: str, value: Any, as_key: bool
) -> None:
    answers = {str(value): "x"} if as_key and isinstance(value, str) else {"going_well": value}
    for body in ({"answers": answers}, {"answers": value}, {"answers": {}, f"{MARK}x": value}):
        response = api.put(f"/api/v1/conversations/{conversation}/preparation", "anna", json=body)
        _assert_no_echo(response, body)


@_SETTINGS
@given(
    field=st.sampled_from(["summary", "themes", "answers", "held_on", "agreements", f"{MARK}x"]),
    agreement_field=st.sampled_from(["id", "text", "owner", "due", "theme", f"{MARK}y"]),
    value=PLACED,
)
def test_a_refused_record_quotes_nothing_sent(
    api: Any, conversation: str, field: str, agreement_field: str, value: Any
) -> None:
    for body in (
        {"summary": "Over het werk.", field: value},
        {"agreements": [{**_AGREEMENT, agreement_field: value}]},
        {"answers": {str(value) if isinstance(value, str) else "k": "x"}},
    ):
        response = api.put(f"/api/v1/conversations/{conversation}/record", "bram", json=body)
        _assert_no_echo(response, body)


def test_a_field_name_with_a_direction_override_is_named_by_its_position(api, conversation):
    body = {"answers": {"going_well": "ja", "x\u202ey": "v"}}
    response = api.put(f"/api/v1/conversations/{conversation}/preparation", "anna", json=body)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["location"] == "/answers/(field 2)"
    assert "\u202e" not in response.text
    assert "\\u202e" not in response.text


@pytest.mark.parametrize(
    ("body", "location"),
    [
        ({"to": "Jan.de.Vries"}, "/to"),
        ({"to": "anna"}, "/to"),
        ({"what": "theme:scheiding_thuis"}, "/what"),
        ({"until": "2026-03-01"}, "/until"),
        ({"purpose": "Burnout.Gesprek"}, "/purpose"),
    ],
)
def test_each_refused_sharing_field_is_named_without_its_value(api, body, location):
    response = api.post("/api/v1/sharing-choices", "anna", json={**_SHARING, **body})
    assert response.status_code == 400, response.text
    assert [e["location"] for e in response.json()["errors"]] == [location]
    value = next(iter(body.values()))
    assert value == "anna" or value not in response.text
