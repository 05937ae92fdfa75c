"""The service's languages: the installation's fallback chains and each cycle's catalogue.

Mixed into :class:`~magcore.app.service.Service`. Every text the service gives people (answer
checks, forms, the regulation, reports, e-mails through the workflows) comes from
:meth:`LanguagesMixin.catalogue_for` the cycle concerned, so a plugin's vocabulary ("inwoner",
never "klant") reaches the people of its cycle, in the language they read, with the fallback
the installation configured (``fy → nl → en``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import PluginError
from ..i18n import Catalogue
from ..i18n.scoped import CycleCatalogues
from ..languages import LanguageSettings

if TYPE_CHECKING:
    from ..plugins import PluginHost

__all__ = ["LanguagesMixin"]


class LanguagesMixin:
    """Language settings and catalogues of a service (mixed into ``Service``)."""

    if TYPE_CHECKING:
        host: PluginHost
        language: str
        languages: LanguageSettings
        plugin_failures: list[PluginError]
        _catalogues: CycleCatalogues | None

    @property
    def catalogues(self) -> CycleCatalogues:
        """Every cycle's catalogue (loaded from the plugins once, with this installation's
        fallback chains); a plugin whose messages fail is in :attr:`plugin_failures`."""
        if self._catalogues is None:
            found, problems = self.host.hooks.catalogues()
            self.plugin_failures.extend(problems)
            self._catalogues = found.with_languages(self.languages)
        return self._catalogues

    def catalogue_for(self, cycle: str | None = None) -> Catalogue:
        """The catalogue people of *cycle* (``id`` or ``id@version``) read: magcore's texts,
        language packs, and the vocabulary and translations of the plugin of that cycle."""
        return self.catalogues.for_cycle(cycle)
