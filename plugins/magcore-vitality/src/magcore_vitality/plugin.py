"""magcore-vitality's hooks: the VNG vitality conversation, all data (cycle.json, forms/), plus
Weert's organisation-level vitality questionnaire (:mod:`.organisation_view`).

:class:`~magcore.packaged.PackagedPlugin` registers the files; the entry point names ``plugin``.
"""

from __future__ import annotations

from typing import Any

from magcore.hookspecs import Register, hookimpl
from magcore.packaged import PackagedPlugin

__all__ = ["Vitality", "plugin"]


class Vitality(PackagedPlugin):
    """The shipped files plus the organisation-level vitality questionnaire."""

    @hookimpl
    def magcore_register_questionnaires(self, register: Register[Any]) -> None:
        """The four VNG vitality criteria as an anonymous measurement (Weert)."""
        # imported here: it brings the measurement service, which magcore loads with every
        # command's plugins otherwise
        from . import organisation_view

        titles = {theme.id: theme.title for theme in self.definition().themes}
        register(organisation_view.questionnaire(titles))


plugin = Vitality(__package__)
