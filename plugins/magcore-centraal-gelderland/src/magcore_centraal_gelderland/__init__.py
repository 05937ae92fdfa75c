"""magcore-centraal-gelderland: Centraal Gelderland's Time4Talent as a magcore plugin."""

from __future__ import annotations

from .data import PLUGIN, definition, forms

__version__ = "0.1.0"

__all__ = ["PLUGIN", "__version__", "definition", "forms"]
