"""Who is asking: the signed-in person of a request, as one :class:`Principal`.

Sign-in methods are *identity providers*: objects with ``authenticate(request, tenant)`` that
return a :class:`Principal` or ``None`` (not theirs to answer). The app asks them in order and
keeps the first answer for the request. Two come with this module:

* :class:`BearerTokens`: an ``Authorization: Bearer`` JSON Web Token signed by the municipality's
  OpenID provider (verified with its JWK set: signature, issuer, audience, expiry), for systems
  calling the API;
* :class:`StaticTokens`: fixed tokens for tests and local trials.

The web front end adds its own provider for the signed-in session (OpenID Connect sign-in)
with :func:`add_identity_provider`; the pages and the API then see the same
:class:`Principal`. A principal always belongs to the tenant that resolved the request: a
provider that answers for another tenant is refused.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import attrs

from magcore.errors import MagcoreError

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import HTTPConnection

    from .config import OidcSettings
    from .tenants import Tenant

__all__ = [
    "BearerTokens",
    "IdentityProvider",
    "NotSignedInError",
    "Principal",
    "StaticTokens",
    "add_identity_provider",
    "bearer_token",
    "current_principal",
    "identity_providers",
    "require_principal",
]

_PRINCIPAL = "magcore.principal"
#: The scope key (and app state key) of the identity providers' list.
PROVIDERS_KEY = "magcore.identity_providers"
_PROVIDERS = PROVIDERS_KEY


class NotSignedInError(MagcoreError):
    """The request carries no valid sign-in (no session, no valid bearer token)."""

    def __init__(self, reason: str = "sign in first") -> None:
        self.reason = reason
        super().__init__(reason)


def _roles(value: Iterable[str]) -> frozenset[str]:
    return frozenset(value)


@attrs.frozen(kw_only=True)
class Principal:
    """The person behind a request: their magcore person id, their roles and their tenant.

    *roles* are magcore's role names (``manager`` is never needed: who manages whom comes from
    the organisation); ``hr_adviser``, ``privacy_officer``, ``works_council`` and such come
    from the identity provider's groups.
    """

    person_id: str
    roles: frozenset[str] = attrs.field(default=frozenset(), converter=_roles)
    tenant: str

    def has_role(self, role: str) -> bool:
        return role in self.roles


@runtime_checkable
class IdentityProvider(Protocol):
    """A sign-in method: the principal of *request* at *tenant*, or ``None`` if the request
    does not use this method. Raise :class:`NotSignedInError` when it does but is invalid
    (an expired token): the request is then refused, not passed to the next provider."""

    def authenticate(self, request: HTTPConnection, tenant: Tenant) -> Principal | None: ...


def bearer_token(request: HTTPConnection) -> str | None:
    """The token of an ``Authorization: Bearer ...`` header, else ``None``."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


class StaticTokens:
    """Fixed bearer tokens, each naming a principal (tests, demonstrations, local trials).

    *tokens* maps a token to a :class:`Principal`; a token is valid only at its principal's
    tenant.
    """

    def __init__(self, tokens: Mapping[str, Principal]) -> None:
        self._tokens = dict(tokens)

    def authenticate(self, request: HTTPConnection, tenant: Tenant) -> Principal | None:
        token = bearer_token(request)
        if token is None:
            return None
        principal = self._tokens.get(token)
        if principal is None or principal.tenant != tenant.name:
            raise NotSignedInError("the bearer token is not valid here")
        return principal


class BearerTokens:
    """JSON Web Tokens from the OpenID provider in *settings*, verified with its keys.

    The token must be signed by a key of the provider's JWK set (*settings.jwks*, or *jwks*
    given here), name the provider as ``iss`` and the client (or *settings.audience*) in
    ``aud``, and not be expired. The person id is the claim *settings.person_claim*; roles are
    the groups in *settings.roles_claim* mapped through *settings.role_groups*. With
    ``tenant_claim`` in *settings.extra*, the token must name the tenant too.

    With *roles_fresh_for* (seconds; the app passes ``[web] roles_fresh_for``), the groups of
    a token issued (``iat``) longer ago give no role: a group taken away at the provider stops
    counting in the API as soon as it does on the pages, whatever the token's ``exp``. The
    person still stands with the roles the tenant's directory gives them (checked at every
    call). A token without ``iat`` keeps its groups until it expires.
    """

    def __init__(
        self,
        settings: OidcSettings,
        *,
        jwks: Mapping[str, Any] | None = None,
        leeway: int = 30,
        algorithms: Sequence[str] = ("RS256", "ES256", "PS256", "EdDSA"),
        roles_fresh_for: float | None = None,
    ) -> None:
        from joserfc.jwk import KeySet

        keys = jwks if jwks is not None else settings.jwks
        if keys is None:
            raise MagcoreError("oidc.jwks: the provider's public keys are needed to verify tokens")
        self.settings = settings
        self._keys = KeySet.import_key_set(dict(keys))  # type: ignore[arg-type]
        self._leeway = leeway
        self._algorithms = list(algorithms)
        self.roles_fresh_for = roles_fresh_for

    def authenticate(self, request: HTTPConnection, tenant: Tenant) -> Principal | None:
        token = bearer_token(request)
        if token is None:
            return None
        claims = self.verify(token)
        tenant_claim = self.settings.extra.get("tenant_claim")
        if tenant_claim and claims.get(tenant_claim) != tenant.name:
            raise NotSignedInError("the bearer token is for another municipality")
        person = claims.get(self.settings.person_claim)
        if not isinstance(person, str) or not person:
            raise NotSignedInError(f"the bearer token has no {self.settings.person_claim} claim")
        roles = self.roles(claims)
        issued = claims.get("iat")
        if (
            roles
            and self.roles_fresh_for is not None
            and isinstance(issued, int | float)
            and not isinstance(issued, bool)
            and time.time() - issued > self.roles_fresh_for
        ):
            roles = frozenset()  # the groups are too old to count: the directory's still do
        return Principal(person_id=person, roles=roles, tenant=tenant.name)

    def verify(self, token: str) -> Mapping[str, Any]:
        """The claims of *token* once signature, issuer, audience and time are checked."""
        from joserfc import jwt
        from joserfc.errors import JoseError

        try:
            decoded = jwt.decode(token, self._keys, algorithms=self._algorithms)
        except (JoseError, ValueError) as exc:
            raise NotSignedInError(f"the bearer token is not valid: {exc}") from None
        claims = dict(decoded.claims)
        now = time.time()
        audience = self.settings.audience or self.settings.client_id
        aud = claims.get("aud")
        audiences = [aud] if isinstance(aud, str) else list(aud or [])
        problems = []
        if claims.get("iss") != self.settings.issuer:
            problems.append("another issuer")
        if audience not in audiences:
            problems.append("another audience")
        exp = claims.get("exp")
        if not isinstance(exp, int | float) or exp + self._leeway < now:
            problems.append("expired")
        nbf = claims.get("nbf")
        if isinstance(nbf, int | float) and nbf - self._leeway > now:
            problems.append("not valid yet")
        if problems:
            raise NotSignedInError(f"the bearer token is not valid: {', '.join(problems)}")
        return claims

    def roles(self, claims: Mapping[str, Any]) -> frozenset[str]:
        groups = claims.get(self.settings.roles_claim) or ()
        if isinstance(groups, str):
            groups = (groups,)
        mapping = self.settings.role_groups
        return frozenset(mapping[g] for g in groups if isinstance(g, str) and g in mapping)


def identity_providers(app: Starlette) -> list[IdentityProvider]:
    """The providers *app* asks, in order (a list the app owns)."""
    providers: list[IdentityProvider] = app.state._state.setdefault(_PROVIDERS, [])
    return providers


def add_identity_provider(
    app: Starlette, provider: IdentityProvider, *, first: bool = True
) -> None:
    """Let *app* accept *provider*'s sign-ins (the web front end's session sign-in). By
    default it is asked before the bearer-token providers."""
    if not isinstance(provider, IdentityProvider):
        raise TypeError(f"{provider!r} has no authenticate(request, tenant) method")
    providers = identity_providers(app)
    if first:
        providers.insert(0, provider)
    else:
        providers.append(provider)


def _providers_of(request: HTTPConnection) -> Iterable[IdentityProvider]:
    # The outer app's list, put in the scope by the tenant middleware (a mounted app's
    # request.app is the mounted one).
    providers: list[IdentityProvider] = request.scope.get(_PROVIDERS, [])
    return tuple(providers)


def current_principal(request: HTTPConnection) -> Principal | None:
    """The signed-in person of *request*, or ``None`` (asked once per request)."""
    if _PRINCIPAL in request.scope:
        found: Principal | None = request.scope[_PRINCIPAL]
        return found
    from .app import tenant_of

    tenant = tenant_of(request)
    principal: Principal | None = None
    for provider in _providers_of(request):
        principal = provider.authenticate(request, tenant)
        if principal is not None:
            if principal.tenant != tenant.name:
                raise NotSignedInError("this sign-in belongs to another municipality")
            break
    request.scope[_PRINCIPAL] = principal
    return principal


def require_principal(request: HTTPConnection) -> Principal:
    """The signed-in person of *request*; :class:`NotSignedInError` if nobody is."""
    principal = current_principal(request)
    if principal is None:
        raise NotSignedInError()
    return principal
