"""magcore-midden-groningen's hooks: all data in this package.

``cycle.json`` (and its themes), ``forms/`` (onboarding preparation, conversation record),
``workflows/`` (ask the manager to plan the welcome conversation and the six-month review) and
``messages/`` (say "inwoner" / "resident", never "klant" / "customer": the word *klant* misses
the relation between a government and its residents). :class:`~magcore.packaged.PackagedPlugin`
registers the files; the entry point names ``plugin``.
"""

from __future__ import annotations

from magcore.packaged import PackagedPlugin

__all__ = ["plugin"]

plugin = PackagedPlugin(__package__)
