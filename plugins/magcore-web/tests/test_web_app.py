"""The skeleton: settings, tenants by host name, the API-Version header, sign-in."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from joserfc import jwt
from joserfc.jwk import RSAKey
from magcore_web import OidcSettings, Principal, TenantConfig, WebConfig, WebConfigError, create_app
from magcore_web.identity import BearerTokens, NotSignedInError, StaticTokens
from magcore_web.tenants import Tenants, host_name
from magcore_web.testing import HOST_A as A
from magcore_web.testing import HOST_B as B
from magcore_web.testing import SECRET
from starlette.testclient import TestClient


def test_unknown_host_is_refused_with_a_problem_and_reaches_no_store(api, services):
    client = TestClient(api.client.app, base_url="http://elsewhere.example")
    before = {host: len(list(s.store.read_audit())) for host, s in services.items()}
    response = client.get("/api/v1/conversations", headers={"authorization": f"Bearer anna@{A}"})
    assert response.status_code == 421
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["api-version"] == "1.0.0"
    assert "elsewhere.example" in response.json()["detail"]
    assert {host: len(list(s.store.read_audit())) for host, s in services.items()} == before


@pytest.mark.parametrize(
    ("path", "person", "status"),
    [
        ("/api/v1/conversations", "anna", 200),
        ("/api/v1/conversations", None, 401),
        ("/api/v1/no-such-thing", "anna", 404),
        ("/api/v1/openapi.json", None, 200),
        ("/openapi.json", None, 200),
    ],
)
def test_every_response_carries_the_api_version(api, path, person, status):
    response = api.get(path, person)
    assert response.status_code == status
    assert response.headers["api-version"] == "1.0.0"
    if status >= 400:
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["status"] == status
        assert {"type", "title", "detail"} <= set(body)


def test_not_signed_in_asks_for_a_bearer_token(api):
    response = api.get("/api/v1/conversations")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_token_of_another_municipality_is_refused(api):
    response = api.client.get(
        "/api/v1/conversations", headers={"authorization": f"Bearer anna@{B}"}
    )
    assert response.status_code == 401


def test_host_names_are_compared_without_port_case_or_trailing_dot():
    assert host_name("Gesprekken.Amsterdam.Example.:8443") == "gesprekken.amsterdam.example"
    assert host_name("[::1]:8000") == "[::1]"
    assert host_name(None) == ""
    tenants = Tenants(
        WebConfig(tenants={A: TenantConfig(store="memory://a")}, session_secret=SECRET)
    )
    assert tenants.resolve("GESPREKKEN.amsterdam.example:443").name == A


@pytest.mark.parametrize(
    ("tenants", "secret", "message"),
    [
        ({}, SECRET, "at least one tenant"),
        (
            {"*": TenantConfig(store="memory://1"), A: TenantConfig(store="memory://2")},
            SECRET,
            '"*"',
        ),
        (
            {A: TenantConfig(store="memory://1"), B: TenantConfig(store="memory://1")},
            SECRET,
            "share",
        ),
        ({A: TenantConfig(store="memory://1")}, "short", "session_secret"),
    ],
)
def test_inconsistent_settings_are_refused_by_name(tenants, secret, message):
    with pytest.raises(WebConfigError, match=message):
        WebConfig(tenants=tenants, session_secret=secret)


def test_settings_file_resolves_paths_next_to_it(tmp_path):
    (tmp_path / "web.toml").write_text(
        f'session_secret = "{SECRET}"\n'
        f'[tenants."{A}"]\nstore = "sqlite:///a.db"\nkey_folder = "keys/a"\n'
        'plugins = ["magcore-amsterdam"]\n'
        f'roles = {{ piet = ["privacy_officer"] }}\n',
        encoding="utf-8",
    )
    config = WebConfig.read(tmp_path / "web.toml")
    tenant = config.tenants[A]
    assert tenant.store == f"sqlite:///{tmp_path.resolve() / 'a.db'}"
    assert tenant.key_folder == (tmp_path / "keys" / "a").resolve()
    assert tenant.plugins == ("magcore-amsterdam",)
    assert tenant.roles == {"piet": ("privacy_officer",)}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('colour = "red"\n', "unknown setting 'colour'"),
        (f'session_secret = "{SECRET}"\n[tenants.x]\nstoer = "memory://"\n', "tenants.x.stoer"),
        (f'session_secret = "{SECRET}"\n[tenants.x]\norganisation = "o"\n', "tenants.x.store"),
        ("[oidc\n", "cannot read"),
    ],
)
def test_a_bad_settings_file_names_the_setting(tmp_path, text, message):
    (tmp_path / "web.toml").write_text(text, encoding="utf-8")
    with pytest.raises(WebConfigError, match=message):
        WebConfig.read(tmp_path / "web.toml")


def test_each_tenant_keeps_its_keys_in_its_own_folder(tmp_path):
    (tmp_path / "ka").mkdir()
    (tmp_path / "kb").mkdir()
    config = WebConfig(
        tenants={
            A: TenantConfig(store=f"sqlite:///{tmp_path / 'a.db'}", key_folder=tmp_path / "ka"),
            B: TenantConfig(store=f"sqlite:///{tmp_path / 'b.db'}", key_folder=tmp_path / "kb"),
        },
        session_secret=SECRET,
    )
    app = create_app(config)
    for host in (A, B):
        service = app.state.tenants.resolve(host).service
        assert service.key_provider is not None
    assert (tmp_path / "ka" / "magcore-keys.json").exists()
    assert (tmp_path / "kb" / "magcore-keys.json").exists()
    assert (tmp_path / "ka" / "magcore-keys.json").read_bytes() != (
        tmp_path / "kb" / "magcore-keys.json"
    ).read_bytes()
    assert not (tmp_path / "a.db.keys").exists()
    app.state.tenants.close()


def test_a_missing_key_folder_is_an_error_naming_the_setting(tmp_path):
    config = WebConfig(
        tenants={
            A: TenantConfig(store=f"sqlite:///{tmp_path / 'a.db'}", key_folder=tmp_path / "k")
        },
        session_secret=SECRET,
    )
    app = create_app(config)
    with pytest.raises(WebConfigError, match=f"tenants.{A}.key_folder"):
        app.state.tenants.resolve(A).service  # noqa: B018
    assert not (tmp_path / "a.db").exists()


# -- bearer tokens of an OpenID provider ------------------------------------------------------

ISSUER = "https://login.example"


@pytest.fixture(scope="module")
def signing_key():
    return RSAKey.generate_key(2048, parameters={"kid": "k1"})


def _settings(key, **extra):
    return OidcSettings(
        issuer=ISSUER,
        client_id="magcore",
        jwks={"keys": [key.as_dict(private=False)]},
        role_groups={"HR-advies": "hr_adviser"},
        extra=extra,
    )


def _token(key, **claims):
    now = int(time.time())
    body = {"iss": ISSUER, "aud": "magcore", "sub": "anna", "exp": now + 300, "iat": now}
    body.update(claims)
    return jwt.encode({"alg": "RS256", "kid": "k1"}, body, key)


class _Request:
    def __init__(self, token):
        self.headers = {"authorization": f"Bearer {token}"}


class _Tenant:
    name = A


def test_a_signed_token_gives_the_person_and_roles_from_groups(signing_key):
    tokens = BearerTokens(_settings(signing_key))
    token = _token(signing_key, groups=["HR-advies", "Iedereen"])
    principal = tokens.authenticate(_Request(token), _Tenant())
    assert principal == Principal(person_id="anna", roles={"hr_adviser"}, tenant=A)


def test_the_groups_of_an_old_token_give_no_role(signing_key):
    """With ``roles_fresh_for``, a token issued longer ago still names its person, but its
    groups no longer count (the directory's roles of the day still do, at every call): a
    group taken away at the provider stops counting in the API as on the pages."""
    tokens = BearerTokens(_settings(signing_key), roles_fresh_for=900)
    now = int(time.time())
    fresh = _token(signing_key, groups=["HR-advies"], iat=now - 60)
    stale = _token(signing_key, groups=["HR-advies"], iat=now - 901)
    assert tokens.authenticate(_Request(fresh), _Tenant()).roles == {"hr_adviser"}
    old = tokens.authenticate(_Request(stale), _Tenant())
    assert (old.person_id, old.roles) == ("anna", frozenset())
    # without the setting (a provider used on its own), a token's groups last until exp
    assert BearerTokens(_settings(signing_key)).authenticate(_Request(stale), _Tenant()).roles


def test_the_app_gives_its_bearer_tokens_the_roles_setting(signing_key):
    from magcore_web.identity import identity_providers

    for extra, expected in (({}, 900.0), ({"roles_fresh_for": 60}, 60.0)):
        config = WebConfig(
            tenants={A: TenantConfig(store="memory://")},
            session_secret=SECRET,
            oidc=_settings(signing_key),
            extra=extra,
        )
        app = create_app(config, extensions=())
        [bearer] = [p for p in identity_providers(app) if isinstance(p, BearerTokens)]
        assert bearer.roles_fresh_for == expected


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"exp": int(time.time()) - 3600}, "expired"),
        ({"aud": "other-app"}, "another audience"),
        ({"iss": "https://evil.example"}, "another issuer"),
        ({"nbf": int(time.time()) + 3600}, "not valid yet"),
    ],
)
def test_a_token_that_fails_a_check_is_refused_with_the_reason(signing_key, claims, reason):
    tokens = BearerTokens(_settings(signing_key))
    with pytest.raises(NotSignedInError, match=reason):
        tokens.authenticate(_Request(_token(signing_key, **claims)), _Tenant())


def test_a_token_signed_by_another_key_is_refused(signing_key):
    other = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    tokens = BearerTokens(_settings(signing_key))
    with pytest.raises(NotSignedInError, match="not valid"):
        tokens.authenticate(_Request(_token(other)), _Tenant())


def test_a_token_for_another_tenant_is_refused(signing_key):
    tokens = BearerTokens(_settings(signing_key, tenant_claim="municipality"))
    with pytest.raises(NotSignedInError, match="another municipality"):
        tokens.authenticate(_Request(_token(signing_key, municipality=B)), _Tenant())
    principal = tokens.authenticate(_Request(_token(signing_key, municipality=A)), _Tenant())
    assert principal is not None
    assert principal.tenant == A


def test_the_api_accepts_bearer_tokens_of_the_configured_provider(signing_key, tmp_path):
    config = WebConfig(
        tenants={A: TenantConfig(store=f"sqlite:///{tmp_path / 'a.db'}")},
        session_secret=SECRET,
        oidc=_settings(signing_key),
    )
    client = TestClient(create_app(config), base_url=f"http://{A}")
    good = client.get(
        "/api/v1/conversations", headers={"authorization": f"Bearer {_token(signing_key)}"}
    )
    assert good.status_code == 200
    assert good.json() == []
    expired = _token(signing_key, exp=int(time.time()) - 3600)
    bad = client.get("/api/v1/conversations", headers={"authorization": f"Bearer {expired}"})
    assert bad.status_code == 401
    assert "expired" in bad.json()["detail"]


def test_static_tokens_are_valid_at_their_own_tenant_only():
    tokens = StaticTokens({"t": Principal(person_id="anna", tenant=B)})
    with pytest.raises(NotSignedInError):
        tokens.authenticate(_Request("t"), _Tenant())


# -- the command ------------------------------------------------------------------------------


def _serve_check(tmp_path: Path, more: str = "") -> Any:
    """``magcore serve --check`` with a settings file of one tenant (and *more* settings)."""
    from magcore.cli import cli

    (tmp_path / "web.toml").write_text(
        f'session_secret = "{SECRET}"\n[tenants."{A}"]\nstore = "sqlite:///a.db"\n{more}',
        encoding="utf-8",
    )
    return CliRunner().invoke(cli, ["serve", "--web-config", str(tmp_path / "web.toml"), "--check"])


def test_serve_check_builds_the_app_from_a_settings_file(tmp_path: Path):
    result = _serve_check(tmp_path)
    assert result.exit_code == 0, result.output
    assert "/api/v1" in result.output
    assert "/openapi.json" in result.output


def test_serve_without_sign_in_says_every_call_will_be_refused(tmp_path: Path):
    """Without [oidc] nobody can sign in: every page and API call answers 401. The command
    says so on standard error, naming the setting, instead of serving in silence."""
    result = _serve_check(tmp_path)
    assert result.exit_code == 0, result.output
    assert "warning: no sign-in is set up" in result.stderr
    assert "[oidc]" in result.stderr
    assert "warning" not in result.stdout
    result = _serve_check(
        tmp_path, '[oidc]\nissuer = "https://login.example"\nclient_id = "magcore"\n'
    )
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr


def test_serve_refuses_a_bad_settings_file_in_one_line(tmp_path: Path):
    from magcore.cli import cli

    (tmp_path / "web.toml").write_text('session_secret = "short"\n', encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["serve", "--web-config", str(tmp_path / "web.toml"), "--check"]
    )
    assert result.exit_code != 0
    assert "tenant" in result.output


def test_serve_gives_the_services_the_clock_magcore_now_fixes(tmp_path: Path, monkeypatch):
    """A training session sets MAGCORE_NOW: the services magcore serve opens run on that time
    (what is due, today's date of a record), and the command says so; without it, real time."""
    import magcore_web.app as web_app

    from magcore.cli import cli

    made: list[Any] = []
    real = web_app.create_app

    def create_app(*args: Any, **kwargs: Any) -> Any:
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(web_app, "create_app", create_app)
    (tmp_path / "web.toml").write_text(
        f'session_secret = "{SECRET}"\n[tenants."{A}"]\nstore = "sqlite:///{tmp_path}/a.db"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("MAGCORE_NOW", "2026-09-01T09:00:00+02:00")
    result = CliRunner().invoke(
        cli, ["serve", "--web-config", str(tmp_path / "web.toml"), "--check"]
    )
    assert result.exit_code == 0, result.output
    assert "MAGCORE_NOW fixes the clock at 2026-09-01T07:00:00+00:00" in result.stderr
    tenants = made[-1].state.tenants
    service = tenants.resolve(A).service
    assert service.clock.now() == datetime(2026, 9, 1, 7, tzinfo=UTC)
    tenants.close()

    monkeypatch.setenv("MAGCORE_NOW", "next tuesday")
    result = CliRunner().invoke(
        cli, ["serve", "--web-config", str(tmp_path / "web.toml"), "--check"]
    )
    assert result.exit_code == 1
    assert "MAGCORE_NOW" in result.stderr

    monkeypatch.delenv("MAGCORE_NOW")
    result = CliRunner().invoke(
        cli, ["serve", "--web-config", str(tmp_path / "web.toml"), "--check"]
    )
    assert "MAGCORE_NOW" not in result.stderr
    tenants = made[-1].state.tenants
    assert abs(tenants.resolve(A).service.clock.now() - datetime.now(UTC)) < timedelta(minutes=5)
    tenants.close()


def test_a_worker_app_says_that_magcore_now_fixes_its_clock(tmp_path: Path, monkeypatch, capsys):
    """uvicorn --factory (serve --workers, or a deployment's own uvicorn) takes MAGCORE_NOW
    too: each worker says so on stderr, as serve does (a value left from a training session
    must not run a server on a stale day unnoticed)."""
    from magcore_web.plugin import app_from_env

    (tmp_path / "web.toml").write_text(
        f'session_secret = "{SECRET}"\n[tenants."{A}"]\nstore = "sqlite:///{tmp_path}/a.db"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("MAGCORE_WEB_CONFIG", str(tmp_path / "web.toml"))
    monkeypatch.setenv("MAGCORE_NOW", "2026-09-01T09:00:00+02:00")
    app = app_from_env()
    assert "MAGCORE_NOW fixes the clock at 2026-09-01T07:00:00+00:00" in capsys.readouterr().err
    app.state.tenants.close()
    monkeypatch.delenv("MAGCORE_NOW")
    app = app_from_env()
    assert "MAGCORE_NOW" not in capsys.readouterr().err
    app.state.tenants.close()
