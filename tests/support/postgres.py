"""A throwaway PostgreSQL server for tests, from the Debian binaries.

``postgres_server()`` runs ``initdb`` in a fresh temporary directory, starts the server with
``pg_ctl`` on a free port that listens on 127.0.0.1 only, creates a database and yields its
connection URL (``postgresql://magcore:<password>@127.0.0.1:<port>/magcore_test``). On exit it
stops the server and removes the directory. It does not use or touch any cluster that the
``postgresql`` package itself may have started.

PostgreSQL refuses to run as root, so when the tests run as root the server runs as the
``postgres`` system user (created if missing) through ``runuser``.

Set ``MAGCORE_PG_BINDIR`` to use binaries other than the newest ``/usr/lib/postgresql/*/bin``.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

DEFAULT_USER = "magcore"
DEFAULT_DATABASE = "magcore_test"
SERVICE_ACCOUNT = "postgres"
_START_ATTEMPTS = 3


class PostgresUnavailableError(RuntimeError):
    """The PostgreSQL server binaries are not installed."""


def find_bindir() -> Path:
    """The directory holding ``initdb``, ``pg_ctl`` and ``createdb``."""
    override = os.environ.get("MAGCORE_PG_BINDIR")
    candidates = (
        [Path(override)]
        if override
        else sorted(
            Path("/usr/lib/postgresql").glob("*/bin"),
            key=lambda p: _version_key(p.parent.name),
            reverse=True,
        )
    )
    for bindir in candidates:
        if all((bindir / tool).is_file() for tool in ("initdb", "pg_ctl", "createdb")):
            return bindir
    raise PostgresUnavailableError(
        "no PostgreSQL server binaries found in /usr/lib/postgresql/*/bin "
        "(apt-get install postgresql, see .ci/run) and MAGCORE_PG_BINDIR is not set"
    )


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else -1 for part in name.split("."))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _service_account() -> pwd.struct_passwd:
    """The unprivileged account to run the server as when we are root."""
    try:
        return pwd.getpwnam(SERVICE_ACCOUNT)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--user-group",
                "--no-create-home",
                "--home-dir",
                "/nonexistent",
                "--shell",
                "/usr/sbin/nologin",
                SERVICE_ACCOUNT,
            ],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(SERVICE_ACCOUNT)


class _Runner:
    """Runs the server tools directly, or as the service account when we are root."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.account = _service_account() if os.geteuid() == 0 else None

    def own(self, path: Path) -> None:
        if self.account is not None:
            os.chown(path, self.account.pw_uid, self.account.pw_gid)

    def run(
        self, argv: list[str], *, env: dict[str, str] | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        full_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8"}
        if env:
            full_env.update(env)
        if self.account is not None:
            full_env["HOME"] = str(self.workdir)
            # --preserve-environment: keep exactly the environment built above.
            argv = ["runuser", "--preserve-environment", "-u", self.account.pw_name, "--", *argv]
        return subprocess.run(
            argv,
            cwd=self.workdir,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def _check(proc: subprocess.CompletedProcess[str], what: str, log: Path | None = None) -> None:
    if proc.returncode == 0:
        return
    detail = f"{proc.stdout}\n{proc.stderr}".strip()
    if log is not None and log.exists():
        detail += "\n--- server log ---\n" + log.read_text(errors="replace")[-4000:]
    raise RuntimeError(f"{what} failed (exit {proc.returncode}):\n{detail}")


@contextlib.contextmanager
def postgres_server(*, user: str = DEFAULT_USER, database: str = DEFAULT_DATABASE) -> Iterator[str]:
    """Start a private PostgreSQL server on loopback and yield a connection URL to it."""
    bindir = find_bindir()
    workdir = Path(tempfile.mkdtemp(prefix="magcore-pg-"))
    runner = _Runner(workdir)
    runner.own(workdir)
    datadir = workdir / "data"
    logfile = workdir / "server.log"
    password = secrets.token_hex(16)
    pwfile = workdir / "pwfile"
    pwfile.write_text(password + "\n")
    pwfile.chmod(0o600)
    runner.own(pwfile)

    started = False
    try:
        _check(
            runner.run(
                [
                    str(bindir / "initdb"),
                    "--pgdata",
                    str(datadir),
                    "--username",
                    user,
                    "--pwfile",
                    str(pwfile),
                    "--auth",
                    "scram-sha-256",
                    "--encoding",
                    "UTF8",
                    "--no-locale",
                    "--no-sync",
                ]
            ),
            "initdb",
        )
        for attempt in range(_START_ATTEMPTS):
            port = free_port()
            options = " ".join(
                [
                    "-c listen_addresses=127.0.0.1",
                    f"-p {port}",
                    f"-c unix_socket_directories={workdir}",
                    "-c fsync=off",
                    "-c synchronous_commit=off",
                    "-c full_page_writes=off",
                    "-c max_connections=50",
                ]
            )
            proc = runner.run(
                [
                    str(bindir / "pg_ctl"),
                    "start",
                    "--pgdata",
                    str(datadir),
                    "--log",
                    str(logfile),
                    "--wait",
                    "--timeout",
                    "60",
                    "-o",
                    options,
                ]
            )
            if proc.returncode == 0:
                started = True
                break
            if attempt == _START_ATTEMPTS - 1:  # the port may have been taken meanwhile
                _check(proc, "pg_ctl start", logfile)
        _check(
            runner.run(
                [
                    str(bindir / "createdb"),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--username",
                    user,
                    database,
                ],
                env={"PGPASSWORD": password},
            ),
            "createdb",
            logfile,
        )
        yield f"postgresql://{user}:{password}@127.0.0.1:{port}/{database}"
    finally:
        if started:
            stop = runner.run(
                [str(bindir / "pg_ctl"), "stop", "--pgdata", str(datadir), "--mode", "fast"],
                timeout=60,
            )
            if stop.returncode != 0:
                runner.run(
                    [
                        str(bindir / "pg_ctl"),
                        "stop",
                        "--pgdata",
                        str(datadir),
                        "--mode",
                        "immediate",
                    ],
                    timeout=60,
                )
        shutil.rmtree(workdir, ignore_errors=True)


_SCHEMAS = itertools.count(1)


def schema_url(base: str, prefix: str) -> str:
    """A new, empty schema on the server at *base*, and the URL whose connections use it
    (``search_path``): each test's store apart on one shared server."""
    import psycopg

    schema = f"{prefix}{os.getpid()}_{next(_SCHEMAS)}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    joiner = "&" if "?" in base else "?"
    return f"{base}{joiner}options=-csearch_path%3D{schema}"


def store_url(request: Any, tmp_path: Path, monkeypatch: Any, name: str) -> str:
    """The URL of a new, empty store of the engine a parametrized fixture asks for
    (``request.param``: ``memory``, ``sqlite`` or ``postgresql``): a file *name*``.db`` in
    *tmp_path*, or a schema of its own on the shared test server (``MAGCORE_TEST_PG_URL`` or the
    one ``postgresql_url`` starts) with its key file in *tmp_path*."""
    if request.param == "memory":
        return "memory://"
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/{name}.db"
    import pytest

    pytest.importorskip("psycopg")
    pytest.importorskip("magcore_postgres")
    monkeypatch.setenv("MAGCORE_KEY_FOLDER", str(tmp_path))
    base = os.environ.get("MAGCORE_TEST_PG_URL") or request.getfixturevalue("postgresql_url")
    return schema_url(base, name)
