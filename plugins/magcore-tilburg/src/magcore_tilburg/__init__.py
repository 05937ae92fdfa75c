"""magcore-tilburg: Tilburg's continuous dialogue (continue dialoog) as a magcore plugin."""

from __future__ import annotations

from .data import PLUGIN, definition, forms, make_definition

__version__ = "0.1.0"

__all__ = ["PLUGIN", "__version__", "definition", "forms", "make_definition"]
