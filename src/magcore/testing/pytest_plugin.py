"""magcore's pytest plugin (registered through the ``pytest11`` entry point).

Kept light: fixtures import magcore lazily, because pytest imports this module before coverage
starts and in every project that merely has magcore installed.

Fixtures for plugin authors (prefixed so they cannot collide with yours):

* ``magcore_clock`` — a :class:`~magcore.clock.FixedClock` at Monday 6 January 2025, 09:00 UTC;
* ``magcore_org`` — a generated organisation (60 people, 4 teams, seeded);
* ``magcore_store`` — an empty ``memory://`` store, closed after the test;
* ``magcore_plugin`` / ``magcore_plugin_name`` — override these to name your plugin;
* ``magcore_pm`` — a plugin host with magcore's built-ins and only your plugin;
* ``magcore_service`` — a service on ``magcore_store`` with ``magcore_pm`` and the organisation.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from magcore.app.service import Service
    from magcore.clock import FixedClock
    from magcore.model.organisation import Organisation
    from magcore.plugins import PluginHost
    from magcore.storage.base import Store

__all__ = [
    "magcore_clock",
    "magcore_org",
    "magcore_plugin",
    "magcore_plugin_name",
    "magcore_pm",
    "magcore_service",
    "magcore_store",
    "registered",
]


@contextlib.contextmanager
def registered(host: PluginHost, plugin: object, name: str = "under-test") -> Iterator[PluginHost]:
    """Register *plugin* on *host* for the duration of a ``with`` block, then unregister it."""
    host.register(plugin, name)
    try:
        yield host
    finally:
        if host.pm.is_registered(plugin):
            host.pm.unregister(plugin)


@pytest.fixture
def magcore_clock() -> FixedClock:
    """A clock that only moves when told to: Monday 6 January 2025, 09:00 UTC."""
    from datetime import UTC, datetime

    from magcore.clock import FixedClock

    return FixedClock(datetime(2025, 1, 6, 9, 0, tzinfo=UTC))


@pytest.fixture
def magcore_org() -> Organisation:
    """A generated organisation: 60 people, 4 teams, departments, one self-steering team."""
    from magcore.testing.orggen import generate_organisation

    return generate_organisation(people=60, teams=4, seed=0, self_steering_share=0.25)


@pytest.fixture
def magcore_store() -> Iterator[Store]:
    """An empty ``memory://`` store (magcore's built-in back end), closed after the test."""
    from magcore.plugins import get_plugin_manager

    store = get_plugin_manager(load_entry_points=False).hooks.open_store("memory://")
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def magcore_plugin() -> Any:
    """The plugin under test (a module or object with hook implementations). Override it."""
    return None


@pytest.fixture
def magcore_plugin_name() -> str:
    """The name the plugin under test is registered with; use your distribution's name."""
    return "under-test"


@pytest.fixture
def magcore_pm(magcore_plugin: Any, magcore_plugin_name: str) -> PluginHost:
    """A plugin host with magcore's built-ins and only the plugin under test (no entry points)."""
    from magcore.plugins import get_plugin_manager

    extra = [] if magcore_plugin is None else [(magcore_plugin_name, magcore_plugin)]
    return get_plugin_manager(load_entry_points=False, extra=extra)


@pytest.fixture
def magcore_service(
    magcore_store: Store, magcore_pm: PluginHost, magcore_clock: FixedClock, magcore_org: Any
) -> Service:
    """A service over ``magcore_store`` with ``magcore_pm``, the clock and the organisation."""
    from magcore.app.service import Service

    service = Service(magcore_store, host=magcore_pm, clock=magcore_clock)
    service.import_organisation(magcore_org, actor="test")
    return service
