"""The compiled check of the input policy never accepts what the policy refuses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from magcore.forms import validation
from magcore.model import input_policy as ip

from .strategies import EDGE_NUMBERS, hostile_json

pytest.importorskip("jsonschema_rs")

#: any JSON-like value, with unbounded whole numbers and one of 400 digits among its leaves
_JSON = hostile_json(numbers=EDGE_NUMBERS | st.just(10**400) | st.integers())


def _deep(levels: int) -> object:
    value: object = "x"
    for _ in range(levels):
        value = [value]
    return value


@given(_JSON)
def test_the_compiled_check_agrees_with_the_policy(document):
    refused = list(ip.json_problems(document))
    if validation._policy_validator().is_valid(document):
        assert refused == []
    assert validation._policy_ok(document, True) == (refused == [])


@pytest.mark.parametrize("levels", [ip.MAX_JSON_DEPTH - 1, ip.MAX_JSON_DEPTH, 40, 3000])
def test_depth_is_decided_the_same_way(levels):
    document = {"a": _deep(levels)}
    expected = not list(ip.json_problems(document))
    assert validation._policy_validator().is_valid(document) == expected
    assert validation._policy_ok(document, True) == expected


def test_lone_surrogates_fall_back_to_the_policy():
    assert not validation._policy_ok({"a": "\ud800"}, True)
