"""The hook implementations of magcore-vakmanschap: thin, declarative, data from JSON files."""

from __future__ import annotations

from typing import Any

from magcore.hookspecs import Register, hookimpl
from magcore.model.cycle import CycleDefinition
from magcore.model.themes import Theme

from . import data, measurement

__all__ = ["magcore_register_cycles", "magcore_register_forms", "magcore_register_themes"]


@hookimpl
def magcore_register_cycles(register: Register[CycleDefinition]) -> None:
    """Amsterdam WPI's Vakmanschap: the cycle definition."""
    register(data.definition())


@hookimpl
def magcore_register_themes(register: Register[Theme]) -> None:
    """The cycle's themes as cards."""
    for theme in data.definition().themes:
        register(theme)


@hookimpl
def magcore_register_forms(register: Register[Any]) -> None:
    """The dilemma record and the anonymous team questionnaire."""
    for form in data.forms():
        register(form)
    titles = {theme.id: theme.title for theme in data.definition().themes}
    register(measurement.questionnaire(titles))
