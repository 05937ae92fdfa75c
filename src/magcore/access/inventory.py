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


#: The fields every cycle records, in the inventory's order: field, category, purpose and who
#: may see it (a part of the record, whose readers follow from the legal bases, or a text).
_RECORDED = (
    (
        "conversation/metadata",
        "personal data (who, when, which kind)",
        "planning and holding conversations; participation statistics (k-anonymous)",
        "metadata",
    ),
    (
        "record/summary",
        "personal data, including opinions about the employee",
        "remembering what was discussed and agreed",
        "record",
    ),
    (
        "agreement/text",
        "personal data",
        "following up agreements; carrying open agreements forward",
        "agreement",
    ),
    ("preparation/answers", "personal data", "preparing the conversation", "preparation"),
    (
        "dissent/text",
        "personal data",
        "recording disagreement with the record (two-sidedness)",
        "dissent",
    ),
    (
        "response/text",
        "personal data",
        "the employee's own view next to what others wrote (correction)",
        "response",
    ),
    (
        "private_note/text",
        "private author note (declared category)",
        "the author's own memory",
        "the author alone; included in the employee's subject-access export",
    ),
    (
        "sharing_choice",
        "personal data (the employee's own choices)",
        "showing the record to others on the employee's terms",
        "the employee; the privacy officer",
    ),
    (
        "audit_log",
        "log data (BIO2)",
        "accountability: who read or changed what, and why",
        "the privacy officer; the employee for lines about their own record",
    ),
)


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
    agreement_who = _who(legal_bases, "agreement", False)
    if special_themes:
        agreement_who += f"; agreements on {', '.join(special_themes)} are special-category"
    who = {
        "metadata": _who(legal_bases, "metadata", False),
        "record": _who(legal_bases, "record", False),
        "agreement": agreement_who,
        "preparation": "the author; the other participants once published; "
        + _who(legal_bases, "preparation", False),
        "dissent": _who(legal_bases, "dissent", False),
        "response": _who(legal_bases, "response", False),
    }
    rows = [
        InventoryRow(
            field=field,
            category=category,
            purpose=purpose,
            who_may_see=who.get(readers, readers),
            retention=retention,
            sensitivity="normal",
        )
        for field, category, purpose, readers in _RECORDED
    ]
    # conversation/metadata outlives the content; agreement/text may be special-category.
    rows[0] = attrs.evolve(
        rows[0],
        retention=retention + "; after destruction a content-free row (who, when, which kind, "
        "state) stays for participation statistics",
    )
    if special_themes:
        rows[2] = attrs.evolve(
            rows[2], sensitivity="normal; special-category when about " + ", ".join(special_themes)
        )
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
