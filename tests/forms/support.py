"""Shared helpers for the forms tests: MAG's forms from the plugin folder, sample answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from magcore.forms import FormDefinition

ROOT = Path(__file__).resolve().parents[2]
AMSTERDAM_FORMS = ROOT / "plugins" / "magcore-amsterdam" / "src" / "magcore_amsterdam" / "forms"


def mag_form(name: str) -> FormDefinition:
    """MAG's ``preparation`` or ``agreement`` form as the plugin registers it (with its own
    stylesheet), loaded (and so checked) by magcore."""
    from magcore_amsterdam.plugin import plugin

    (document,) = [d for d in plugin.forms() if d["id"] == f"mag-{name}"]
    return FormDefinition.from_json(document, source="magcore-amsterdam")


FILLED: dict[str, dict[str, Any]] = {
    "preparation": {
        "going_well": "Het nieuwe rooster werkt goed.\nIk help nieuwe collega's op weg.",
        "themes": ["vitality", "learning_and_development"],
        "wellbeing": "Soms is het druk, maar het gaat.",
        "learning": "Ik wil leren plannen <met> tools & overzicht.",
    },
    "agreement": {
        "held_on": "2025-03-10",
        "employee_name": "Sanne de Vries",
        "manager_name": "Ahmed Bakker",
        "themes": ["vitality", "career_and_mobility"],
        "summary": "We hebben gepraat over werkdruk en over een volgende stap.",
        "agreements": [
            {"text": "Sanne volgt een training plannen.", "owner": "employee", "due": "2025-06-30"},
            {"text": "We kijken samen naar het rooster.", "owner": "both", "theme": "vitality"},
        ],
        "learning_hours": 8,
        "next_conversation": "2025-09-15",
    },
}

BROKEN: dict[str, dict[str, Any]] = {
    "preparation": {"going_well": "x" * 4001, "themes": ["vitality", "promotion"]},
    "agreement": {
        "held_on": "10-03-2025",
        "agreements": [{"text": "", "owner": "everyone"}, {"owner": "manager"}],
        "learning_hours": -2,
    },
}
