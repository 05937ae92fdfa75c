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
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any

import attrs
import pluggy

from . import hookspecs
from .contributions import Contributions
from .errors import PluginError
from .hooks import Hooks

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


def _names_from_env(variable: str) -> set[str] | None:
    raw = os.environ.get(variable)
    if raw is None:
        return None
    return {name.strip() for name in raw.split(",") if name.strip()}


class _Versions(Mapping[str, "str | None"]):
    """Entry-point name → distribution version, each read from the distribution's metadata
    when first asked (only ``magcore plugins`` asks; parsing 20 metadata files costs every
    command a few milliseconds otherwise)."""

    def __init__(self, entry_points: Mapping[str, importlib.metadata.EntryPoint]) -> None:
        self._entry_points = dict(entry_points)
        self._known: dict[str, str | None] = {}

    def __getitem__(self, name: str) -> str | None:
        if name not in self._known:
            dist = self._entry_points[name].dist
            self._known[name] = dist.version if dist else None
        return self._known[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entry_points)

    def __len__(self) -> int:
        return len(self._entry_points)

    def __repr__(self) -> str:
        return repr(dict(self))


@attrs.frozen
class PluginInfo:
    """What ``magcore plugins`` shows about one plugin."""

    name: str
    version: str | None
    hooks: tuple[str, ...]
    builtin: bool


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
    loaded: dict[str, importlib.metadata.EntryPoint] = {}
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
            loaded[entry_point.name] = entry_point
    _drop_unknown_hooks(pm, problems)
    if strict and problems:
        raise ExceptionGroup("magcore plugins failed to load", problems)
    if os.environ.get("MAGCORE_TRACE_PLUGINS"):
        pm.add_hookcall_monitoring(_trace, _trace_done)
    return PluginHost(pm=pm, distributions=_Versions(loaded), load_problems=tuple(problems))
