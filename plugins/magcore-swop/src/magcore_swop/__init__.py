"""magcore-swop: De Wolden-Hoogeveen's job swaps with an evaluation conversation."""

from __future__ import annotations

from .plugin import plugin

__version__ = "0.1.0"

#: The distribution name, as magcore reports it.
PLUGIN = plugin.name
#: The cycle as shipped.
definition = plugin.definition

__all__ = ["PLUGIN", "__version__", "definition", "plugin"]
