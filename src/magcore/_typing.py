"""Small typed converters for attrs fields (mypy cannot type ``converter=tuple``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["to_tuple"]


def to_tuple(value: Iterable[Any]) -> tuple[Any, ...]:
    """Converter: any iterable becomes a tuple (the field's annotation keeps the item type)."""
    return tuple(value)
