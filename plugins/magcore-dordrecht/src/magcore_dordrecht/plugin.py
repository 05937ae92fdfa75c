"""magcore-dordrecht's hooks: all data (cycle.json).

:class:`~magcore.packaged.PackagedPlugin` registers the files; the entry point names ``plugin``.
"""

from __future__ import annotations

from magcore.packaged import PackagedPlugin

__all__ = ["plugin"]

plugin = PackagedPlugin(__package__)
