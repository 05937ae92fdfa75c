"""magcore-vitality: the VNG vitality conversation as a magcore plugin.

Use it standalone (the ``vng-vitality`` cycle) or add the conversation kind to your own cycle
with :func:`add_to` (see :mod:`.compose`).
"""

from __future__ import annotations

from .compose import add_to, fragment
from .data import PLUGIN, definition, forms

__version__ = "0.1.0"

__all__ = ["PLUGIN", "__version__", "add_to", "definition", "forms", "fragment"]
