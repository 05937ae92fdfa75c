"""magcore-midden-groningen: ownership and alliance (Eigenaarschap en Bondgenootschap)."""

from __future__ import annotations

from .data import PLUGIN, definition, forms

__version__ = "0.1.0"

__all__ = ["PLUGIN", "__version__", "definition", "forms"]
