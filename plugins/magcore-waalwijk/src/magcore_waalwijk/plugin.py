"""magcore-waalwijk's hooks: the stress triangle as data (cycle.json, forms/), one rule in code.

:class:`~magcore.packaged.PackagedPlugin` registers the files; this subclass adds the record
check of :mod:`.consent` and its messages. The entry point names ``plugin``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from magcore.errors import Problem
from magcore.hookspecs import Register, hookimpl
from magcore.i18n import MessageBundle
from magcore.packaged import PackagedPlugin

from . import consent

__all__ = ["StressTriangle", "plugin"]


class StressTriangle(PackagedPlugin):
    """The shipped files plus the rule of :mod:`.consent`."""

    @hookimpl
    def magcore_check_record(self, record: Mapping[str, Any], conversation: Any) -> list[Problem]:
        """The coach's observations need the employee's consent (see :mod:`.consent`)."""
        return consent.record_problems(record, conversation)

    @hookimpl
    def magcore_register_messages(self, register: Register[MessageBundle]) -> None:
        """The consent rule's message in Dutch and English."""
        for bundle in consent.message_bundles():
            register(bundle)


plugin = StressTriangle(__package__)
