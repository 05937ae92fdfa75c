"""The kit for plugin authors and tests: generators, fixtures and conformance suites.

The pytest plugin (``magcore.testing.pytest_plugin``) is registered through the ``pytest11``
entry point, so installing magcore gives its fixtures to every test suite. The conformance
suite (:class:`CycleDefinitionContract`, :func:`run_cycle_conformance`) imports pytest, so it is
loaded only when first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .orggen import generate_organisation

if TYPE_CHECKING:
    from .approval import approve_cycle
    from .conformance import (
        ConformanceReport,
        CycleDefinitionContract,
        InstalledPluginContract,
        run_cycle_conformance,
    )
    from .keys import KeyStoreContract
    from .pytest_plugin import registered
    from .raw import raw_conversation, raw_goal
    from .storage import StoreContract
    from .tamper import TamperContract
    from .tools import require_tool

__all__ = [
    "ConformanceReport",
    "CycleDefinitionContract",
    "InstalledPluginContract",
    "KeyStoreContract",
    "StoreContract",
    "TamperContract",
    "approve_cycle",
    "generate_organisation",
    "raw_conversation",
    "raw_goal",
    "registered",
    "require_tool",
    "run_cycle_conformance",
]

_LAZY = {
    "approve_cycle": "approval",
    "ConformanceReport": "conformance",
    "CycleDefinitionContract": "conformance",
    "InstalledPluginContract": "conformance",
    "run_cycle_conformance": "conformance",
    "registered": "pytest_plugin",
    "require_tool": "tools",
    "StoreContract": "storage",
    "raw_conversation": "raw",
    "raw_goal": "raw",
    "KeyStoreContract": "keys",
    "TamperContract": "tamper",
}


def __dir__() -> list[str]:
    """The loaded names and every public one (completion and ``help()`` see the lazy ones)."""
    return sorted({*globals(), *__all__})


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
