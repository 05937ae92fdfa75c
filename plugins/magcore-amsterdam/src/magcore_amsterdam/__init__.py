"""Mijn Amsterdams Gesprek (MAG) as a magcore plugin: the reference municipality plugin.

Everything here is data: the cycle (:mod:`.cycle`), the six themes (:mod:`.themes`), the
reminder workflows (:mod:`.workflows`) and the forms (:mod:`.forms`). :mod:`.plugin` only hands
them to magcore through hooks; magcore has no special case for Amsterdam.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
