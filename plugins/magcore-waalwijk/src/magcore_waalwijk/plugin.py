"""The hook implementations of magcore-waalwijk: thin, declarative, data from JSON files."""

from __future__ import annotations

from typing import Any

from magcore.errors import Problem
from magcore.hookspecs import Register, hookimpl
from magcore.model.cycle import CycleDefinition
from magcore.model.themes import Theme

from . import consent, data

__all__ = [
    "magcore_check_record",
    "magcore_register_cycles",
    "magcore_register_forms",
    "magcore_register_messages",
    "magcore_register_themes",
]


@hookimpl
def magcore_register_cycles(register: Register[CycleDefinition]) -> None:
    """Waalwijk's stress triangle: the cycle definition."""
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
    """The coach's observations need the employee's consent (see :mod:`.consent`)."""
    return consent.record_problems(record, conversation)


@hookimpl
def magcore_register_messages(register: Register[Any]) -> None:
    """The consent rule's message in Dutch and English."""
    for bundle in consent.message_bundles():
        register(bundle)
