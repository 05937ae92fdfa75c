"""magcore-hybrido: Enschede's Hybrido, a team conversation about hybrid work."""

from __future__ import annotations

from .plugin import plugin

__version__ = "0.1.0"

#: The distribution name, as magcore reports it.
PLUGIN = plugin.name
#: The cycle as shipped.
definition = plugin.definition

__all__ = ["PLUGIN", "__version__", "definition", "plugin"]
