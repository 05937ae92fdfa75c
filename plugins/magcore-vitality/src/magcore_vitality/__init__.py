"""magcore-vitality: the VNG vitality conversation as a magcore plugin.

Use it standalone (the ``vng-vitality`` cycle) or add the conversation kind to your own cycle
with :func:`add_to` (see :mod:`.compose`).
"""

from __future__ import annotations

from .compose import add_to, fragment
from .plugin import plugin as _plugin

__version__ = "0.1.0"

#: The distribution name, as magcore reports it.
PLUGIN = _plugin.name
#: The standalone cycle definition as shipped (``cycle.json``, checked by magcore).
definition = _plugin.definition
#: The form definitions as plain JSON data (fresh copies), in file-name order.
forms = _plugin.forms

__all__ = ["PLUGIN", "__version__", "add_to", "definition", "forms", "fragment"]
