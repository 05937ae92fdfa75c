"""The hook implementations of magcore-rijswijk: thin, declarative, data from JSON files."""

from __future__ import annotations

from typing import Any

from magcore.errors import Problem
from magcore.hookspecs import Register, hookimpl
from magcore.model.cycle import CycleDefinition
from magcore.model.themes import Theme

from . import data, goals

__all__ = [
    "magcore_check_record",
    "magcore_register_cycles",
    "magcore_register_forms",
    "magcore_register_messages",
    "magcore_register_themes",
]


@hookimpl
def magcore_register_cycles(register: Register[CycleDefinition]) -> None:
    """Rijswijk's growth matrix: the cycle definition."""
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
def magcore_check_record(record: Any, form: Any, conversation: Any) -> list[Problem]:
    """A personal goal belongs to a core value that was discussed (see :mod:`.goals`)."""
    return goals.record_problems(record, conversation)


@hookimpl
def magcore_register_messages(register: Register[Any]) -> None:
    """The goal rule's message in Dutch and English."""
    for bundle in goals.message_bundles():
        register(bundle)
