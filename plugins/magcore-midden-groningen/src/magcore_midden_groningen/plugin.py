"""The hook implementations of magcore-midden-groningen: thin, declarative, data only."""

from __future__ import annotations

from typing import Any

from magcore.hookspecs import Register, hookimpl
from magcore.model.cycle import CycleDefinition
from magcore.model.themes import Theme

from . import data, vocabulary, workflows

__all__ = [
    "magcore_register_cycles",
    "magcore_register_forms",
    "magcore_register_messages",
    "magcore_register_themes",
    "magcore_register_workflows",
]


@hookimpl
def magcore_register_cycles(register: Register[CycleDefinition]) -> None:
    """Midden-Groningen's Eigenaarschap en Bondgenootschap: the cycle definition."""
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


@hookimpl
def magcore_register_messages(register: Register[Any]) -> None:
    """Say "inwoner" / "resident", never "klant" / "customer"."""
    for bundle in vocabulary.BUNDLES:
        register(bundle)


@hookimpl
def magcore_register_workflows(register: Register[Any]) -> None:
    """Ask the manager to plan the welcome conversation and the six-month review."""
    for workflow in workflows.ALL:
        register(workflow)
