"""magcore-rijswijk's hooks: the growth matrix as data (cycle.json, forms/), one rule in code.

:class:`~magcore.packaged.PackagedPlugin` registers the files; this subclass adds the record
check of :mod:`.goals` and its messages. The entry point names ``plugin``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from magcore.errors import Problem
from magcore.hookspecs import Register, hookimpl
from magcore.i18n import MessageBundle
from magcore.packaged import PackagedPlugin

from . import goals

__all__ = ["GrowthMatrix", "plugin"]


class GrowthMatrix(PackagedPlugin):
    """The shipped files plus the rule of :mod:`.goals`."""

    @hookimpl
    def magcore_check_record(self, record: Mapping[str, Any], conversation: Any) -> list[Problem]:
        """A personal goal belongs to a core value that was discussed (see :mod:`.goals`)."""
        return goals.record_problems(record, conversation)

    @hookimpl
    def magcore_register_messages(self, register: Register[MessageBundle]) -> None:
        """The goal rule's message in Dutch and English."""
        for bundle in goals.message_bundles():
            register(bundle)


plugin = GrowthMatrix(__package__)
