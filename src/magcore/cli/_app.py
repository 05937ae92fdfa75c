"""What every ``magcore`` command shares: the config file, the plugins, the service, the clock.

``magcore init`` writes a small ``magcore.toml`` next to the database::

    store = "sqlite:///magcore.db"
    cycle = "mag@1"
    organisation = "org"
    timezone = "Europe/Amsterdam"   # optional; the days of sharing choices and retention

    [roles]                         # optional; functional roles by person id
    p001234 = ["privacy_officer"]

A relative ``sqlite:///`` path is relative to the folder of the config file, so the commands work
from anywhere once they are pointed at it (``--config`` or ``MAGCORE_CONFIG``).
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from ..errors import MagcoreError
from ..languages import LanguageSettings

if TYPE_CHECKING:
    from ..app.service import Service
    from ..clock import Clock
    from ..plugins import PluginHost

__all__ = ["DEFAULT_CONFIG", "DEFAULT_STORE", "App", "Config", "ConfigError", "resolve_store_url"]

DEFAULT_CONFIG = "magcore.toml"
DEFAULT_STORE = "sqlite:///magcore.db"
DEFAULT_ORGANISATION = "org"


class ConfigError(MagcoreError):
    """The config file is missing or unreadable: the command cannot know which store to use."""


@attrs.frozen(kw_only=True)
class Config:
    """The settings in ``magcore.toml``."""

    store: str = DEFAULT_STORE
    cycle: str | None = None
    organisation: str = DEFAULT_ORGANISATION
    timezone: str | None = None
    """The installation's IANA time zone; ``None`` is ``Europe/Amsterdam``."""
    language: str | None = None
    """The language texts are shown in when nobody chose one (``None``: Dutch)."""
    fallbacks: Mapping[str, Sequence[str]] = attrs.field(factory=dict)
    """The ``[fallbacks]`` table: ``fy = ["nl", "en"]``."""
    roles: Mapping[str, Sequence[str]] = attrs.field(factory=dict)
    """The ``[roles]`` table: functional roles by person id (``p001234 =
    ["privacy_officer"]``), which access is decided with, as the web's tenant ``roles``."""

    def languages(self) -> LanguageSettings:
        """The installation's language settings (default and fallback chains)."""
        return LanguageSettings(default=self.language or "nl", fallbacks=self.fallbacks)

    def to_toml(self) -> str:
        """The config as TOML text (strings are written with JSON escapes, valid TOML)."""
        lines = ["# magcore settings, written by `magcore init`"]
        lines.append(f"store = {json.dumps(self.store)}")
        if self.cycle is not None:
            lines.append(f"cycle = {json.dumps(self.cycle)}")
        lines.append(f"organisation = {json.dumps(self.organisation)}")
        if self.timezone is not None:
            lines.append(f"timezone = {json.dumps(self.timezone)}")
        if self.language is not None:
            lines.append(f"language = {json.dumps(self.language)}")
        if self.fallbacks:
            lines.append("\n[fallbacks]")
            lines += [f"{json.dumps(k)} = {json.dumps(list(v))}" for k, v in self.fallbacks.items()]
        if self.roles:
            lines.append("\n[roles]")
            lines += [f"{json.dumps(k)} = {json.dumps(list(v))}" for k, v in self.roles.items()]
        return "\n".join(lines) + "\n"

    @classmethod
    def read(cls, path: Path) -> Config:
        """Read *path*; a clear :class:`ConfigError` if it is missing or malformed."""
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(
                f"no {path.name} in {path.parent.resolve()}: run 'magcore init' first "
                "(or point --config at it)"
            ) from None
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read {path}: {exc}") from None
        except RecursionError:  # tables or arrays nested thousands of levels deep
            raise ConfigError(f"cannot read {path}: it nests too deeply to be settings") from None
        known = {"store", "cycle", "organisation", "timezone", "language", "fallbacks", "roles"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"{path}: unknown setting {unknown[0]!r}")
        for key, value in data.items():
            if key not in ("fallbacks", "roles") and not isinstance(value, str):
                raise ConfigError(f"{path}: {key} must be a string")
        if "roles" in data:
            data["roles"] = _roles(path, data["roles"])
        if "organisation" in data:  # an id, as `magcore init --organisation` checks it
            from ..model.input_policy import id_problem

            problem = id_problem(data["organisation"], pointer="/organisation")
            if problem is not None:
                raise ConfigError(f"{path}: organisation {problem.message}")
        if "language" in data or "fallbacks" in data:
            from ..languages import LanguageError

            try:
                settings = LanguageSettings.from_json(
                    {"default": data.get("language", "nl"), "fallbacks": data.get("fallbacks", {})}
                )
            except LanguageError as exc:
                raise ConfigError(f"{path}: {exc}") from None
            if "language" in data:  # normalised, as every language magcore takes: "NL" is nl
                data["language"] = settings.default
        if "timezone" in data:
            from ..errors import TimezoneError
            from ..model.days import timezone

            try:
                timezone(data["timezone"])
            except TimezoneError as exc:
                raise ConfigError(f"{path}: {exc}") from None
        return cls(**data)


def _roles(path: Path, value: object) -> dict[str, tuple[str, ...]]:
    """The ``[roles]`` table checked: person ids to lists of role names, all of them ids."""
    from ..model.input_policy import is_valid_id

    if not isinstance(value, dict):
        raise ConfigError(f"{path}: roles must be a table of person ids to lists of roles")
    roles: dict[str, tuple[str, ...]] = {}
    for person, held in value.items():
        if not is_valid_id(person):
            raise ConfigError(f"{path}: roles: {person!a} is not a person id")
        if not isinstance(held, list) or not all(is_valid_id(role) for role in held):
            raise ConfigError(f"{path}: roles.{person} must be a list of role names")
        roles[person] = tuple(held)
    return roles


def resolve_store_url(url: str, base: Path) -> str:
    """*url* with a relative ``sqlite:///`` path made absolute against *base*."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/"):
        return prefix + str((base / url[len(prefix) :]).resolve())
    return url


def _clock_from_env() -> Clock | None:
    """A fixed clock when ``MAGCORE_NOW`` is set (training sessions and tests)."""
    raw = os.environ.get("MAGCORE_NOW")
    if not raw:
        return None
    from ..clock import FixedClock

    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ConfigError(f"MAGCORE_NOW={raw!r} is not an ISO date-time") from None
    if moment.tzinfo is None:
        raise ConfigError(f"MAGCORE_NOW={raw!r} needs a time zone, e.g. {raw}+00:00")
    from ..model.input_policy import date_problem

    problem = date_problem(moment, pointer="")
    if problem is not None:
        raise ConfigError(f"MAGCORE_NOW={raw!r}: {problem.message}")
    return FixedClock(moment)


@attrs.define
class App:
    """The state one run of ``magcore`` carries between the group and its commands."""

    config_path: Path = Path(DEFAULT_CONFIG)
    store_override: str | None = None
    _host: PluginHost | None = None
    _config: Config | None = None
    _services: list[Service] = attrs.Factory(list)

    @property
    def host(self) -> PluginHost:
        """The installed plugins (loaded once, on first use)."""
        if self._host is None:
            from ..plugins import get_plugin_manager

            self._host = get_plugin_manager()
        return self._host

    @property
    def config(self) -> Config:
        if self._config is None:
            if self.store_override and not self.config_path.exists():
                # --store names the store; without a settings file the rest are the defaults
                self._config = Config(store=self.store_override)
            else:
                self._config = Config.read(self.config_path)
        return self._config

    def store_url(self) -> str:
        """The store to open: ``--store`` if given, else the config file's."""
        if self.store_override:
            return resolve_store_url(self.store_override, Path.cwd())
        return resolve_store_url(self.config.store, self.config_path.parent)

    def cycle_key(self) -> str:
        cycle = self.config.cycle
        if not cycle:
            raise ConfigError(f"{self.config_path.name} names no cycle: run 'magcore init --cycle'")
        return cycle

    def clock(self) -> Clock:
        from ..clock import SystemClock

        return _clock_from_env() or SystemClock()

    def service(self, *, create: bool = False) -> Service:
        """A service over the configured store; closed when the command ends."""
        from ..app.service import Service
        from ..storage.base import StoreSettings

        url = self.store_url()
        store = self.host.hooks.open_store(url, StoreSettings(create=create))
        # One command, one process: observers hear its batches before it ends ("sync"); a
        # separate worker (``magcore dispatch``) would deliver them otherwise.
        service = Service(
            store,
            host=self.host,
            clock=self.clock(),
            # the audit lines name the operating-system account that ran the command
            # (``cli:<login>``) beside the ``--as`` person it was given
            origin=operator(),
            dispatch="sync",
            timezone=self.config.timezone,
            organisation=self.config.organisation,
            language=self.config.language or "nl",
            languages=self.config.languages(),
        )
        if self.config.roles:
            from ..errors import DefinitionError

            try:  # the organisation is read when needed; the role names are checked now
                service.use_roles(self.config.roles)
            except DefinitionError as exc:
                service.close()
                raise ConfigError(f"{self.config_path}: {exc}") from None
        self._services.append(service)
        return service

    def close(self) -> None:
        while self._services:
            self._services.pop().close()


def operator() -> str:
    """Who runs the command, for the audit log: ``cli:<login name>`` of the process's effective
    user, as the operating system's account database names it (not ``LOGNAME`` or ``USER``,
    which anyone can set), ``cli:uid<N>`` when that database has no name for it or the name is
    no id (a space or an accent), or ``cli`` where there are no user ids (Windows: the login
    name then)."""
    import os

    from ..model.input_policy import is_valid_id

    try:
        import pwd
    except ImportError:  # no POSIX account database
        import getpass

        try:
            asker = f"cli:{getpass.getuser()}"
        except (KeyError, OSError):
            return "cli"
        return asker if is_valid_id(asker) else "cli"
    uid = os.geteuid()
    try:
        asker = f"cli:{pwd.getpwuid(uid).pw_name}"
    except KeyError:
        return f"cli:uid{uid}"
    return asker if is_valid_id(asker) else f"cli:uid{uid}"
