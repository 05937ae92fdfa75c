"""magcore-vakmanschap's hooks: Vakmanschap as data (cycle.json, forms/), plus its measurement.

:class:`~magcore.packaged.PackagedPlugin` registers the files; this subclass adds the team
questionnaire for magcore's anonymous measurement, built from ``behaviours.json`` and the cycle's
themes by :mod:`.measurement`. The entry point names ``plugin``.
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
    def magcore_register_questionnaires(self, register: Register[Any]) -> None:
        """The anonymous team measurement of the desired behaviours (0-meting, 1-meting)."""
        titles = {theme.id: theme.title for theme in self.definition().themes}
        register(measurement.questionnaire(titles))


plugin = Vakmanschap(__package__)
