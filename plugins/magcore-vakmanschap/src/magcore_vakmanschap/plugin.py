"""magcore-vakmanschap's hooks: Vakmanschap as data (cycle.json, forms/), plus a questionnaire.

:class:`~magcore.packaged.PackagedPlugin` registers the files; this subclass adds the anonymous
team questionnaire, built from ``behaviours.json`` and the cycle's themes by :mod:`.measurement`.
The entry point names ``plugin``.
"""

from __future__ import annotations

from typing import Any

from magcore.hookspecs import Register, hookimpl
from magcore.packaged import PackagedPlugin

from . import measurement

__all__ = ["Vakmanschap", "plugin"]


class Vakmanschap(PackagedPlugin):
    """The shipped files plus the team questionnaire."""

    @hookimpl
    def magcore_register_forms(self, register: Register[Any]) -> None:
        """The dilemma record and the anonymous team questionnaire."""
        super().magcore_register_forms(register)
        titles = {theme.id: theme.title for theme in self.definition().themes}
        register(measurement.questionnaire(titles))


plugin = Vakmanschap(__package__)
