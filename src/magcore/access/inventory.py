"""The data inventory (AVG art. 30): what magcore holds, why, for how long and who may read it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from ..model.cycle import CycleDefinition
from .decision import LegalBasis
from .reading import (
    SENSITIVITY_KEY,
    SPECIAL_CATEGORY_RISK,
)
from .retention import BUILTIN_PROFILES, RetentionProfile

__all__ = ["InventoryRow", "data_inventory", "inventory_markdown"]


@attrs.frozen(kw_only=True)
class InventoryRow:
    """One recorded field as a DPIA lists it."""

    field: str
    category: str
    purpose: str
    who_may_see: str
    retention: str
    sensitivity: str

    def to_json(self) -> dict[str, str]:
        return attrs.asdict(self)


_PARTICIPANTS = (
    "participants; others only by the employee's sharing choice or a declared legal basis"
)


def _who(legal_bases: Sequence[LegalBasis], part: str, special: bool) -> str:
    if special:
        return (
            "participants; others only by the employee's own sharing choice; never in HR "
            "overviews or research data"
        )
    bases = [
        f"{b.name} ({b.article}): {', '.join(sorted(b.roles))}"
        for b in legal_bases
        if part in {p.value for p in b.parts}
    ]
    return _PARTICIPANTS + ("; legal bases: " + "; ".join(bases) if bases else "")


def data_inventory(
    cycle: CycleDefinition,
    *,
    forms: Mapping[str, Any] | None = None,
    profiles: Mapping[str, RetentionProfile] = BUILTIN_PROFILES,
    legal_bases: Sequence[LegalBasis] = (),
) -> tuple[InventoryRow, ...]:
    """Every field magcore records under *cycle*, with category, purpose, who may see it,
    retention and sensitivity. *forms* maps a form id to its JSON Schema (or a
    ``FormDefinition``, whose ``schema`` is used)."""
    profile = profiles.get(cycle.retention_profile)
    retention = (
        f"{profile.id}: {profile.title.en}" if profile else f"unknown ({cycle.retention_profile})"
    )
    special_themes = sorted(t.id for t in cycle.themes if t.special_category)
    rows = [
        InventoryRow(
            field="conversation/metadata",
            category="personal data (who, when, which kind)",
            purpose="planning and holding conversations; participation statistics (k-anonymous)",
            who_may_see=_who(legal_bases, "metadata", False),
            retention=retention
            + "; after destruction a content-free row (who, when, which kind, state) stays for "
            "participation statistics",
            sensitivity="normal",
        ),
        InventoryRow(
            field="record/summary",
            category="personal data, including opinions about the employee",
            purpose="remembering what was discussed and agreed",
            who_may_see=_who(legal_bases, "record", False),
            retention=retention,
            sensitivity="normal",
        ),
        InventoryRow(
            field="agreement/text",
            category="personal data",
            purpose="following up agreements; carrying open agreements forward",
            who_may_see=_who(legal_bases, "agreement", False)
            + (
                f"; agreements on {', '.join(special_themes)} are special-category"
                if special_themes
                else ""
            ),
            retention=retention,
            sensitivity="normal; special-category when about " + ", ".join(special_themes)
            if special_themes
            else "normal",
        ),
        InventoryRow(
            field="preparation/answers",
            category="personal data",
            purpose="preparing the conversation",
            who_may_see="the author; the other participants once published; "
            + _who(legal_bases, "preparation", False),
            retention=retention,
            sensitivity="normal",
        ),
        InventoryRow(
            field="dissent/text",
            category="personal data",
            purpose="recording disagreement with the record (two-sidedness)",
            who_may_see=_who(legal_bases, "dissent", False),
            retention=retention,
            sensitivity="normal",
        ),
        InventoryRow(
            field="response/text",
            category="personal data",
            purpose="the employee's own view next to what others wrote (correction)",
            who_may_see=_who(legal_bases, "response", False),
            retention=retention,
            sensitivity="normal",
        ),
        InventoryRow(
            field="private_note/text",
            category="private author note (declared category)",
            purpose="the author's own memory",
            who_may_see="the author alone; included in the employee's subject-access export",
            retention=retention,
            sensitivity="normal",
        ),
        InventoryRow(
            field="sharing_choice",
            category="personal data (the employee's own choices)",
            purpose="showing the record to others on the employee's terms",
            who_may_see="the employee; the privacy officer",
            retention=retention,
            sensitivity="normal",
        ),
        InventoryRow(
            field="audit_log",
            category="log data (BIO2)",
            purpose="accountability: who read or changed what, and why",
            who_may_see="the privacy officer; the employee for lines about their own record",
            retention=retention,
            sensitivity="normal",
        ),
    ]
    for theme in cycle.themes:
        if theme.special_category:
            rows.append(
                InventoryRow(
                    field=f"theme/{theme.id}",
                    category="special-category risk (AVG art. 9; UAVG art. 30)",
                    purpose=f"talking about {theme.title.en.lower()}",
                    who_may_see=_who(legal_bases, "record", True),
                    retention=retention,
                    sensitivity=SPECIAL_CATEGORY_RISK,
                )
            )
    for form_id, form in sorted((forms or {}).items()):
        schema = getattr(form, "schema", form)
        for name, field in sorted((schema.get("properties") or {}).items()):
            if not isinstance(field, Mapping):
                continue
            special = field.get(SENSITIVITY_KEY) == SPECIAL_CATEGORY_RISK
            rows.append(
                InventoryRow(
                    field=f"form/{form_id}/{name}",
                    category="special-category risk (AVG art. 9; UAVG art. 30)"
                    if special
                    else "personal data",
                    purpose=str(field.get("description") or field.get("title") or name),
                    who_may_see=_who(legal_bases, "record", special),
                    retention=retention,
                    sensitivity=SPECIAL_CATEGORY_RISK if special else "normal",
                )
            )
    return tuple(rows)


def inventory_markdown(rows: Iterable[InventoryRow]) -> str:
    """The inventory as a Markdown table (for a DPIA document)."""
    lines = [
        "| field | category | purpose | who may see it | retention | sensitivity |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        cells = (
            row.field,
            row.category,
            row.purpose,
            row.who_may_see,
            row.retention,
            row.sensitivity,
        )
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"
