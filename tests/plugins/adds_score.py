"""A plugin that tries to add a score: in a cycle, in a form and in a workflow."""

from __future__ import annotations

from magcore import hookimpl

from .good import DEFINITION


@hookimpl
def magcore_register_cycles(register):
    register({**DEFINITION, "id": "fine-cycle"})  # fine on its own, but dropped with the next
    scored = {**DEFINITION, "id": "second-cycle"}
    scored["kinds"] = [{**DEFINITION["kinds"][0], "id": "rating"}]
    register(scored)


@hookimpl
def magcore_register_forms(register):
    register(
        {
            "id": "review-form",
            "version": 1,
            "purpose": "record",
            "title": {"nl": "Verslag", "en": "Record"},
            "schema": {
                "type": "object",
                "properties": {"performance": {"type": "integer", "minimum": 1, "maximum": 5}},
            },
            "ui": {"groups": []},
        }
    )


@hookimpl
def magcore_register_workflows(register):
    register(
        {
            "id": "low-performers",
            "name": {"nl": "Laag", "en": "Low"},
            "trigger": {"type": "quiet", "days": 30},
            "condition": {"score_below": 3},
            "actions": [{"do": "remind", "to": "manager"}],
        }
    )
