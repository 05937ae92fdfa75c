"""MAG's forms as data: the preparation form and the agreement (record) form, in nl and en.

The texts were written for this project in plain Dutch (B1) and English around MAG's six
themes. ``load_forms()`` reads them with :mod:`importlib.resources`, so they work from an
installed wheel; the plugin registers them through ``magcore_register_forms``.
"""

from __future__ import annotations

import json
from importlib import resources

from magcore.forms import FormDefinition

__all__ = ["FORM_FILES", "load_forms"]

#: The form files shipped in this folder.
FORM_FILES = ("preparation.form.json", "agreement.form.json")


def load_forms() -> tuple[FormDefinition, ...]:
    """MAG's form definitions, checked by magcore (scoring-free, 2020-12, texts in nl and en)."""
    folder = resources.files(__name__)
    return tuple(
        FormDefinition.from_json(
            json.loads((folder / name).read_text(encoding="utf-8")), source=f"{__name__}/{name}"
        )
        for name in FORM_FILES
    )
