"""Mijn Amsterdams Gesprek (MAG) as a magcore plugin: the reference municipality plugin.

Everything here is data, in files a works council can read:

* ``cycle.json`` — MAG, version 1: at least one conversation a year between employee and
  manager; either may ask for it; both prepare; the agreements are recorded digitally or on
  paper; a new version needs the works council's consent and the executive's approval. No score.
  Its six themes are the conversation cards, with ids from magcore's
  :data:`~magcore.model.themes.MAG_THEME_IDS`. The prompts were written for this project; they
  are not the texts of the published card set. Vitality is ``special_category``: what someone
  says about their health stays theirs unless they share it.
* ``forms/`` — the preparation form and the agreement (record) form, in plain Dutch (B1) and
  English.
* ``workflows/`` — the reminders "plan your conversation" (two months before the end of the
  year) and "your agreements from last time" (a week before a planned conversation). Both send
  only a message key and a link; what was said or agreed never goes into a reminder.

:mod:`.plugin` hands them to magcore through :class:`~magcore.packaged.PackagedPlugin`; magcore
has no special case for Amsterdam.
"""

from __future__ import annotations

from .plugin import plugin as _plugin

__version__ = "0.1.0"

#: The distribution name, as magcore reports it.
PLUGIN = _plugin.name
#: MAG, version 1, as shipped (``cycle.json``, checked by magcore).
definition = _plugin.definition
#: The form definitions as plain JSON data (fresh copies), in file-name order.
forms = _plugin.forms

__all__ = ["PLUGIN", "__version__", "definition", "forms"]
