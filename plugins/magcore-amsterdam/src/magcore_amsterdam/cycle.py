"""MAG's conversation cycle as data.

At least one conversation a year between employee and manager; either of them may ask for it;
both prepare; the agreements are recorded digitally or on paper; a new version of the cycle
needs the works council's consent and the municipal executive's approval. No score anywhere.
"""

from __future__ import annotations

from typing import Any

from magcore.model.cycle import CycleDefinition

from .themes import THEMES_JSON

__all__ = ["MAG", "MAG_JSON"]

#: The cycle as plain JSON data (what a works council reviews).
MAG_JSON: dict[str, Any] = {
    "id": "mag",
    "version": 1,
    "name": {"nl": "Mijn Amsterdams Gesprek", "en": "My Amsterdam Conversation"},
    "description": {
        "nl": (
            "Minstens één keer per jaar een open gesprek tussen jou en je leidinggevende. "
            "Jullie bereiden het allebei voor. Er komt geen beoordeling of cijfer uit. "
            "Jullie maken samen afspraken, digitaal of op papier."
        ),
        "en": (
            "At least once a year an open conversation between you and your manager. "
            "You both prepare. There is no assessment and no grade. "
            "You make agreements together, digitally or on paper."
        ),
    },
    "themes": list(THEMES_JSON),
    "kinds": [
        {
            "id": "mag",
            "name": {"nl": "Mijn Amsterdams Gesprek", "en": "My Amsterdam Conversation"},
            "pattern": "employee_manager",
            "cadence": {"kind": "per_year", "per_year": 1},
            "initiators": ["employee", "manager"],
            "preparers": ["employee", "manager"],
            "themes": [str(theme["id"]) for theme in THEMES_JSON],
            "applies_to": "with_manager",
            "preparation_form": "mag-preparation",
            "record_form": "mag-agreement",
            "duration_minutes": 60,
        }
    ],
    "recording": ["digital", "paper"],
    "approvals_required": ["works_council", "executive"],
    "retention_profile": "selectielijst-2020",
}

#: MAG, version 1, checked by magcore when this module is imported.
MAG: CycleDefinition = CycleDefinition.from_json(MAG_JSON, source="magcore-amsterdam")
