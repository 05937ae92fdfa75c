"""Tenants: one municipality each, chosen by the request's host name, never by anything else.

A :class:`Tenant` owns its own :class:`~magcore.app.service.Service` (its store, its plugin
host with only its plugins, its key folder). :class:`Tenants` resolves a ``Host`` header to
exactly one tenant; an unknown host is refused, so a request can never reach another
tenant's store: there is no shared store, and no id is ever looked up across tenants.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from magcore.errors import MagcoreError
from magcore.hookspecs import hookimpl

from .config import ANY_HOST, TenantConfig, WebConfig, WebConfigError

if TYPE_CHECKING:
    from magcore.app.service import Service
    from magcore.clock import Clock

__all__ = ["Tenant", "Tenants", "UnknownTenantError", "host_name"]


class UnknownTenantError(MagcoreError, LookupError):
    """No tenant is configured for the request's host name."""

    def __init__(self, host: str) -> None:
        self.host = host
        super().__init__(f"no municipality is served at host {host!r}")


def host_name(header: str | None) -> str:
    """The host name of a ``Host`` header: lower case, without port or trailing dot."""
    value = (header or "").strip().lower()
    if value.startswith("["):  # an IPv6 literal: [::1]:8000
        return value.partition("]")[0] + "]"
    return value.partition(":")[0].rstrip(".")


class _TenantKeys:
    """A plugin for one tenant's host: its key file lives in the tenant's key folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @hookimpl(tryfirst=True)
    def magcore_key_provider(self, url: str, settings: Any) -> Any:
        """The key file in this tenant's folder, whatever the store URL."""
        from magcore.crypto.files import KEY_FILE_NAME, FileKeyProvider

        return FileKeyProvider.open(self.folder / KEY_FILE_NAME, create=settings.create)


class Tenant:
    """One municipality: its settings and, opened on first use, its service.

    Service calls go through :meth:`call`, concurrently: the stores are safe to share
    between threads (SQLite serialises on its connection and commits concurrent requests'
    audit lines together, PostgreSQL pools connections), the service's caches hold immutable
    values keyed by the version they were folded at, and a write that raced another is
    refused by the store's expected version, never merged. Serialising every call would make
    each request wait for every other request's audit commit.
    """

    def __init__(
        self,
        name: str,
        config: TenantConfig,
        *,
        open_service: Callable[[str, TenantConfig], Service] | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.name = name
        self.config = config
        self._open = open_service or self._default_open
        self._clock = clock
        self._service: Service | None = None
        self._lock = threading.RLock()

    def _default_open(self, name: str, config: TenantConfig) -> Service:
        from magcore.app.service import open_service
        from magcore.plugins import get_plugin_manager

        extra: list[tuple[str, object]] = []
        if config.key_folder is not None:
            if not config.key_folder.is_dir():
                raise WebConfigError(
                    f"tenants.{name}.key_folder: {config.key_folder} is not a folder"
                )
            extra.append((f"magcore-web-keys:{name}", _TenantKeys(config.key_folder)))
        host = get_plugin_manager(only=config.plugins, extra=extra)
        service = open_service(
            config.store,
            host=host,
            clock=self._clock,
            origin="web",
            timezone=config.timezone,
            organisation=config.organisation,
        )
        if config.organisation is not None:
            # No organisation imported yet: access is decided without managers until it is.
            with contextlib.suppress(MagcoreError):
                service.use_organisation(config.organisation, dict(config.roles))
        return service

    @property
    def service(self) -> Service:
        """This tenant's service (opened on first use)."""
        with self._lock:
            if self._service is None:
                self._service = self._open(self.name, self.config)
            return self._service

    def call(self, function: Callable[[Service], Any]) -> Any:
        """Run *function* with this tenant's service (opened once, under the lock)."""
        return function(self.service)

    def close(self) -> None:
        with self._lock:
            if self._service is not None:
                self._service.close()
                self._service = None


class Tenants:
    """Every tenant of a deployment, by host name."""

    def __init__(
        self,
        config: WebConfig,
        *,
        open_service: Callable[[str, TenantConfig], Service] | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._by_host: Mapping[str, Tenant] = {
            host: Tenant(host, tenant, open_service=open_service, clock=clock)
            for host, tenant in config.tenants.items()
        }

    def resolve(self, host_header: str | None) -> Tenant:
        """The tenant serving *host_header*; :class:`UnknownTenantError` for any other host."""
        wildcard = self._by_host.get(ANY_HOST)
        if wildcard is not None:
            return wildcard
        host = host_name(host_header)
        tenant = self._by_host.get(host)
        if tenant is None:
            raise UnknownTenantError(host)
        return tenant

    def __iter__(self) -> Iterator[Tenant]:
        return iter(self._by_host.values())

    def __len__(self) -> int:
        return len(self._by_host)

    def close(self) -> None:
        for tenant in self:
            tenant.close()
