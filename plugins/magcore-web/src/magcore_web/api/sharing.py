"""placeholder"""

from __future__ import annotations

from .routing import Operation

__all__ = ["OPERATIONS"]

OPERATIONS: tuple[Operation, ...] = ()
