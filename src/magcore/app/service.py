"""The application service: commands in, events stored, observers told.

Data flows one way: a call here → the aggregate checks the rule and produces events → the store
appends them in one transaction → plugins observing committed batches hear about them. The
service holds no rules of its own beyond looking people up in the organisation.

The service's methods live by concern in mixins: :mod:`magcore.app.catalogue` (cycles, forms,
approval), :mod:`magcore.app.people` (organisation, sharing choices, planning),
:mod:`magcore.app.conversations` (conversations and goals), :mod:`magcore.app.batch` (many
requests at once), :mod:`magcore.app.access` (views, listing, export),
:mod:`magcore.app.privacy_requests` (restriction, erasure) and :mod:`magcore.app.destruction`
(the retention term's destruction); the streams are in
:mod:`magcore.app.aggregates`. This module holds the constructor and what ties them together.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from datetime import tzinfo
from typing import TYPE_CHECKING

from ..access.content import protect
from ..access.decision import Directory
from ..access.reading import ReadPolicy
from ..clock import Clock, SystemClock
from ..domain.organisation import OrgState, org_stream
from ..errors import PluginError
from ..events import CommittedBatch
from ..i18n.scoped import CycleCatalogues
from ..languages import DEFAULT_SETTINGS, LanguageSettings, language_tag
from ..model.cycle import CycleDefinition
from ..model.days import timezone as _timezone
from ..model.organisation import Organisation
from ..plugins import PluginHost, get_plugin_manager
from ..storage.base import Store, StoreSettings, StreamWrite
from .aggregates import CONVERSATION, GOAL, IDEMPOTENT, SHARING
from .batch import BatchMixin
from .chain import key_audit_chain, log_is_keyed
from .destruction import DestructionMixin
from .dispatcher import Dispatcher
from .handler import Aggregate, CommandHandler
from .languages import LanguagesMixin
from .privacy_requests import PrivacyRequestsMixin
from .profiles import ProfilesMixin
from .versions import CYCLE_DEFINED, definition_stream

if TYPE_CHECKING:
    from ..forms import FormDefinition

__all__ = [
    "CONVERSATION",
    "CYCLE_DEFINED",
    "GOAL",
    "IDEMPOTENT",
    "SHARING",
    "Service",
    "definition_stream",
    "open_service",
    "org_stream",
]

log = logging.getLogger("magcore")


def _new_id() -> str:
    """16 hex digits: the first half of a random (version 4) UUID, as ``uuid4().hex[:16]``
    gives, made without the UUID object (a year of requests makes tens of thousands)."""
    head = bytearray(os.urandom(8))
    head[6] = (head[6] & 0x0F) | 0x40  # the version nibble a random UUID carries there
    return head.hex()


class Service(LanguagesMixin, BatchMixin, ProfilesMixin, PrivacyRequestsMixin, DestructionMixin):
    """One municipality's magcore: a store, the installed plugins, a clock.

    Use :func:`open_service` to open one by URL. Every method that changes something is one
    transaction; a refused command raises and writes nothing.

    Installation settings: *timezone* (an IANA name, ``Europe/Amsterdam`` by default) is where
    the days of sharing choices, restrictions and retention are counted; *language* is the
    language texts are given in when nobody asked for one (a BCP 47 tag, normalised: ``NL`` is
    ``nl``), and *languages* the fallback chains
    (:class:`~magcore.languages.LanguageSettings`, ``fy → nl → en``); *organisation* names
    the organisation whose people may take part and be granted a sharing choice (once it is
    imported, an unknown person id is refused with
    :class:`~magcore.errors.InputRefused`).
    """

    def __init__(
        self,
        store: Store,
        *,
        host: PluginHost | None = None,
        clock: Clock | None = None,
        new_id: Callable[[], str] = _new_id,
        origin: str = "api",
        language: str = "nl",
        dispatch: str = "thread",
        timezone: str | None = None,
        organisation: str | None = None,
        languages: LanguageSettings | None = None,
    ) -> None:
        if dispatch not in ("thread", "sync", "off"):
            raise ValueError(f"dispatch must be 'thread', 'sync' or 'off', not {dispatch!r}")
        self.timezone: tzinfo = _timezone(timezone)
        self.organisation_id = organisation
        # Any BCP 47 tag, normalised ("NL" is nl); one that is not a tag is a LanguageError.
        self.language = language_tag(language, pointer="/language")
        self.languages = languages or DEFAULT_SETTINGS
        self._catalogues: CycleCatalogues | None = None
        self.host = host if host is not None else get_plugin_manager()
        self.key_provider = key_audit_chain(store, self.host)
        """The key provider whose audit key chains the store's log (``None``: unkeyed)."""
        self.handler = CommandHandler(
            self._protect(store), clock=clock or SystemClock(), tell=self._tell, origin=origin
        )
        self.new_id = new_id
        self.origin = origin
        self.plugin_failures: list[PluginError] = []
        self.dispatch = dispatch
        """Where observers are told: ``thread`` (default), ``sync`` (after each commit, in the
        caller's thread) or ``off`` (a separate ``magcore dispatch`` worker)."""
        self.dispatcher = Dispatcher(
            store, self.host, clock=self.handler.clock, on_failure=self.plugin_failures.append
        )
        # declared content goes out through the gateway: decided, decrypted, audited
        self.dispatcher.gateway = lambda: self.gateway
        self._cycles: dict[str, CycleDefinition] = {}
        contributed = self.host.hooks.cycles()
        self.plugin_failures.extend(contributed.problems)
        for definition in contributed:
            self._cycles[definition.key] = definition
        self._organisations: dict[str, tuple[int, Organisation]] = {}
        self._org_states: dict[str, tuple[int, OrgState]] = {}
        self._org_goals: dict[str, tuple[int, OrgState]] = {}
        self._forms: dict[str, FormDefinition] | None = None
        self._form_versions: dict[str, FormDefinition] = {}
        self._policy_hashes: dict[str, str] = {}
        self._organisation_aggregate: Aggregate[Organisation | None] = Aggregate(
            "organisation", org_stream, self._replay_organisation, self._evolve_organisation
        )
        self._directory: Directory | None = None
        self.access_organisation: str | None = None
        self._policies: dict[tuple[str, int, int], ReadPolicy] = {}

    @property
    def store(self) -> Store:
        """The store every command of this service goes to (through :attr:`handler`)."""
        return self.handler.store

    @store.setter
    def store(self, store: Store) -> None:
        self.handler.store = self._protect(store)
        self.dispatcher.store = store

    def _protect(self, store: Store) -> Store:
        """*store* behind the content codec: content encrypted on append, decrypted on read
        (:mod:`magcore.access.content`), with the key provider the plugins give for it."""
        # A store whose log is keyed already has its keys: a missing key file is then an error
        # (KeyProviderError), never silently replaced by new keys that cannot open old content.
        settings = StoreSettings(create=not log_is_keyed(store))
        return protect(
            store,
            lambda s: self.host.hooks.key_provider(s.url, settings),
            language=self.language,
            # keys are made and destroyed at the service clock's time, as its audit lines
            clock=lambda: self.clock.now(),
        )

    @property
    def clock(self) -> Clock:
        """The clock that dates every event (injected, so tests and simulations control time)."""
        return self.handler.clock

    @clock.setter
    def clock(self, clock: Clock) -> None:
        self.handler.clock = clock
        self.dispatcher.clock = clock

    # -- writing ---------------------------------------------------------------------------

    def commit(self, writes: Sequence[StreamWrite]) -> CommittedBatch:
        """Append *writes* in one transaction, then tell the observing plugins (once).

        For code that builds its own events (workflows, connectors); a stale version raises
        :class:`~magcore.errors.ConflictError` and nothing is written. Commands go through
        :attr:`handler`, which commits the same way.
        """
        return self.handler.commit(self.handler.with_read_models(writes, [CONVERSATION, SHARING]))

    def _tell(self, batch: CommittedBatch) -> None:
        """Wake the dispatcher: the batch is in the outbox (their failures are kept)."""
        if not batch.events or not self.dispatcher.observers:
            return
        if self.dispatch == "sync":
            self.dispatcher.drain()
        elif self.dispatch == "thread":
            self.dispatcher.start()
            self.dispatcher.notify()

    def close(self) -> None:
        self.dispatcher.stop()
        self.store.close()


def open_service(
    url: str = "memory://",
    *,
    clock: Clock | None = None,
    host: PluginHost | None = None,
    settings: StoreSettings | None = None,
    origin: str = "api",
    language: str = "nl",
    dispatch: str = "thread",
    timezone: str | None = None,
    organisation: str | None = None,
    languages: LanguageSettings | None = None,
) -> Service:
    """Open the store at *url* through the installed plugins and return a :class:`Service`.

    *timezone* and *organisation* are the installation's settings (see :class:`Service`); a
    time zone that does not exist raises :class:`~magcore.errors.TimezoneError` before the store
    is opened.
    """
    _timezone(timezone)
    host = host if host is not None else get_plugin_manager()
    store = host.hooks.open_store(url, settings)
    return Service(
        store,
        host=host,
        clock=clock,
        origin=origin,
        language=language,
        dispatch=dispatch,
        timezone=timezone,
        organisation=organisation,
        languages=languages,
    )
