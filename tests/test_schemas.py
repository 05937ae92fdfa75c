"""The shipped JSON Schemas: valid 2020-12, examples validate, offline refs, current docs."""

from __future__ import annotations

import copy
from pathlib import Path

import jsonschema
import pytest
import referencing.exceptions

from magcore import schemas

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = {
    "conversation",
    "preparation",
    "record",
    "agreement",
    "goal",
    "sharing-choice",
    "audit-entry",
    "event",
    "subject-access-export",
    "cycle-definition",
    "form-definition",
}


def test_every_record_kind_has_a_schema_and_every_file_is_listed():
    """The issue's list is covered, and no schema file is left out of SCHEMA_NAMES."""
    on_disk = {p.name.removesuffix(".schema.json") for p in (ROOT / "schemas").glob("*.json")}

    assert set(schemas.SCHEMA_NAMES) >= REQUIRED
    assert on_disk == set(schemas.SCHEMA_NAMES)


@pytest.mark.parametrize("name", schemas.SCHEMA_NAMES)
def test_schema_passes_the_meta_schema_and_is_documented(name):
    """Each schema is valid 2020-12, has its stable $id, a title, a description and examples."""
    schema = schemas.load(name)

    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == schemas.schema_id(name)
    assert schema["title"]
    assert schema["description"]
    assert schema["examples"]


@pytest.mark.parametrize("name", schemas.SCHEMA_NAMES)
def test_every_example_validates(name):
    """Every example in a schema is valid against it (refs resolved through the registry)."""
    for example in schemas.load(name)["examples"]:
        assert schemas.problems(name, example) == []


@pytest.mark.parametrize(
    ("name", "pointer", "value", "keyword"),
    [
        ("record", "/medium", "fax", "enum"),
        ("record", "/at", "2025-03-03", "format"),
        ("agreement", "/owner", "hr", "enum"),
        ("sharing-choice", "/what", "private_notes", "pattern"),
        ("audit-entry", "/hash", "not-a-hash", "pattern"),
        ("event", "/version", 0, "minimum"),
        ("goal", "/status", "excellent", "enum"),
    ],
)
def test_a_broken_example_is_rejected_with_its_pointer(name, pointer, value, keyword):
    """Changing one field of a valid example to a bad value yields one problem at that field."""
    example = copy.deepcopy(schemas.load(name)["examples"][0])
    example[pointer.strip("/")] = value

    problems = schemas.problems(name, example)

    assert [(p.pointer, p.keyword) for p in problems] == [(pointer, keyword)]


def test_a_paper_registration_holds_no_content():
    """content_on_paper: true means medium paper and no summary, agreements or answers."""
    paper = copy.deepcopy(schemas.load("record")["examples"][1])
    assert schemas.problems("record", paper) == []

    paper["summary"] = "stiekem toch tekst"
    paper["medium"] = "digital"

    assert {p.pointer for p in schemas.problems("record", paper)} == {"/summary", "/medium"}


def test_nested_refs_resolve_across_schemas():
    """The export refers to agreement and goal, which refer to common: all offline."""
    export = copy.deepcopy(schemas.load("subject-access-export")["examples"][0])
    agreement = {**schemas.load("agreement")["examples"][0], "owner": "nobody"}
    export["conversations_about_you"][0]["agreements"] = [agreement]
    export["goals"][0]["created_at"] = "yesterday"

    problems = schemas.problems("subject-access-export", export)

    assert [p.pointer for p in problems] == [
        "/conversations_about_you/0/agreements/0/owner",
        "/goals/0/created_at",
    ]


def test_unknown_references_are_never_fetched():
    """The registry refuses any URI it does not hold instead of going to the network."""
    registry = schemas.registry()

    with pytest.raises(referencing.exceptions.Unresolvable):
        registry.resolver().lookup("https://json-schema.example/not-here.json")
    assert registry.contents(schemas.schema_id("record"))["title"].startswith("Record")


def test_schema_dir_prefers_the_installed_package_and_falls_back_to_the_checkout(
    tmp_path, monkeypatch
):
    """A folder counts only if it holds the schemas; the first one that does wins."""
    empty = tmp_path / "empty"
    empty.mkdir()
    packaged = tmp_path / "packaged"
    packaged.mkdir()
    (packaged / "common.schema.json").write_text("{}", encoding="utf-8")
    schemas.schema_dir.cache_clear()
    try:
        monkeypatch.setattr(schemas, "_candidates", lambda: iter([empty, packaged]))
        assert schemas.schema_dir() == packaged
        schemas.schema_dir.cache_clear()
        monkeypatch.setattr(schemas, "_candidates", lambda: iter([empty]))
        with pytest.raises(schemas.NotFoundError):
            schemas.schema_dir()
    finally:
        monkeypatch.undo()
        schemas.schema_dir.cache_clear()
    assert (Path(str(schemas.schema_dir())) / "record.schema.json").is_file()


def test_cycle_definition_json_fits_the_schema():
    """Every example cycle, as loaded and written back by the model, fits the schema."""
    from magcore.model.cycle import CycleDefinition

    for path in sorted((ROOT / "docs" / "examples" / "cycles").glob("*.json")):
        definition = CycleDefinition.from_file(path)
        assert schemas.problems("cycle-definition", definition.to_json()) == [], path


def test_form_definitions_fit_the_schema():
    """MAG's form files fit the form-definition schema."""
    folder = ROOT / "plugins" / "magcore-amsterdam" / "src" / "magcore_amsterdam" / "forms"
    import json

    for path in sorted(folder.glob("*.form.json")):
        assert schemas.problems("form-definition", json.loads(path.read_text("utf-8"))) == []


def test_record_format_reference_is_current():
    """docs/reference/record-format.md is what `python -m magcore.schemas` prints now."""
    page = ROOT / "docs" / "reference" / "record-format.md"

    assert page.read_text(encoding="utf-8") == schemas.reference_markdown(), (
        "regenerate: python -m magcore.schemas > docs/reference/record-format.md"
    )


def test_cycle_definition_reference_is_current():
    """docs/reference/cycle-definition.md is what `python -m magcore.cycle_reference` prints."""
    from magcore import cycle_reference

    page = ROOT / "docs" / "reference" / "cycle-definition.md"
    assert page.read_text(encoding="utf-8") == cycle_reference.reference_markdown(), (
        "regenerate: python -m magcore.cycle_reference > docs/reference/cycle-definition.md"
    )


def test_every_field_of_a_kind_cadence_and_party_is_described_with_an_example():
    """The reference lists every field with what it means and an example: none is left bare."""
    from magcore.cycle_reference import SECTIONS

    root = schemas.load("cycle-definition")
    for _title, section in SECTIONS:
        schema = root if not section else root["$defs"][section]
        for field, sub in schema["properties"].items():
            assert sub.get("description"), f"{section or 'cycle'}.{field} has no description"
            assert sub.get("examples"), f"{section or 'cycle'}.{field} has no example"
    page = (ROOT / "docs" / "reference" / "cycle-definition.md").read_text(encoding="utf-8")
    for name in ("parties", "membership", "window_days", "delay_days", "confirms", "event"):
        assert f"| `{name}` |" in page
