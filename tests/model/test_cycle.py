"""Cycle definitions: load from JSON, refuse inconsistencies and scores with the field named."""

from __future__ import annotations

import copy
import json

import pytest

from magcore import CycleDefinition, DefinitionError, ScoringNotAllowedError

from ..conftest import EXAMPLE_CYCLES

BASE = json.loads((EXAMPLE_CYCLES / "employee-manager.json").read_text())


def changed(change):
    data = copy.deepcopy(BASE)
    change(data)
    return data


def test_round_trip_json():
    """A definition survives to_json/from_json unchanged, and its fingerprint is stable."""
    cycle = CycleDefinition.from_json(BASE)
    again = CycleDefinition.from_json(json.loads(json.dumps(cycle.to_json())))
    assert again == cycle
    assert again.fingerprint() == cycle.fingerprint()


@pytest.mark.parametrize(
    ("change", "pointer", "words"),
    [
        (
            lambda d: d["kinds"][0].__setitem__("initiators", ["coach"]),
            "/kinds/0/initiators",
            "does not take part",
        ),
        (
            lambda d: d["kinds"][0]["cadence"].__setitem__("kind", "interval"),
            "/kinds/0/cadence/every_months",
            "needs every_months",
        ),
        (
            lambda d: d["kinds"][0]["cadence"].__setitem__("per_year", 0),
            "/kinds/0/cadence/per_year",
            "from 1 to 120",
        ),
        (lambda d: d["kinds"][0].__setitem__("colour", "red"), "/kinds/0", "unknown field"),
        (lambda d: d["kinds"][0].pop("pattern"), "/kinds/0/parties", "missing"),
        (
            lambda d: d["kinds"][0].__setitem__("themes", ["nope"]),
            "/kinds/0/themes",
            "not one of the cycle's themes",
        ),
        (lambda d: d["kinds"][0].__setitem__("pattern", "boss"), "/kinds/0/pattern", "not a valid"),
        (lambda d: d["kinds"].append(copy.deepcopy(d["kinds"][0])), "/kinds/1", "appears twice"),
        (lambda d: d.__setitem__("kinds", []), "/kinds", "at least one"),
        (
            lambda d: d["kinds"][0].__setitem__("applies_to", "self_steering"),
            "/kinds/0/applies_to",
            "needs a manager",
        ),
        (
            lambda d: d["kinds"][0]["cadence"].__setitem__("anchor", "13-40"),
            "/kinds/0/cadence/anchor",
            "MM-DD",
        ),
        (lambda d: d.__setitem__("id", "has spaces"), "/id", "not a valid id"),
        (lambda d: d["name"].__setitem__("German", "x"), "/name", "language tags"),
        (
            lambda d: d.__setitem__("approvals_required", "works_council"),
            "/approvals_required",
            "must be a list",
        ),
        (
            lambda d: d.__setitem__("approvals_required", ["executive"]),
            "/approvals_required",
            "WOR art. 27",
        ),
        (
            lambda d: d.__setitem__("approvals_required", ["works_council", "mayor"]),
            "/approvals_required",
            "unknown approving body",
        ),
    ],
)
def test_inconsistent_definitions_name_the_field(change, pointer, words):
    """Every inconsistency raises DefinitionError with the JSON pointer of the field."""
    with pytest.raises(DefinitionError, match=words) as caught:
        CycleDefinition.from_json(changed(change), source="test.json")
    assert caught.value.pointer == pointer
    assert "test.json" in str(caught.value)


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        (lambda d: d["kinds"][0].__setitem__("rating", {"type": "integer"}), "/kinds/0/rating"),
        (lambda d: d["kinds"][0].__setitem__("id", "beoordelingsgesprek"), "/kinds/0/id"),
        (lambda d: d.__setitem__("score_scale", [1, 2, 3]), "/score_scale"),
        (
            lambda d: d["themes"].append({"id": "eindoordeel", "title": "Eindoordeel"}),
            "/themes/3/id",
        ),
    ],
)
def test_scoring_definitions_are_refused(change, pointer):
    """A definition that adds a score is refused before anything else, naming the field."""
    with pytest.raises(ScoringNotAllowedError) as caught:
        CycleDefinition.from_json(changed(change))
    assert caught.value.field == pointer


def test_bad_file_is_a_clear_error(tmp_path):
    """A file that is not JSON names the file."""
    bad = tmp_path / "cycle.json"
    bad.write_text("{not json")
    with pytest.raises(DefinitionError, match="cannot read cycle definition") as caught:
        CycleDefinition.from_file(bad)
    assert str(bad) in str(caught.value)
