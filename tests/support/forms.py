"""A one-field record form the tests use: a summary of at most 500 characters."""

from __future__ import annotations

from typing import Any

TINY_RECORD_FORM: dict[str, Any] = {
    "id": "tiny-record",
    "version": 1,
    "purpose": "record",
    "title": {"nl": "Verslag", "en": "Record"},
    "schema": {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "required": ["summary"],
        "properties": {"summary": {"type": "string", "minLength": 1, "maxLength": 500}},
    },
    "ui": {"fields": {"summary": {"label": {"nl": "Samenvatting", "en": "Summary"}}}},
}
