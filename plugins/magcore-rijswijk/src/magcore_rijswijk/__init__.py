"""magcore-rijswijk: Rijswijk's growth matrix as a magcore plugin."""

from __future__ import annotations

from .goals import competences
from .plugin import plugin as _plugin

__version__ = "0.2.0"

#: The distribution name, as magcore reports it.
PLUGIN = _plugin.name
#: The cycle definition as shipped (``cycle.json``, checked by magcore).
definition = _plugin.definition
#: The form definitions as plain JSON data (fresh copies), in file-name order.
forms = _plugin.forms

__all__ = ["PLUGIN", "__version__", "competences", "definition", "forms"]
