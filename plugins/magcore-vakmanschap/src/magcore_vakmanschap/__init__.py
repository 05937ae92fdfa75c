"""magcore-vakmanschap: Amsterdam WPI's Vakmanschap as a magcore plugin."""

from __future__ import annotations

from .data import PLUGIN, definition, forms
from .measurement import BallotBox, ChangeReport, Phase, TeamResult, compare

__version__ = "0.1.0"

__all__ = [
    "PLUGIN",
    "BallotBox",
    "ChangeReport",
    "Phase",
    "TeamResult",
    "__version__",
    "compare",
    "definition",
    "forms",
]
