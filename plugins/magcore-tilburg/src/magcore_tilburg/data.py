"""The plugin's data: the cycle definition and forms, kept as JSON files next to this module.

Why a builder: the quiet period after which magcore gently suggests a conversation is a policy
choice. Policy is versioned (the works council consents to each version), so a different quiet
period is a new version of the definition, made with :func:`make_definition`, never a hidden
setting.
"""

from __future__ import annotations

import copy
import functools
import json
from importlib import resources
from typing import Any

from magcore.model.cycle import CycleDefinition

__all__ = ["DEFAULT_QUIET_DAYS", "PLUGIN", "definition", "forms", "make_definition"]

PLUGIN = "magcore-tilburg"
#: Days without a conversation after which magcore suggests one (a prompt, never an obligation).
DEFAULT_QUIET_DAYS = 120
_FORMS = ("tilburg-preparation.json", "tilburg-record.json")


def _load(name: str) -> dict[str, Any]:
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@functools.cache
def _cycle_json() -> dict[str, Any]:
    return _load("cycle.json")


def make_definition(
    *, quiet_days: int = DEFAULT_QUIET_DAYS, version: int | None = None
) -> CycleDefinition:
    """The continuous dialogue with a quiet period of *quiet_days* days.

    A quiet period other than the default is a policy change: pass a *version* above the
    shipped one so both versions can live side by side (conversations keep the version they
    started under).
    """
    data = copy.deepcopy(_cycle_json())
    for kind in data["kinds"]:
        if kind["cadence"]["kind"] == "free":
            kind["cadence"]["quiet_days"] = quiet_days
    if version is not None:
        data["version"] = version
    return CycleDefinition.from_json(data, source=f"{PLUGIN}:cycle.json")


@functools.cache
def definition() -> CycleDefinition:
    """The cycle as shipped (quiet period :data:`DEFAULT_QUIET_DAYS`)."""
    return make_definition()


def forms() -> tuple[dict[str, Any], ...]:
    """The plugin's form definitions as plain JSON data (fresh copies)."""
    return tuple(_load(f"forms/{name}") for name in _FORMS)
