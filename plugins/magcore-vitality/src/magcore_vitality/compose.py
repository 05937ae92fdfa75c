"""The vitality conversation as a building block another cycle can take in.

Why: the VNG vitality criteria apply to every municipality, but each has its own cycle. So this
plugin offers the vitality conversation twice: as a standalone cycle (``vng-vitality``, for a
municipality that wants nothing else) and as a **fragment** — plain data with the four themes
and the conversation kind — that :func:`add_to` folds into any other cycle definition.

Composing is a change of policy, so :func:`add_to` returns a *new version* of the other cycle
(the works council consents to it like any other version). The composed kind keeps everything
that makes vitality special-category (the kind and all four themes are marked, and it names this
plugin's forms, whose fields are all ``special-category-risk``), so install ``magcore-vitality``
next to the cycle that uses it: the forms come from here.

A municipality plugin composes in its own ``magcore_register_cycles``::

    from magcore_vitality.compose import add_to

    @hookimpl
    def magcore_register_cycles(register):
        register(add_to(MY_CYCLE, overrides={"cadence": {"kind": "interval", "every_months": 6}}))
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from magcore.errors import DefinitionError
from magcore.model.cycle import CycleDefinition

from .plugin import plugin

__all__ = ["KIND_ID", "add_to", "fragment"]

#: The id of the vitality kind in the standalone cycle and, by default, in a composed one.
KIND_ID = "vitality"
_PROTECTED = ("themes", "special_category", "preparation_form", "record_form", "pattern")


def fragment() -> dict[str, Any]:
    """The vitality themes and conversation kind as plain JSON data (a fresh copy)."""
    data = plugin.load("cycle.json")
    (kind,) = (k for k in data["kinds"] if k["id"] == KIND_ID)
    return {"themes": copy.deepcopy(data["themes"]), "kinds": [copy.deepcopy(kind)]}


def add_to(
    cycle: CycleDefinition | Mapping[str, Any],
    *,
    kind_id: str = KIND_ID,
    overrides: Mapping[str, Any] | None = None,
    version: int | None = None,
) -> CycleDefinition:
    """*cycle* with the vitality conversation added, as a new version.

    :param kind_id: the id the vitality kind gets in *cycle* (must not be taken yet).
    :param overrides: kind fields to change (``cadence``, ``initiators``, ``preparers``,
        ``applies_to``, ``duration_minutes``, ``name``); the themes, forms, pattern and the
        special-category mark cannot be changed.
    :param version: the new version number (default: *cycle*'s version plus one).
    :raises DefinitionError: naming the field, if the result would not be a valid cycle.
    """
    data = cycle.to_json() if isinstance(cycle, CycleDefinition) else copy.deepcopy(dict(cycle))
    piece = fragment()
    kind = piece["kinds"][0]
    for name, value in (overrides or {}).items():
        if name in _PROTECTED or name == "id":
            raise DefinitionError(
                f"the vitality kind's {name} cannot be changed when composing",
                pointer=f"/overrides/{name}",
            )
        kind[name] = copy.deepcopy(value)
    kind["id"] = kind_id
    kinds = list(data.get("kinds", ()))
    if any(k.get("id") == kind_id for k in kinds):
        raise DefinitionError(f"cycle already has a kind {kind_id!r}", pointer="/kinds")
    themes = list(data.get("themes", ()))
    known = {t.get("id"): t for t in themes}
    for theme in piece["themes"]:
        existing = known.get(theme["id"])
        if existing is None:
            themes.append(theme)
        elif _normal(existing) != _normal(theme):
            raise DefinitionError(
                f"cycle has its own theme {theme['id']!r}, different from the vitality theme",
                pointer="/themes",
            )
    data["themes"] = themes
    data["kinds"] = [*kinds, kind]
    data["version"] = version if version is not None else int(data.get("version", 0)) + 1
    return CycleDefinition.from_json(data, source="magcore-vitality:compose")


def _normal(theme: Mapping[str, Any]) -> tuple[Any, ...]:
    """A theme document with its defaults filled in, for comparing two of them."""
    return (
        theme.get("id"),
        theme.get("title"),
        list(theme.get("prompts", ())),
        bool(theme.get("special_category", False)),
    )
