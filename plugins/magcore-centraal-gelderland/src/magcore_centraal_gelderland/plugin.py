"""magcore-centraal-gelderland's hooks: Time4Talent, all data in this package (cycle.json, forms/).

:class:`~magcore.packaged.PackagedPlugin` registers the files; the entry point names ``plugin``.
"""

from __future__ import annotations

from magcore.packaged import PackagedPlugin

__all__ = ["plugin"]

plugin = PackagedPlugin(__package__)
