"""magcore-krimpen's hooks: Gesprek 3.0, all data in this package (cycle.json, forms/).

:class:`~magcore.packaged.PackagedPlugin` registers the files; the entry point names ``plugin``.
"""

from __future__ import annotations

from magcore.packaged import PackagedPlugin

__all__ = ["plugin"]

plugin = PackagedPlugin(__package__)
