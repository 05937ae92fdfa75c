"""A plugin with a bug: its hooks raise."""

from __future__ import annotations

from magcore import hookimpl


@hookimpl
def magcore_register_cycles(register):
    raise RuntimeError("the plugin's own bug")


@hookimpl
def magcore_events_committed(batch):
    raise RuntimeError("observer crashed")
