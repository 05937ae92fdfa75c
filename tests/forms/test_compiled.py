"""Form definitions are schema-checked once per content; a broken one is always explained, and
the scoring guard runs every time."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from magcore.errors import DefinitionError, ScoringNotAllowedError
from magcore.forms import FormDefinition, compiled, definition

from .support import AMSTERDAM_FORMS


def _document() -> dict[str, Any]:
    return json.loads((AMSTERDAM_FORMS / "preparation.form.json").read_text(encoding="utf-8"))


@pytest.fixture
def counted(tmp_path, monkeypatch):
    """A fresh cache folder and memory; counts how often jsonschema explains a document."""
    monkeypatch.setenv("MAGCORE_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(compiled, "_CHECKED", set())
    calls = []
    original = definition._check_document

    def check(data, source):
        calls.append(source)
        return original(data, source)

    monkeypatch.setattr(definition, "_check_document", check)
    return calls


def test_the_same_content_is_checked_once_and_remembered_on_disk(counted, monkeypatch, tmp_path):
    monkeypatch.setattr(compiled, "_fast_validators", lambda: None)  # jsonschema explains
    FormDefinition.from_json(_document())
    assert len(counted) == 1
    FormDefinition.from_json(_document())
    assert len(counted) == 1  # remembered in this process
    monkeypatch.setattr(compiled, "_CHECKED", set())
    FormDefinition.from_json(_document())
    assert len(counted) == 1  # remembered on disk, as a next command would find it
    assert list(tmp_path.rglob(compiled.content_key(_document())))


def test_changed_content_is_checked_again(counted, monkeypatch):
    monkeypatch.setattr(compiled, "_fast_validators", lambda: None)
    FormDefinition.from_json(_document())
    changed = _document()
    changed["title"] = {"nl": "Andere titel", "en": "Another title"}
    FormDefinition.from_json(changed)
    assert len(counted) == 2


def test_with_jsonschema_rs_a_valid_form_needs_no_explaining(counted):
    pytest.importorskip("jsonschema_rs")
    FormDefinition.from_json(_document())
    assert counted == []


def test_a_broken_form_is_explained_every_time(counted):
    broken = _document()
    broken["schema"]["properties"]["wellbeing"] = {"type": "nonsense"}
    for _ in range(2):
        with pytest.raises(DefinitionError, match="not valid JSON Schema 2020-12"):
            FormDefinition.from_json(broken)
    assert not compiled._CHECKED


def test_the_scoring_guard_runs_even_for_remembered_content(counted):
    scoring = _document()
    scoring["schema"]["properties"]["score"] = {"type": "integer", "minimum": 1, "maximum": 5}
    compiled._CHECKED.add(compiled.content_key(copy.deepcopy(scoring)))  # as if checked before
    with pytest.raises(ScoringNotAllowedError):
        FormDefinition.from_json(scoring)
