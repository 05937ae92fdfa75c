"""The hook implementations of magcore-vitality: thin, declarative, data from JSON files."""

from __future__ import annotations

from typing import Any

from magcore.hookspecs import Register, hookimpl
from magcore.model.cycle import CycleDefinition
from magcore.model.themes import Theme

from . import data

__all__ = ["magcore_register_cycles", "magcore_register_forms", "magcore_register_themes"]


@hookimpl
def magcore_register_cycles(register: Register[CycleDefinition]) -> None:
    """The VNG vitality conversation: the cycle definition."""
    register(data.definition())


@hookimpl
def magcore_register_themes(register: Register[Theme]) -> None:
    """The cycle's themes as cards."""
    for theme in data.definition().themes:
        register(theme)


@hookimpl
def magcore_register_forms(register: Register[Any]) -> None:
    """The preparation and record forms."""
    for form in data.forms():
        register(form)
