"""Vocabulary per cycle: a plugin's words reach the people of its own cycles, nobody else's.

Why: an installation may carry several plugins (a region's shared forms next to a
municipality's own cycle). Midden-Groningen's catalogue turns "klant" into "inwoner": that
choice belongs to Midden-Groningen's cycle, and must not change the words of another cycle
installed beside it. So:

* a plugin that registers **no cycle** (a language pack, an installation's own wording) is
  layered on the catalogue of every cycle;
* a plugin that registers cycles has its bundles (translations, overrides, vocabulary) layered
  on the catalogue of **its own cycles** only; the messages it adds under new ids are known
  everywhere (so its rules can be explained in any context), its overrides and vocabulary are
  not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

import attrs

from ..languages import LanguageSettings
from . import DEFAULT_CATALOGUE, Catalogue, MessageBundle

__all__ = ["CycleCatalogues", "scope_catalogues"]


def _frozen(value: Mapping[str, Catalogue | str]) -> Mapping[str, Catalogue | str]:
    return MappingProxyType(dict(value))


@attrs.frozen
class CycleCatalogues:
    """The catalogue for each cycle (its plugin's words) and the general one."""

    general: Catalogue
    by_plugin: Mapping[str, Catalogue] = attrs.field(factory=dict, converter=_frozen)
    owners: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen)
    """Cycle id → the plugin that registered it."""

    def for_cycle(self, cycle: str | None) -> Catalogue:
        """The catalogue of *cycle* (``id`` or ``id@version``; ``None``: the general one)."""
        if cycle is None:
            return self.general
        owner = self.owners.get(cycle.partition("@")[0])
        return self.by_plugin.get(owner, self.general) if owner else self.general

    def with_languages(self, settings: LanguageSettings) -> CycleCatalogues:
        """The same catalogues with the installation's fallback chains."""
        return CycleCatalogues(
            self.general.with_languages(settings),
            {name: c.with_languages(settings) for name, c in self.by_plugin.items()},
            self.owners,
        )


def _new_messages(bundle: MessageBundle, known: Catalogue) -> MessageBundle:
    return MessageBundle(
        language=bundle.language,
        messages={k: v for k, v in bundle.messages.items() if k not in known},
        plurals={k: v for k, v in bundle.plurals.items() if k not in known},
    )


def scope_catalogues(
    bundles: Iterable[tuple[str, MessageBundle]],
    cycle_owners: Iterable[tuple[str, str]],
    *,
    base: Catalogue = DEFAULT_CATALOGUE,
) -> CycleCatalogues:
    """Layer *bundles* (``(plugin, bundle)``) per the rule in this module's docstring.

    *cycle_owners* are ``(plugin, cycle id)`` pairs: which plugin registered which cycle.
    """
    owners = {cycle: plugin for plugin, cycle in cycle_owners}
    with_cycles = set(owners.values())
    items = list(bundles)
    general = base
    for plugin, bundle in items:
        general = general.with_bundle(
            _new_messages(bundle, base) if plugin in with_cycles else bundle
        )
    by_plugin: dict[str, Catalogue] = {}
    for plugin in sorted(with_cycles):
        catalogue = general
        for name, bundle in items:
            if name == plugin:
                catalogue = catalogue.with_bundle(bundle)
        by_plugin[plugin] = catalogue
    return CycleCatalogues(general, by_plugin, owners)
