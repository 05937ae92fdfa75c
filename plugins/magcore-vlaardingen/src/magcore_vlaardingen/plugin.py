"""magcore-vlaardingen's hooks: the conversation as data, plus the anonymous team questionnaire.

:class:`~magcore.packaged.PackagedPlugin` registers the cycle and the profile form; this subclass
adds ``questionnaire.json`` (the team's resources) to magcore's anonymous team measurement.
"""

from __future__ import annotations

from typing import Any

from magcore.hookspecs import Register, hookimpl
from magcore.packaged import PackagedPlugin

__all__ = ["Vlaardingen", "plugin"]


class Vlaardingen(PackagedPlugin):
    """The shipped cycle and form plus the anonymous team questionnaire."""

    @hookimpl
    def magcore_register_questionnaires(self, register: Register[Any]) -> None:
        """The team's resources, counted anonymously (the team report)."""
        register(self.load("questionnaire.json"))


plugin = Vlaardingen(__package__)
