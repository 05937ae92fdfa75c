"""What the commands gather from the installed plugins: forms, legal bases, retention profiles.

Each contribution that fails its check is reported as a warning line and left out, as the
plugin manager does for cycles.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import click

from ..errors import DefinitionError

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
    """Every form the plugins contribute, by id."""
    from ..forms import FormDefinition

    def accept(item: Any, plugin: str) -> FormDefinition:
        if isinstance(item, FormDefinition):
            return item
        if isinstance(item, Mapping):
            return FormDefinition.from_json(item, source=plugin)
        raise DefinitionError(f"expected a FormDefinition, got {type(item).__name__}")

    found = host.hooks.contributions("magcore_register_forms", accept)
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
    from ..access.decision import LegalBasis

    def accept(item: Any, plugin: str) -> LegalBasis:
        if not isinstance(item, LegalBasis):
            raise DefinitionError(f"expected a LegalBasis, got {type(item).__name__}")
        return item

    found = host.hooks.contributions("magcore_register_legal_bases", accept)
    _warn(found.problems)
    return list(found)


def retention_profiles(host: PluginHost) -> dict[str, RetentionProfile]:
    """The built-in retention profiles plus the plugins' ones, by name."""
    from ..access.retention import BUILTIN_PROFILES, RetentionProfile

    def accept(item: Any, plugin: str) -> RetentionProfile:
        if not isinstance(item, RetentionProfile):
            raise DefinitionError(f"expected a RetentionProfile, got {type(item).__name__}")
        return item

    found = host.hooks.contributions("magcore_register_retention_rules", accept)
    _warn(found.problems)
    profiles = dict(BUILTIN_PROFILES)
    profiles.update({profile.id: profile for profile in found})
    return profiles
