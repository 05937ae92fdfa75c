"""The entry-point plugin: adds ``magcore serve``, which runs the web app with uvicorn.

By default it serves the store of ``magcore.toml`` (SQLite) to any host name, on the loopback
address only. With ``--web-config web.toml`` it serves every tenant that file names (each its
own store: SQLite, or PostgreSQL through magcore-postgres for several workers or machines).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import click

from magcore.hookspecs import hookimpl

__all__ = ["app_from_env", "magcore_register_commands"]

#: The environment variable naming the web settings file for worker processes.
CONFIG_VARIABLE = "MAGCORE_WEB_CONFIG"
SECRET_VARIABLE = "MAGCORE_WEB_SESSION_SECRET"


def app_from_env() -> Any:
    """The app for the settings file in ``MAGCORE_WEB_CONFIG`` (uvicorn's ``--factory``), with
    the clock ``MAGCORE_NOW`` fixes, when set, as ``magcore serve`` gives it."""
    from magcore.cli.context import fixed_clock

    from .app import create_app
    from .config import WebConfig

    path = os.environ.get(CONFIG_VARIABLE)
    if not path:
        raise click.ClickException(f"{CONFIG_VARIABLE} names no web settings file")
    clock = fixed_clock()
    app = create_app(WebConfig.read(Path(path)), clock=clock)
    _note_fixed_clock(clock)  # a worker of uvicorn --factory says it too, not only serve
    return app


def _note_fixed_clock(clock: Any) -> None:
    """Say on stderr that ``MAGCORE_NOW`` fixes the services' clock, when it does: a value
    left over from a training session would otherwise run a server on a stale day unnoticed
    (sharing choices past their end date opening records, audit lines on that day)."""
    if clock is not None:
        click.echo(
            f"note: MAGCORE_NOW fixes the clock at {clock.now().isoformat()} for every "
            "tenant's conversations, plans and records (a training session); signing in "
            "and sessions keep the real time",
            err=True,
        )


def _configured_cycle(magcore: Any) -> str | None:
    from magcore.errors import MagcoreError

    try:
        return str(magcore.cycle().key)
    except MagcoreError:
        return None


@hookimpl
def magcore_register_commands(cli: click.Group) -> None:
    """Add ``magcore serve``."""
    from magcore.cli.context import CommandContext, pass_magcore

    @cli.command("serve")
    @click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
    @click.option("--port", default=8000, show_default=True, type=int)
    @click.option(
        "--web-config",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Web settings (tenants, sign-in); default: this store for any host name.",
    )
    @click.option("--workers", default=1, show_default=True, type=int, help="Worker processes.")
    @click.option(
        "--forwarded-allow-ips",
        default=None,
        help="Reverse proxies whose X-Forwarded-* headers are trusted (comma-separated).",
    )
    @click.option("--check", is_flag=True, help="Build the app and print its routes; no serving.")
    @pass_magcore
    def serve(
        magcore: CommandContext,
        host: str,
        port: int,
        web_config: Path | None,
        workers: int,
        forwarded_allow_ips: str | None,
        check: bool,
    ) -> None:
        """Serve the HTTP API (and the pages, where installed) with uvicorn.

        With MAGCORE_NOW set, every tenant's service runs on that fixed time (a training
        session); signing in and sessions keep the real time.
        """
        from magcore.cli.context import fixed_clock

        from .app import create_app
        from .config import ANY_HOST, TenantConfig, WebConfig, WebConfigError

        clock = fixed_clock()
        try:
            if web_config is not None:
                config = WebConfig.read(web_config)
            else:
                if workers > 1:
                    raise WebConfigError("--workers above 1 needs --web-config")
                service = magcore.service()  # the store magcore.toml names
                zone = getattr(service.timezone, "key", None)
                secret = os.environ.get(SECRET_VARIABLE) or secrets.token_urlsafe(48)
                config = WebConfig(
                    tenants={
                        ANY_HOST: TenantConfig(
                            store=service.store.url,
                            organisation=magcore.organisation_id,
                            timezone=zone,
                            cycle=_configured_cycle(magcore),
                        )
                    },
                    session_secret=secret,
                )
        except WebConfigError as exc:
            raise click.ClickException(str(exc)) from None
        app = create_app(config, clock=clock)
        _note_fixed_clock(clock)
        if config.oidc is None and config.identity is None:
            click.echo(
                "warning: no sign-in is set up, so every page and API call will answer 401 "
                "'not signed in': give an [oidc] table in a --web-config file "
                "(docs/guides/embedding.md, section 4)",
                err=True,
            )
        if check:
            for route in app.routes:
                magcore.echo(getattr(route, "path", repr(route)))
            return
        import uvicorn

        options: dict[str, Any] = {
            "host": host,
            "port": port,
            "proxy_headers": forwarded_allow_ips is not None,
            "server_header": False,
        }
        if forwarded_allow_ips is not None:
            options["forwarded_allow_ips"] = forwarded_allow_ips
        if workers > 1:
            assert web_config is not None
            os.environ[CONFIG_VARIABLE] = str(web_config.resolve())
            uvicorn.run("magcore_web.plugin:app_from_env", factory=True, workers=workers, **options)
        else:
            uvicorn.run(app, **options)
