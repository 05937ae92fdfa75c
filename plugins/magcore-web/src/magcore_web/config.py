"""The settings of a magcore web deployment: its tenants, sign-in and session secret.

One deployment can serve several municipalities (tenants). Each is chosen by the request's
host name and has its own store, its own plugins (so its own cycle) and its own key folder;
nothing is shared between tenants but the code. :meth:`WebConfig.read` reads a TOML file::

    session_secret = "..."            # at least 32 characters; sign the session cookie

    [tenants."gesprekken.amsterdam.example"]
    store = "sqlite:///amsterdam.db"
    organisation = "amsterdam"
    plugins = ["magcore-amsterdam"]   # load only these plugins for this tenant
    key_folder = "keys/amsterdam"

    [oidc]                            # sign-in, filled in by the web front end
    issuer = "https://login.example"
    client_id = "magcore"
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from magcore.errors import MagcoreError

__all__ = [
    "ANY_HOST",
    "API_VERSION",
    "ROLES_FRESH_FOR",
    "OidcSettings",
    "TenantConfig",
    "WebConfig",
    "WebConfigError",
    "roles_fresh_for",
]

#: The full version of the HTTP API, sent in the ``API-Version`` header of every response.
API_VERSION = "1.0.0"
#: A tenant key that matches every host name; allowed only when it is the one tenant.
ANY_HOST = "*"
_MIN_SECRET = 32


class WebConfigError(MagcoreError, ValueError):
    """The web settings are inconsistent; the message names the setting."""


#: How long the roles a sign-in or a bearer token brought are trusted, in seconds (the
#: ``[web]`` setting ``roles_fresh_for``): 15 minutes.
ROLES_FRESH_FOR = 15 * 60


def roles_fresh_for(extra: Mapping[str, Any]) -> float:
    """``[web] roles_fresh_for``: a positive number of seconds (default
    :data:`ROLES_FRESH_FOR`)."""
    value = extra.get("roles_fresh_for", ROLES_FRESH_FOR)
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise WebConfigError("web.roles_fresh_for: a positive number of seconds, such as 900")
    return float(value)


def _host_name(value: str) -> str:
    return value.strip().lower().rstrip(".")


def _optional_names(value: Iterable[str] | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(value)


def _optional_path(value: str | Path | None) -> Path | None:
    return None if value is None else Path(value)


def _by_host(value: Mapping[str, TenantConfig]) -> dict[str, TenantConfig]:
    return {_host_name(k): t for k, t in dict(value).items()}


@attrs.frozen(kw_only=True)
class TenantConfig:
    """One municipality served by the deployment.

    *store* is a store URL (``sqlite:///...``, or ``postgresql://...`` with magcore-postgres:
    one database or schema per municipality); *plugins* names the entry points loaded for this
    tenant (``None``: every installed one); *key_folder* holds this tenant's key file.
    """

    store: str
    organisation: str | None = None
    plugins: tuple[str, ...] | None = attrs.field(default=None, converter=_optional_names)
    key_folder: Path | None = attrs.field(default=None, converter=_optional_path)
    timezone: str | None = None
    cycle: str | None = None
    """The cycle (``id@version``) planning uses by default, as ``cycle`` in magcore.toml."""
    roles: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    """Functional roles by person id (``hr_adviser``, ``privacy_officer``...), used for access
    decisions next to the organisation's managers."""


@attrs.frozen(kw_only=True)
class OidcSettings:
    """OpenID Connect sign-in (the web front end's pages use it; the API verifies bearer tokens
    issued by the same provider). *person_claim* names the claim holding the magcore person
    id; *roles_claim* the claim with the groups that map to roles through *role_groups*."""

    issuer: str
    client_id: str
    client_secret: str | None = None
    audience: str | None = None
    person_claim: str = "sub"
    roles_claim: str = "groups"
    role_groups: Mapping[str, str] = attrs.field(factory=dict)
    """Group name → magcore role."""
    jwks: Mapping[str, Any] | None = None
    """The provider's public keys (a JWK set); ``None``: fetched from the issuer's metadata."""
    extra: Mapping[str, Any] = attrs.field(factory=dict)
    """Settings the sign-in pages add (scopes, redirect paths...)."""


@attrs.frozen(kw_only=True)
class WebConfig:
    """Everything :func:`magcore_web.app.create_app` needs.

    *tenants* maps a host name (lower case, without port) to its :class:`TenantConfig`; the
    key ``"*"`` matches any host and is allowed only for a single-tenant deployment.
    *identity* is an identity provider object given by the embedding code (tests inject one;
    see :mod:`magcore_web.identity`); when ``None`` the API accepts bearer tokens from *oidc*.
    """

    tenants: Mapping[str, TenantConfig] = attrs.field(converter=_by_host)
    session_secret: str = attrs.field(repr=False)
    oidc: OidcSettings | None = None
    identity: Any = attrs.field(default=None, repr=False)
    api_version: str = API_VERSION
    public_url: str | None = None
    """Where the API is reached from outside (``https://host/api/v1``), for the OpenAPI
    ``servers`` entry; ``None``: taken from each request."""
    extra: Mapping[str, Any] = attrs.field(factory=dict)
    """Settings of the web front end (templates, rate limits...)."""

    @tenants.validator
    def _check_tenants(self, _attribute: Any, value: Mapping[str, TenantConfig]) -> None:
        if not value:
            raise WebConfigError("tenants: at least one tenant is needed")
        if ANY_HOST in value and len(value) > 1:
            raise WebConfigError(
                'tenants: "*" matches every host, so it cannot stand next to other tenants'
            )
        stores = [t.store for t in value.values()]
        if len(set(stores)) != len(stores):
            raise WebConfigError("tenants: two tenants share a store; each needs its own")

    @session_secret.validator
    def _check_secret(self, _attribute: Any, value: str) -> None:
        if len(value) < _MIN_SECRET:
            raise WebConfigError(f"session_secret: needs at least {_MIN_SECRET} characters")

    @classmethod
    def read(cls, path: Path, **overrides: Any) -> WebConfig:
        """Read the TOML file *path* (see the module's docstring); relative paths in it are
        relative to its folder."""
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise WebConfigError(f"cannot read {path}: {exc}") from None
        return cls.from_mapping(data, base=path.parent, **overrides)

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any], *, base: Path | None = None, **overrides: Any
    ) -> WebConfig:
        """Build the settings from parsed TOML or JSON; unknown keys are refused by name."""
        known = {"tenants", "session_secret", "oidc", "api_version", "public_url", "web"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise WebConfigError(f"unknown setting {unknown[0]!r}")
        tenants = {
            host: _tenant(host, raw, base) for host, raw in dict(data.get("tenants", {})).items()
        }
        oidc = data.get("oidc")
        try:
            values: dict[str, Any] = {
                "tenants": tenants,
                "session_secret": data.get("session_secret", ""),
                "oidc": OidcSettings(**oidc) if oidc is not None else None,
                "extra": dict(data.get("web", {})),
            }
        except TypeError as exc:
            raise WebConfigError(f"oidc: {exc}") from None
        for key in ("api_version", "public_url"):
            if key in data:
                values[key] = data[key]
        values.update(overrides)
        return cls(**values)


def _tenant(host: str, raw: Any, base: Path | None) -> TenantConfig:
    where = f"tenants.{host}"
    if not isinstance(raw, Mapping):
        raise WebConfigError(f"{where}: must be a table")
    fields = {"store", "organisation", "plugins", "key_folder", "timezone", "cycle", "roles"}
    unknown = sorted(set(raw) - fields)
    if unknown:
        raise WebConfigError(f"{where}.{unknown[0]}: unknown setting")
    if not isinstance(raw.get("store"), str):
        raise WebConfigError(f"{where}.store: a store URL is needed")
    store = raw["store"]
    if base is not None and store.startswith("sqlite:///") and not store.startswith("sqlite:////"):
        store = "sqlite:///" + str((base / store.removeprefix("sqlite:///")).resolve())
    key_folder = raw.get("key_folder")
    if key_folder is not None and base is not None:
        key_folder = (base / key_folder).resolve()
    roles = {str(person): tuple(r) for person, r in dict(raw.get("roles", {})).items()}
    return TenantConfig(
        store=store,
        organisation=raw.get("organisation"),
        plugins=raw.get("plugins"),
        key_folder=key_folder,
        timezone=raw.get("timezone"),
        cycle=raw.get("cycle"),
        roles=roles,
    )
