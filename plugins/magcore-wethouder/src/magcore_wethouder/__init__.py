"""magcore-wethouder: the alderman's meetings with employees per network (Amsterdam, seed 002).

The memo's three scenarios are three versions of the cycle: :func:`make_definition`.
"""

from __future__ import annotations

from magcore.errors import DefinitionError
from magcore.model.cycle import CycleDefinition

from .plugin import plugin

__version__ = "0.1.0"

#: The distribution name, as magcore reports it.
PLUGIN = plugin.name
#: The cycle as shipped (scenario 1: monthly).
definition = plugin.definition
#: The id of the anonymous theme poll (a core measurement questionnaire).
QUESTIONNAIRE_ID = "wethouder-themes"
#: Scenario -> (version, cadence) from the memo. Versions 1 to 3 let anyone employed name
#: themselves as the alderman; from version 4 the alderman holds the organisation role
#: ``alderman`` on the day (membership ``holds_role``).
SCENARIOS = {
    "monthly": (4, {"kind": "interval", "every_months": 1, "anchor": "03-01"}),
    "half_yearly": (5, {"kind": "interval", "every_months": 6, "anchor": "03-01"}),
    "stop": (6, {"kind": "free"}),
}

__all__ = [
    "PLUGIN",
    "QUESTIONNAIRE_ID",
    "SCENARIOS",
    "__version__",
    "definition",
    "make_definition",
]


def make_definition(scenario: str) -> CycleDefinition:
    """The meetings under one of the memo's scenarios: ``monthly``, ``half_yearly`` or ``stop``.

    Each scenario is its own version, so the change is a policy change the works council sees;
    under ``stop`` no meeting is planned (a free cadence without a reminder).
    """
    if scenario not in SCENARIOS:
        raise DefinitionError(f"unknown scenario {scenario!r}; choose from {sorted(SCENARIOS)}")
    version, cadence = SCENARIOS[scenario]
    data = plugin.load("cycle.json")
    data["version"] = version
    for kind in data["kinds"]:
        kind["cadence"] = dict(cadence)
    return CycleDefinition.from_json(data, source=plugin.source("cycle.json"))
