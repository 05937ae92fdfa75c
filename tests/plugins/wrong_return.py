"""A plugin that hands magcore data of the wrong shape."""

from __future__ import annotations

from magcore import hookimpl


@hookimpl
def magcore_register_cycles(register):
    register(42)


@hookimpl
def magcore_register_themes(register):
    register({"id": "not-a-theme-object"})


@hookimpl
def magcore_check_record(record, form, conversation):
    return "looks fine to me"


@hookimpl
def magcore_open_store(url, settings):
    if url.startswith("wrong:"):
        return {"not": "a store"}
    return None
