"""A plugin that misspells a hook name."""

from __future__ import annotations

from magcore import hookimpl


@hookimpl
def magcore_register_cylces(register):
    register(None)
