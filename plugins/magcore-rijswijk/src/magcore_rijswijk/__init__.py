"""magcore-rijswijk: Rijswijk's growth matrix as a magcore plugin."""

from __future__ import annotations

from .data import PLUGIN, definition, forms
from .goals import goals_as_agreements

__version__ = "0.1.0"

__all__ = ["PLUGIN", "__version__", "definition", "forms", "goals_as_agreements"]
