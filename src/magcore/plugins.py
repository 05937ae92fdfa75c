"""The plugin manager: built-in plugins, entry points, isolation and a typed facade.

magcore's own defaults are plugins, registered exactly like external ones; installed
distributions are then loaded from the ``magcore`` entry-point group. A plugin that fails to
import, raises inside a hook or returns the wrong shape becomes a :class:`PluginError` naming the
distribution, the hook and the cause — the rest keeps working.

Environment variables (comma-separated distribution names):

* ``MAGCORE_LOAD_PLUGINS`` — load only these entry points (empty: none);
* ``MAGCORE_DISABLE_PLUGINS`` — never load these (also built-ins, by module name);
* ``MAGCORE_TRACE_PLUGINS`` — print every hook call to standard error.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import sys
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs
import pluggy

from . import hookspecs
from .errors import DefinitionError, MagcoreError, PluginError, StorageError, StorePluginError
from .events import CommittedBatch
from .model.cycle import CycleDefinition
from .model.themes import Theme
from .storage.base import Store, StoreSettings

if TYPE_CHECKING:
    import click

    from .access.decision import LegalBasis
    from .access.retention import RetentionProfile
    from .domain.conversation import Conversation
    from .domain.workflows import Notification, Workflow
    from .errors import Problem
    from .forms import FormDefinition
    from .i18n import Catalogue

__all__ = [
    "DEFAULT_PLUGINS",
    "ENTRY_POINT_GROUP",
    "Contributions",
    "Hooks",
    "PluginHost",
    "PluginInfo",
    "get_plugin_manager",
]

ENTRY_POINT_GROUP = "magcore"

#: The built-in plugins, registered first (pluggy calls later registrations first).
DEFAULT_PLUGINS: tuple[str, ...] = (
    "magcore.defaults.storage_memory",
    "magcore.defaults.storage_sqlite",
    "magcore.defaults.retention",
    "magcore.defaults.keys",
)

T = TypeVar("T")


def _names_from_env(variable: str) -> set[str] | None:
    raw = os.environ.get(variable)
    if raw is None:
        return None
    return {name.strip() for name in raw.split(",") if name.strip()}


class _WrongReturn(Exception):
    """A hook returned something of the wrong type (turned into a PluginError by the caller)."""


def _reason(exc: BaseException) -> str:
    """What went wrong, for a PluginError: the exception's type and message."""
    return str(exc) if isinstance(exc, _WrongReturn) else f"{type(exc).__name__}: {exc}"


@attrs.frozen
class PluginInfo:
    """What ``magcore plugins`` shows about one plugin."""

    name: str
    version: str | None
    hooks: tuple[str, ...]
    builtin: bool


@attrs.frozen
class Contributions(Generic[T]):
    """Items contributed through one hook, each with the plugin that sent it."""

    items: tuple[tuple[str, T], ...]
    problems: tuple[PluginError, ...] = ()

    def __iter__(self) -> Iterator[T]:
        return (item for _, item in self.items)

    def __len__(self) -> int:
        return len(self.items)

    def by_plugin(self) -> Mapping[str, tuple[T, ...]]:
        grouped: dict[str, list[T]] = {}
        for plugin, item in self.items:
            grouped.setdefault(plugin, []).append(item)
        return {k: tuple(v) for k, v in grouped.items()}


@attrs.frozen
class Hooks:
    """Typed calls into the plugins; the only code that spells hook names."""

    _pm: pluggy.PluginManager
    _names: Mapping[int, str]

    def _plugin_name(self, impl: pluggy.HookImpl) -> str:
        return self._names.get(id(impl.plugin)) or impl.plugin_name

    def _collect(
        self, hook: str, accept: Callable[[Any, str], T], **kwargs: Any
    ) -> Contributions[T]:
        """Call each implementation of a contribution hook on its own, with a checked register.

        A plugin whose registration fails contributes nothing at all from that call.
        """
        caller = getattr(self._pm.hook, hook)
        items: list[tuple[str, T]] = []
        problems: list[PluginError] = []
        for impl in reversed(caller.get_hookimpls()):
            name = self._plugin_name(impl)
            mine: list[tuple[str, T]] = []

            def register(
                item: Any, /, _name: str = name, _mine: list[tuple[str, T]] = mine
            ) -> None:
                _mine.append((_name, accept(item, _name)))

            call_kwargs = {"register": register, **kwargs}
            try:
                returned = impl.function(*[call_kwargs[arg] for arg in impl.argnames])
                if returned is not None:
                    raise _WrongReturn(
                        f"returned {type(returned).__name__} instead of None; hand each item "
                        "to register(item) instead of returning it"
                    )
            except _WrongReturn as exc:
                problems.append(PluginError(distribution=name, hook=hook, reason=str(exc)))
                continue
            except MagcoreError as exc:
                problem = PluginError(distribution=name, hook=hook, reason=str(exc))
                problem.__cause__ = exc
                problems.append(problem)
                continue
            except Exception as exc:  # a plugin's own bug: isolate it and say whose
                problem = PluginError(
                    distribution=name, hook=hook, reason=f"{type(exc).__name__}: {exc}"
                )
                problem.__cause__ = exc
                problems.append(problem)
                continue
            items.extend(mine)
        return Contributions(tuple(items), tuple(problems))

    # -- contributions ---------------------------------------------------------------------

    def cycles(self) -> Contributions[CycleDefinition]:
        """Every cycle definition the plugins contribute, checked (scoring-free, consistent)."""

        def accept(item: Any, plugin: str) -> CycleDefinition:
            if isinstance(item, CycleDefinition):
                return item
            if isinstance(item, Mapping):
                return CycleDefinition.from_json(item, source=plugin)
            raise DefinitionError(
                f"expected a CycleDefinition or a dict, got {type(item).__name__}", source=plugin
            )

        return self._collect("magcore_register_cycles", accept)

    def themes(self) -> Contributions[Theme]:
        def accept(item: Any, plugin: str) -> Theme:
            if not isinstance(item, Theme):
                raise DefinitionError(f"expected a Theme, got {type(item).__name__}", source=plugin)
            return item

        return self._collect("magcore_register_themes", accept)

    def forms(self) -> Contributions[FormDefinition]:
        """Every form definition the plugins contribute, checked (schema, scoring-free, texts)."""
        from .forms import FormDefinition

        def accept(item: Any, plugin: str) -> FormDefinition:
            if isinstance(item, FormDefinition):
                return item
            if isinstance(item, Mapping):
                return FormDefinition.from_json(item, source=plugin)
            raise DefinitionError(
                f"expected a FormDefinition or a dict, got {type(item).__name__}", source=plugin
            )

        return self._collect("magcore_register_forms", accept)

    def catalogue(self) -> tuple[Catalogue, tuple[PluginError, ...]]:
        """The message catalogue with every plugin's translations and vocabulary layered on."""
        from .i18n import DEFAULT_CATALOGUE, MessageBundle

        def accept(item: Any, plugin: str) -> MessageBundle:
            if not isinstance(item, MessageBundle):
                raise DefinitionError(
                    f"expected a MessageBundle, got {type(item).__name__}", source=plugin
                )
            return item

        bundles = self._collect("magcore_register_messages", accept)
        catalogue = DEFAULT_CATALOGUE
        for bundle in bundles:
            catalogue = catalogue.with_bundle(bundle)
        return catalogue, bundles.problems

    def retention_profiles(self) -> Contributions[RetentionProfile]:
        """Every retention profile ("destroy N years after X"), the built-in ones included."""
        from .access.retention import RetentionProfile

        def accept(item: Any, plugin: str) -> RetentionProfile:
            if not isinstance(item, RetentionProfile):
                raise DefinitionError(
                    f"expected a RetentionProfile, got {type(item).__name__}", source=plugin
                )
            return item

        return self._collect("magcore_register_retention_rules", accept)

    def legal_bases(self) -> Contributions[LegalBasis]:
        """Every legal basis the plugins declare (name, article, scope)."""
        from .access.decision import LegalBasis

        def accept(item: Any, plugin: str) -> LegalBasis:
            if not isinstance(item, LegalBasis):
                raise DefinitionError(
                    f"expected a LegalBasis, got {type(item).__name__}", source=plugin
                )
            return item

        return self._collect("magcore_register_legal_bases", accept)

    def workflows(self) -> Contributions[Workflow]:
        """Every workflow the plugins contribute, loaded and checked (never about a score)."""
        from .domain.workflows import Workflow, load_workflow

        def accept(item: Any, plugin: str) -> Workflow:
            return item if isinstance(item, Workflow) else load_workflow(item, source=plugin)

        return self._collect("magcore_register_workflows", accept)

    def problems(self) -> list[PluginError]:
        """Every fault of every contribution hook (cycles, themes, forms, messages, retention
        profiles, legal bases, workflows), collected without stopping: what ``magcore plugins``
        shows. Added in 0.2."""
        found: list[PluginError] = []
        for collect in (
            self.cycles,
            self.themes,
            self.forms,
            self.retention_profiles,
            self.legal_bases,
            self.workflows,
        ):
            found.extend(collect().problems)
        found.extend(self.catalogue()[1])
        return found

    def contributions(self, hook: str, accept: Callable[[Any, str], T]) -> Contributions[T]:
        """Collect a contribution hook with a custom *accept* (used by forms, messages...)."""
        return self._collect(hook, accept)

    def register_commands(self, cli: click.Group) -> list[PluginError]:
        failures: list[PluginError] = []
        caller = self._pm.hook.magcore_register_commands
        for impl in reversed(caller.get_hookimpls()):
            try:
                returned = impl.function(cli)
                if returned is not None:
                    raise _WrongReturn(
                        f"returned {type(returned).__name__} instead of None; add commands "
                        "with cli.add_command(...)"
                    )
            except Exception as exc:
                failure = PluginError(
                    distribution=self._plugin_name(impl),
                    hook="magcore_register_commands",
                    reason=_reason(exc),
                )
                failure.__cause__ = exc
                failures.append(failure)
        return failures

    # -- choice ----------------------------------------------------------------------------

    def open_store(self, url: str, settings: StoreSettings | None = None) -> Store:
        """The store the first willing plugin opens for *url*."""
        settings = settings or StoreSettings()
        kwargs = {"url": url, "settings": settings}
        # In pluggy's calling order (tryfirst ... trylast), so the answering plugin is known.
        for impl in reversed(self._pm.hook.magcore_open_store.get_hookimpls()):
            name = self._plugin_name(impl)
            try:
                store = impl.function(*[kwargs[arg] for arg in impl.argnames])
            except MagcoreError:
                raise  # the store's own, deliberate error (a damaged file, a refused login)
            except Exception as exc:
                raise StorePluginError(
                    distribution=name,
                    hook="magcore_open_store",
                    reason=f"cannot open {url!r}: {type(exc).__name__}: {exc}",
                ) from exc
            if store is None:
                continue
            if not isinstance(store, Store):
                raise StorePluginError(
                    distribution=name,
                    hook="magcore_open_store",
                    reason=f"returned {type(store).__name__}, which is not a Store",
                )
            return store
        scheme = url.partition(":")[0] or url
        raise StorageError(
            f"no installed plugin opens {url!r} (unknown scheme {scheme!r}; "
            "built in: memory://, sqlite:///path)"
        )

    def key_provider(self, url: str, settings: StoreSettings | None = None) -> Any:
        """The :class:`~magcore.crypto.KeyProvider` the first willing plugin gives for *url*."""
        from .crypto.provider import KeyProvider

        kwargs = {"url": url, "settings": settings or StoreSettings()}
        for impl in reversed(self._pm.hook.magcore_key_provider.get_hookimpls()):
            name = self._plugin_name(impl)
            try:
                provider = impl.function(*[kwargs[arg] for arg in impl.argnames])
            except MagcoreError:
                raise
            except Exception as exc:
                raise PluginError(
                    distribution=name, hook="magcore_key_provider", reason=repr(exc)
                ) from exc
            if provider is None:
                continue
            if not isinstance(provider, KeyProvider):
                raise PluginError(
                    distribution=name,
                    hook="magcore_key_provider",
                    reason=f"returned {type(provider).__name__}, which is not a KeyProvider",
                )
            return provider
        raise StorageError(
            f"no key provider for {url!r}: set MAGCORE_KEY_FOLDER to a folder for the key file, "
            "or install a key-provider plugin (HSM, cloud KMS)"
        )

    # -- checks ----------------------------------------------------------------------------

    def check_record(
        self,
        record: Mapping[str, Any],
        form: FormDefinition | None,
        conversation: Conversation,
        *,
        actor: str = "",
        language: str = "nl",
    ) -> list[Problem]:
        """Problems every check plugin finds with *record* (a plugin's crash is a PluginError)."""
        from .errors import Problem

        problems: list[Problem] = []
        caller = self._pm.hook.magcore_check_record
        kwargs = {
            "record": record,
            "form": form,
            "conversation": conversation,
            "actor": actor,
            "language": language,
        }
        for impl in reversed(caller.get_hookimpls()):
            name = self._plugin_name(impl)
            try:
                found = impl.function(*[kwargs[arg] for arg in impl.argnames])
            except Exception as exc:
                raise PluginError(
                    distribution=name,
                    hook="magcore_check_record",
                    reason=f"{type(exc).__name__}: {exc}",
                ) from exc
            if found is None:
                continue
            if not isinstance(found, Sequence) or not all(isinstance(p, Problem) for p in found):
                raise PluginError(
                    distribution=name,
                    hook="magcore_check_record",
                    reason="must return a list of magcore.errors.Problem or None",
                )
            problems.extend(found)
        return problems

    # -- observers -------------------------------------------------------------------------

    def _call_each(
        self, hook: str, returns: tuple[type, ...], expected: str, **kwargs: Any
    ) -> tuple[list[Any], list[PluginError]]:
        """Call every implementation; a raise or a return not of *returns* is a PluginError."""
        results: list[Any] = []
        failures: list[PluginError] = []
        caller = getattr(self._pm.hook, hook)
        for impl in reversed(caller.get_hookimpls()):
            try:
                result = impl.function(*[kwargs[arg] for arg in impl.argnames])
                if not isinstance(result, returns):
                    raise _WrongReturn(f"returned {type(result).__name__}, expected {expected}")
                results.append(result)
            except Exception as exc:
                failure = PluginError(
                    distribution=self._plugin_name(impl),
                    hook=hook,
                    reason=_reason(exc),
                )
                failure.__cause__ = exc
                failures.append(failure)
        return results, failures

    def events_committed(self, batch: CommittedBatch) -> list[PluginError]:
        """Tell every observer about *batch*; one failure cannot silence the rest."""
        return self._call_each("magcore_events_committed", (type(None),), "None", batch=batch)[1]

    def send_notification(self, notification: Notification) -> tuple[list[str], list[PluginError]]:
        """Hand *notification* to every notifier; returns delivery references and failures."""
        results, failures = self._call_each(
            "magcore_send_notification",
            (str, type(None)),
            "a delivery reference (str) or None",
            notification=notification,
        )
        return [r for r in results if isinstance(r, str)], failures


@attrs.frozen
class PluginHost:
    """A plugin manager with its loaded distributions, load problems and typed hooks."""

    pm: pluggy.PluginManager
    distributions: Mapping[str, str | None]
    """Entry-point name → distribution version."""
    load_problems: tuple[PluginError, ...]

    @property
    def hooks(self) -> Hooks:
        names = {id(plugin): name for name, plugin in self.pm.list_name_plugin() if name}
        return Hooks(self.pm, names)

    def plugins(self, *, include_builtin: bool = True) -> list[PluginInfo]:
        """Every registered plugin with its version and the hooks it implements."""
        infos: list[PluginInfo] = []
        for name, plugin in self.pm.list_name_plugin():
            if plugin is None or name is None:
                continue
            builtin = name in DEFAULT_PLUGINS
            if builtin and not include_builtin:
                continue
            hooks = tuple(sorted(h.name for h in self.pm.get_hookcallers(plugin) or ()))
            infos.append(
                PluginInfo(
                    name=name,
                    version=self.distributions.get(name),
                    hooks=hooks,
                    builtin=builtin,
                )
            )
        return sorted(infos, key=lambda info: (not info.builtin, info.name))

    def register(self, plugin: object, name: str) -> None:
        """Register *plugin* by hand (tests, embedding applications)."""
        try:
            self.pm.register(plugin, name=name)
            self.pm.check_pending()
        except ValueError as exc:  # the name or the plugin object is already registered
            raise PluginError(distribution=name, hook=None, reason=str(exc)) from exc
        except pluggy.PluginValidationError as exc:
            if self.pm.is_registered(plugin):
                self.pm.unregister(plugin)
            raise PluginError(distribution=name, hook=None, reason=str(exc)) from exc


def _trace(hook_name: str, impls: Sequence[pluggy.HookImpl], kwargs: Mapping[str, Any]) -> None:
    print(f"magcore: calling {hook_name} on {[i.plugin_name for i in impls]}", file=sys.stderr)


def _trace_done(
    outcome: Any, hook_name: str, impls: Sequence[pluggy.HookImpl], kwargs: Mapping[str, Any]
) -> None:
    print(f"magcore: {hook_name} done", file=sys.stderr)


def _drop_unknown_hooks(pm: pluggy.PluginManager, problems: list[PluginError]) -> None:
    while True:
        try:
            pm.check_pending()
            return
        except pluggy.PluginValidationError as exc:
            name = pm.get_name(exc.plugin) or "?"
            pm.unregister(exc.plugin)
            problems.append(PluginError(distribution=name, hook=None, reason=str(exc)))


def get_plugin_manager(
    *,
    load_entry_points: bool = True,
    only: Collection[str] | None = None,
    disabled: Collection[str] = (),
    extra: Sequence[tuple[str, object]] = (),
    strict: bool = False,
) -> PluginHost:
    """A new plugin host: built-ins first, then *extra* plugins, then installed entry points.

    :param only: load only these entry points (``MAGCORE_LOAD_PLUGINS`` if not given).
    :param disabled: never load these (plus ``MAGCORE_DISABLE_PLUGINS``).
    :param extra: ``(name, plugin)`` pairs to register as if installed (tests, embedding apps).
    :param strict: raise an ``ExceptionGroup`` of every load problem instead of carrying on.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    blocked = set(disabled) | (_names_from_env("MAGCORE_DISABLE_PLUGINS") or set())
    if only is None:
        only = _names_from_env("MAGCORE_LOAD_PLUGINS")
    problems: list[PluginError] = []
    for module_name in DEFAULT_PLUGINS:
        if module_name in blocked:
            continue
        pm.register(importlib.import_module(module_name), name=module_name)
    for name in blocked:
        pm.set_blocked(name)
    for name, plugin in extra:
        if pm.is_blocked(name):
            continue
        try:
            pm.register(plugin, name=name)
        except (ValueError, pluggy.PluginValidationError) as exc:
            problems.append(PluginError(distribution=name, hook=None, reason=str(exc)))
    versions: dict[str, str | None] = {}
    if load_entry_points:
        for entry_point in sorted(
            importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name
        ):
            if (only is not None and entry_point.name not in only) or pm.is_blocked(
                entry_point.name
            ):
                continue
            if pm.has_plugin(entry_point.name):
                continue
            try:
                plugin = entry_point.load()
                pm.register(plugin, name=entry_point.name)
            except Exception as exc:  # an import error, a syntax error, a bad hookimpl
                error = PluginError(
                    distribution=entry_point.name,
                    hook=None,
                    reason=f"failed to load: {type(exc).__name__}: {exc}",
                )
                error.__cause__ = exc
                problems.append(error)
                continue
            versions[entry_point.name] = entry_point.dist.version if entry_point.dist else None
    _drop_unknown_hooks(pm, problems)
    if strict and problems:
        raise ExceptionGroup("magcore plugins failed to load", problems)
    if os.environ.get("MAGCORE_TRACE_PLUGINS"):
        pm.add_hookcall_monitoring(_trace, _trace_done)
    return PluginHost(pm=pm, distributions=versions, load_problems=tuple(problems))
