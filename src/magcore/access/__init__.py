"""The gateway for content: the access decision, reading, audit, retention, erasure, restriction,
subject access, statistics and the regulation."""

from __future__ import annotations

# The package's names are those of the access decision (decision.py owns the list).
from .decision import *  # noqa: F403
from .decision import __all__ as __all__
