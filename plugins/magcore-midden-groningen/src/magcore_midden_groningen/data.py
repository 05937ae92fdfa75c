"""The plugin's data: the cycle definition and forms, kept as JSON files next to this module."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

from magcore.model.cycle import CycleDefinition

__all__ = ["PLUGIN", "definition", "forms", "load"]

PLUGIN = "magcore-midden-groningen"


def load(name: str) -> Any:
    """The JSON file *name* (a path inside the package) as plain data."""
    return json.loads(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"))


@functools.cache
def definition() -> CycleDefinition:
    """The cycle definition as shipped."""
    return CycleDefinition.from_json(load("cycle.json"), source=f"{PLUGIN}:cycle.json")


def forms() -> tuple[dict[str, Any], ...]:
    """The plugin's form definitions as plain JSON data (fresh copies), in file-name order."""
    folder = resources.files(__package__).joinpath("forms")
    names = sorted(entry.name for entry in folder.iterdir() if entry.name.endswith(".json"))
    return tuple(load(f"forms/{name}") for name in names)
