"""A session store shared by the worker processes of one machine: an SQLite file.

``magcore serve --workers 4`` runs four processes; a person's requests land on any of them, so
the sessions must live outside the processes. Set ``session_store`` under ``[web]`` to a file
path (``/var/lib/magcore/sessions.db``); it holds only session ids, CSRF tokens, who is signed
in and sign-ins under way (no content), and rows are removed when they expire.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..identity import Principal
from .oidc import PendingSignIn
from .sessions import Session, SessionStore

__all__ = ["SqliteSessionStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS web_sessions (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    seen REAL NOT NULL,
    created REAL NOT NULL,
    data TEXT NOT NULL
)
"""


def _dump(session: Session) -> str:
    principal = session.principal
    return json.dumps(
        {
            "csrf": session.csrf,
            "language": session.language,
            "principal": None
            if principal is None
            else {
                "person_id": principal.person_id,
                "roles": sorted(principal.roles),
                "tenant": principal.tenant,
            },
            "pending": {
                state: {
                    "state": p.state,
                    "nonce": p.nonce,
                    "code_verifier": p.code_verifier,
                    "redirect_uri": p.redirect_uri,
                    "started": p.started,
                    "next_path": p.next_path,
                }
                for state, p in session.pending.items()
            },
        }
    )


def _load(row: tuple[Any, ...]) -> Session:
    session_id, tenant, seen, created, data = row
    values = json.loads(data)
    principal = values["principal"]
    return Session(
        id=session_id,
        tenant=tenant,
        csrf=values["csrf"],
        created=created,
        seen=seen,
        principal=None if principal is None else Principal(**principal),
        pending={state: PendingSignIn(**p) for state, p in values["pending"].items()},
        language=values["language"],
    )


class SqliteSessionStore(SessionStore):
    """The :class:`SessionStore` of the module's docstring, in the SQLite file *path*."""

    def __init__(
        self,
        path: Path | str,
        *,
        idle: float = 30 * 60,
        lifetime: float = 8 * 60 * 60,
        now: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(idle=idle, lifetime=lifetime, now=now)
        self.path = Path(path)
        self._local = threading.local()
        with self._db() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(_SCHEMA)

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            self._local.db = db
        return db

    def _write(self, session: Session) -> None:
        self._db().execute(
            "INSERT OR REPLACE INTO web_sessions (id, tenant, seen, created, data)"
            " VALUES (?, ?, ?, ?, ?)",
            (session.id, session.tenant, session.seen, session.created, _dump(session)),
        )

    def new(self, tenant: str) -> Session:
        session = super().new(tenant)
        super().end(session)  # kept in the file, not in this process
        self._write(session)
        return session

    def get(self, session_id: str | None, tenant: str) -> Session | None:
        if not session_id:
            return None
        now = self._now()
        db = self._db()
        row = db.execute(
            "SELECT id, tenant, seen, created, data FROM web_sessions WHERE id = ?", (session_id,)
        ).fetchone()
        if row is None:
            return None
        session = _load(row)
        if self._expired(session, now):
            db.execute("DELETE FROM web_sessions WHERE id = ?", (session_id,))
            return None
        if session.tenant != tenant:
            return None
        session.seen = now
        db.execute("UPDATE web_sessions SET seen = ? WHERE id = ?", (now, session_id))
        return session

    def sign_in(self, session: Session, principal: Principal) -> Session:
        renewed = super().sign_in(session, principal)
        super().end(renewed)
        db = self._db()
        db.execute("DELETE FROM web_sessions WHERE id = ?", (session.id,))
        self._write(renewed)
        db.execute(
            "DELETE FROM web_sessions WHERE seen < ? OR created < ?",
            (self._now() - self.idle, self._now() - self.lifetime),
        )
        return renewed

    def end(self, session: Session) -> None:
        self._db().execute("DELETE FROM web_sessions WHERE id = ?", (session.id,))

    def save(self, session: Session) -> None:
        self._write(session)

    def __len__(self) -> int:
        row = self._db().execute("SELECT count(*) FROM web_sessions").fetchone()
        return int(row[0])
