"""magcore-vakmanschap: Amsterdam WPI's Vakmanschap as a magcore plugin."""

from __future__ import annotations

from .measurement import QUESTIONNAIRE_ID, behaviours, questionnaire
from .plugin import plugin as _plugin

__version__ = "0.1.0"

#: The distribution name, as magcore reports it.
PLUGIN = _plugin.name
#: The cycle definition as shipped (``cycle.json``, checked by magcore).
definition = _plugin.definition
#: The form definitions shipped as files, as plain JSON data (fresh copies), in file-name order.
forms = _plugin.forms

__all__ = [
    "PLUGIN",
    "QUESTIONNAIRE_ID",
    "__version__",
    "behaviours",
    "definition",
    "forms",
    "questionnaire",
]
