"""OpenID Connect sign-in: the authorization code flow with PKCE, as a relying party.

The flow, in the order the pages use it:

1. :meth:`OidcClient.begin` makes a fresh ``state``, ``nonce`` and PKCE ``code_verifier``
   (S256 challenge) and the URL of the provider's authorization endpoint; the caller keeps
   the :class:`PendingSignIn` in the (not yet signed-in) session.
2. The provider sends the browser back with ``code`` and ``state``; :meth:`OidcClient.finish`
   checks the state, the ``iss`` of the response (RFC 9207) when the provider sends it,
   exchanges the code (with the verifier) at the token endpoint, and verifies the ID token:
   signature with the provider's published keys, issuer, audience (and ``azp``), expiry,
   issue time and the nonce. Claims missing from the ID token are read from the userinfo
   endpoint (whose ``sub`` must match).

The OAuth messages themselves are made by ``authlib`` (:class:`AsyncOAuth2Client`); the ID
token is verified with ``joserfc``, the same library that verifies the API's bearer tokens.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from typing import Any

import attrs

from magcore.errors import MagcoreError

from ..config import OidcSettings

__all__ = [
    "DEFAULT_SCOPES",
    "OidcClient",
    "PendingSignIn",
    "ProviderMetadata",
    "SignInFailed",
]

#: What the pages ask the provider for: the person's id and name, and their groups.
DEFAULT_SCOPES = ("openid", "profile", "groups")
_ALGORITHMS = ["RS256", "PS256", "ES256", "EdDSA"]


class SignInFailed(MagcoreError):
    """The provider's answer cannot be trusted or is incomplete; the message says why (it
    is logged, never shown with details to the person)."""


@attrs.frozen(kw_only=True)
class ProviderMetadata:
    """The endpoints of the provider, from its discovery document."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None = None
    end_session_endpoint: str | None = None

    @classmethod
    def from_document(cls, document: Mapping[str, Any], *, issuer: str) -> ProviderMetadata:
        """Check the discovery *document* names *issuer* and has the endpoints needed."""
        if document.get("issuer") != issuer:
            raise SignInFailed(
                f"oidc.issuer: the provider calls itself {document.get('issuer')!r}, not {issuer!r}"
            )
        missing = [
            key
            for key in ("authorization_endpoint", "token_endpoint", "jwks_uri")
            if not isinstance(document.get(key), str)
        ]
        if missing:
            raise SignInFailed(f"oidc.issuer: the provider's metadata has no {missing[0]}")
        methods = document.get("code_challenge_methods_supported")
        if isinstance(methods, list) and "S256" not in methods:
            raise SignInFailed("oidc.issuer: the provider does not support PKCE with S256")
        return cls(
            issuer=issuer,
            authorization_endpoint=document["authorization_endpoint"],
            token_endpoint=document["token_endpoint"],
            jwks_uri=document["jwks_uri"],
            userinfo_endpoint=document.get("userinfo_endpoint"),
            end_session_endpoint=document.get("end_session_endpoint"),
        )


@attrs.frozen(kw_only=True)
class PendingSignIn:
    """One sign-in under way: what the callback must match. Kept in the session only."""

    state: str = attrs.field(repr=False)
    nonce: str = attrs.field(repr=False)
    code_verifier: str = attrs.field(repr=False)
    redirect_uri: str
    started: float
    next_path: str = "/"


class OidcClient:
    """The relying party for *settings* (one per app; metadata and keys are cached).

    *scopes* defaults to ``settings.extra["scopes"]`` or :data:`DEFAULT_SCOPES`; *timeout*
    bounds every call to the provider; a sign-in not finished within *max_age* seconds is
    refused.
    """

    def __init__(
        self,
        settings: OidcSettings,
        *,
        scopes: tuple[str, ...] | None = None,
        timeout: float = 10.0,
        max_age: float = 600.0,
        leeway: int = 60,
    ) -> None:
        self.settings = settings
        extra_scopes = settings.extra.get("scopes")
        self.scopes = scopes or (tuple(extra_scopes) if extra_scopes else DEFAULT_SCOPES)
        self.timeout = timeout
        self.max_age = max_age
        self.leeway = leeway
        self._metadata: ProviderMetadata | None = None
        self._keys: Any = None

    def _client(self, **kwargs: Any) -> Any:
        from authlib.integrations.httpx_client import (  # type: ignore[import-untyped]
            AsyncOAuth2Client,
        )

        return AsyncOAuth2Client(
            client_id=self.settings.client_id,
            client_secret=self.settings.client_secret,
            scope=" ".join(self.scopes),
            code_challenge_method="S256",
            token_endpoint_auth_method=(
                "client_secret_basic" if self.settings.client_secret else "none"
            ),
            timeout=self.timeout,
            **kwargs,
        )

    async def metadata(self) -> ProviderMetadata:
        """The provider's endpoints (fetched once from ``/.well-known/openid-configuration``)."""
        if self._metadata is None:
            url = self.settings.issuer.rstrip("/") + "/.well-known/openid-configuration"
            async with self._client() as client:
                response = await client.request("GET", url, withhold_token=True)
            if response.status_code != 200:
                raise SignInFailed(f"oidc.issuer: {url} answered {response.status_code}")
            self._metadata = ProviderMetadata.from_document(
                response.json(), issuer=self.settings.issuer
            )
        return self._metadata

    async def _key_set(self, *, refresh: bool = False) -> Any:
        from joserfc.jwk import KeySet

        if self.settings.jwks is not None:
            return KeySet.import_key_set(dict(self.settings.jwks))  # type: ignore[arg-type]
        if self._keys is None or refresh:
            metadata = await self.metadata()
            async with self._client() as client:
                response = await client.request("GET", metadata.jwks_uri, withhold_token=True)
            if response.status_code != 200:
                raise SignInFailed(f"oidc: the provider's keys answered {response.status_code}")
            self._keys = KeySet.import_key_set(response.json())
        return self._keys

    async def begin(self, redirect_uri: str, *, next_path: str = "/") -> tuple[str, PendingSignIn]:
        """The URL to send the browser to, and what the callback must match."""
        metadata = await self.metadata()
        pending = PendingSignIn(
            state=secrets.token_urlsafe(32),
            nonce=secrets.token_urlsafe(32),
            code_verifier=secrets.token_urlsafe(64),
            redirect_uri=redirect_uri,
            started=time.time(),
            next_path=next_path,
        )
        client = self._client(redirect_uri=redirect_uri)
        url, _ = client.create_authorization_url(
            metadata.authorization_endpoint,
            state=pending.state,
            code_verifier=pending.code_verifier,
            nonce=pending.nonce,
        )
        await client.aclose()
        return str(url), pending

    async def finish(self, pending: PendingSignIn, params: Mapping[str, str]) -> dict[str, Any]:
        """The verified claims of the person who signed in (ID token, then userinfo)."""
        if "error" in params:
            raise SignInFailed(f"the provider refused: {params.get('error')}")
        state = params.get("state", "")
        if not state or not secrets.compare_digest(state, pending.state):
            raise SignInFailed("state: the answer belongs to another sign-in")
        if time.time() - pending.started > self.max_age:
            raise SignInFailed("state: the sign-in took too long")
        metadata = await self.metadata()
        if "iss" in params and params["iss"] != metadata.issuer:
            raise SignInFailed("iss: the answer comes from another provider")
        code = params.get("code")
        if not code:
            raise SignInFailed("code: the provider sent no code")
        async with self._client(redirect_uri=pending.redirect_uri) as client:
            try:
                token = await client.fetch_token(
                    metadata.token_endpoint,
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=pending.code_verifier,
                    redirect_uri=pending.redirect_uri,
                )
            except Exception as exc:  # authlib raises its own OAuthError or httpx errors
                raise SignInFailed(f"token: the code was not accepted ({exc})") from None
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise SignInFailed("id_token: the provider sent no ID token")
        claims = await self.verify_id_token(id_token, nonce=pending.nonce)
        wanted = (self.settings.person_claim, self.settings.roles_claim)
        if any(name not in claims for name in wanted) and metadata.userinfo_endpoint:
            info = await self._userinfo(metadata.userinfo_endpoint, token)
            if info.get("sub") != claims["sub"]:
                raise SignInFailed("userinfo: the answer is about another person")
            claims = {**info, **claims}
        return claims

    async def verify_id_token(self, id_token: str, *, nonce: str) -> dict[str, Any]:
        """The claims of *id_token* once signature, issuer, audience, times and nonce hold."""
        from joserfc import jwt
        from joserfc.errors import JoseError

        keys = await self._key_set()
        try:
            decoded = jwt.decode(id_token, keys, algorithms=_ALGORITHMS)
        except (JoseError, ValueError):
            try:  # the provider may have rotated its keys since we fetched them
                keys = await self._key_set(refresh=True)
                decoded = jwt.decode(id_token, keys, algorithms=_ALGORITHMS)
            except (JoseError, ValueError) as exc:
                raise SignInFailed(f"id_token: the signature does not hold ({exc})") from None
        claims = dict(decoded.claims)
        problems = _claim_problems(claims, self.settings, nonce=nonce, leeway=self.leeway)
        if problems:
            raise SignInFailed("id_token: " + ", ".join(problems))
        return claims

    async def _userinfo(self, endpoint: str, token: Mapping[str, Any]) -> dict[str, Any]:
        async with self._client(token=dict(token)) as client:
            response = await client.get(endpoint)
        if response.status_code != 200:
            raise SignInFailed(f"userinfo: the provider answered {response.status_code}")
        info = response.json()
        if not isinstance(info, dict):
            raise SignInFailed("userinfo: the provider's answer is not an object")
        return info


def _claim_problems(
    claims: Mapping[str, Any], settings: OidcSettings, *, nonce: str, leeway: int
) -> list[str]:
    now = time.time()
    problems: list[str] = []
    if claims.get("iss") != settings.issuer:
        problems.append("another issuer")
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else list(aud or [])
    if settings.client_id not in audiences:
        problems.append("another audience")
    if len(audiences) > 1 and claims.get("azp") != settings.client_id:
        problems.append("another authorised party")
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or exp + leeway < now:
        problems.append("expired")
    iat = claims.get("iat")
    if not isinstance(iat, int | float) or iat - leeway > now:
        problems.append("issued in the future")
    found = claims.get("nonce")
    if not isinstance(found, str) or not secrets.compare_digest(found, nonce):
        problems.append("another nonce")
    if not isinstance(claims.get("sub"), str) or not claims.get("sub"):
        problems.append("no subject")
    return problems
