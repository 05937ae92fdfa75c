"""What the commands gather from the installed plugins: forms, legal bases, retention profiles.

The plugins are asked through the typed :class:`~magcore.plugins.Hooks` facade (which checks
each contribution); each one that fails its check is reported as a warning line and left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from ..access.decision import LegalBasis
    from ..access.retention import RetentionProfile
    from ..forms import FormDefinition
    from ..model.cycle import CycleDefinition
    from ..plugins import PluginHost

__all__ = ["cycle_forms", "forms", "legal_bases", "retention_profiles"]


def _warn(problems: Any) -> None:
    for problem in problems:
        click.echo(f"warning: {problem}", err=True)


def forms(host: PluginHost) -> dict[str, FormDefinition]:
    """Every form the plugins contribute, by id (the newest version of each)."""
    found = host.hooks.forms()
    _warn(found.problems)
    newest: dict[str, FormDefinition] = {}
    for form in found:
        if form.id not in newest or form.version > newest[form.id].version:
            newest[form.id] = form
    return newest


def cycle_forms(cycle: CycleDefinition, available: Mapping[str, Any]) -> dict[str, Any]:
    """The forms *cycle*'s kinds name (preparation and record), out of *available*.

    Why: a regulation covers one cycle. Forms other installed plugins contribute are not part
    of it, and must not change its text or the policy hash the works council consents to.
    """
    used = {
        form_id
        for kind in cycle.kinds
        for form_id in (kind.preparation_form, kind.record_form)
        if form_id is not None
    }
    return {form_id: form for form_id, form in available.items() if form_id in used}


def legal_bases(host: PluginHost) -> list[LegalBasis]:
    """Every legal basis the plugins declare."""
    found = host.hooks.legal_bases()
    _warn(found.problems)
    return list(found)


def retention_profiles(host: PluginHost) -> dict[str, RetentionProfile]:
    """The built-in retention profiles plus the plugins' ones, by name."""
    from ..access.retention import BUILTIN_PROFILES

    found = host.hooks.retention_profiles()
    _warn(found.problems)
    profiles = dict(BUILTIN_PROFILES)
    profiles.update({profile.id: profile for profile in found})
    return profiles
