"""A well-behaved plugin: one cycle, one theme, and an observer that counts batches."""

from __future__ import annotations

from magcore import CycleDefinition, Theme, hookimpl

DEFINITION = {
    "id": "good-cycle",
    "version": 1,
    "name": {"nl": "Goed gesprek", "en": "Good conversation"},
    "kinds": [
        {
            "id": "talk",
            "name": {"nl": "Gesprek", "en": "Conversation"},
            "pattern": "employee_manager",
            "cadence": {"kind": "per_year", "per_year": 1},
            "initiators": ["employee", "manager"],
            "preparers": ["employee", "manager"],
        }
    ],
}

BATCHES: list[int] = []


@hookimpl
def magcore_register_cycles(register):
    register(CycleDefinition.from_json(DEFINITION))


@hookimpl
def magcore_register_themes(register):
    register(Theme(id="good-theme", title={"nl": "Goed", "en": "Good"}))


@hookimpl
def magcore_events_committed(batch):
    BATCHES.append(len(batch.events))
