"""Built-in plugin: the two retention profiles every Dutch municipality can choose from.

``ap-advice`` (the Dutch DPA's advice: 2 years after employment ends) and ``selectielijst-2020``
(the municipal selection list: 5 years after completion). Plugins add others through the same
hook.
"""

from __future__ import annotations

from typing import Any

from ..access.retention import BUILTIN_PROFILES
from ..hookspecs import Register, hookimpl

__all__ = ["magcore_register_retention_rules"]


@hookimpl(trylast=True)
def magcore_register_retention_rules(register: Register[Any]) -> None:
    """Register the built-in retention profiles."""
    for profile in BUILTIN_PROFILES.values():
        register(profile)
