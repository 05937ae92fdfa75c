"""magcore-wethouder's hooks: the meetings as data (cycle.json), plus the anonymous theme poll.

:class:`~magcore.packaged.PackagedPlugin` registers the cycle; this subclass adds
``questionnaire.json`` (the themes people want the alderman to hear about) to magcore's anonymous
team measurement. The entry point names ``plugin``.
"""

from __future__ import annotations

from typing import Any

from magcore.hookspecs import Register, hookimpl
from magcore.packaged import PackagedPlugin

__all__ = ["Wethouder", "plugin"]


class Wethouder(PackagedPlugin):
    """The shipped cycle plus the anonymous theme poll."""

    @hookimpl
    def magcore_register_questionnaires(self, register: Register[Any]) -> None:
        """The themes, collected anonymously per network before a meeting."""
        register(self.load("questionnaire.json"))


plugin = Wethouder(__package__)
