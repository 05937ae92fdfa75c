"""The hook implementations of magcore-amsterdam: thin, declarative, data only."""

from __future__ import annotations

from typing import Any

from magcore.hookspecs import Register, hookimpl

from . import cycle, themes, workflows
from .forms import load_forms

__all__ = [
    "magcore_register_cycles",
    "magcore_register_forms",
    "magcore_register_themes",
    "magcore_register_workflows",
]


@hookimpl
def magcore_register_cycles(register: Register[Any]) -> None:
    """MAG's cycle (version 1)."""
    register(cycle.MAG)


@hookimpl
def magcore_register_themes(register: Register[Any]) -> None:
    """MAG's six themes as cards."""
    for theme in themes.ALL:
        register(theme)


@hookimpl
def magcore_register_forms(register: Register[Any]) -> None:
    """MAG's preparation form and agreement form."""
    for form in load_forms():
        register(form)


@hookimpl
def magcore_register_workflows(register: Register[Any]) -> None:
    """MAG's reminders: plan your conversation; your agreements from last time."""
    for workflow in workflows.ALL:
        register(workflow)
