"""Another quiet period is another version of the cycle: :func:`make_definition`.

Why a builder: the quiet period after which magcore gently suggests a conversation is a policy
choice. Policy is versioned (the works council consents to each version), so a different quiet
period is a new version of the definition, made with :func:`make_definition`, never a hidden
setting. The shipped ``cycle.json`` has the quiet period :data:`DEFAULT_QUIET_DAYS`.
"""

from __future__ import annotations

from magcore.model.cycle import CycleDefinition

from .plugin import plugin

__all__ = ["DEFAULT_QUIET_DAYS", "PLUGIN", "definition", "forms", "make_definition"]

#: The distribution name, as magcore reports it.
PLUGIN = plugin.name
#: Days without a conversation after which magcore suggests one (a prompt, never an obligation).
DEFAULT_QUIET_DAYS = 120
#: The cycle as shipped (quiet period :data:`DEFAULT_QUIET_DAYS`).
definition = plugin.definition
#: The form definitions as plain JSON data (fresh copies), in file-name order.
forms = plugin.forms


def make_definition(
    *, quiet_days: int = DEFAULT_QUIET_DAYS, version: int | None = None
) -> CycleDefinition:
    """The continuous dialogue with a quiet period of *quiet_days* days.

    A quiet period other than the default is a policy change: pass a *version* above the
    shipped one so both versions can live side by side (conversations keep the version they
    started under).
    """
    data = plugin.load("cycle.json")
    for kind in data["kinds"]:
        if kind["cadence"]["kind"] == "free":
            kind["cadence"]["quiet_days"] = quiet_days
    if version is not None:
        data["version"] = version
    return CycleDefinition.from_json(data, source=plugin.source("cycle.json"))
