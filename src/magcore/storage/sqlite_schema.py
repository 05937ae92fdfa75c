"""The SQLite store's schema and its migrations, versioned with ``PRAGMA user_version``."""

from __future__ import annotations

from .base import GENESIS
from .sqlite_ballots import SCHEMA as _BALLOTS_SCHEMA
from .sqlite_keys import SCHEMA as _KEYS_SCHEMA
from .sqlite_outbox import SCHEMA as _OUTBOX_SCHEMA

__all__ = ["APPLICATION_ID", "MIGRATIONS", "SCHEMA_VERSION"]

#: ``PRAGMA application_id`` of a magcore database ("MAGC"), so other files are not mistaken.
APPLICATION_ID = 0x4D414743


_V1 = (
    """CREATE TABLE events (
        position INTEGER PRIMARY KEY AUTOINCREMENT,
        stream TEXT NOT NULL,
        version INTEGER NOT NULL CHECK (version >= 1),
        type TEXT NOT NULL,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        data TEXT NOT NULL,
        UNIQUE (stream, version)
    )""",
    """CREATE TABLE conversations (
        id TEXT PRIMARY KEY,
        cycle TEXT NOT NULL,
        kind TEXT NOT NULL,
        state TEXT NOT NULL,
        subject TEXT,
        team TEXT,
        participants TEXT NOT NULL,
        requested_on TEXT NOT NULL,
        scheduled_on TEXT,
        held_on TEXT,
        medium TEXT,
        version INTEGER NOT NULL,
        preparers TEXT NOT NULL,
        published TEXT NOT NULL
    )""",
    "CREATE INDEX conversations_subject ON conversations (subject)",
    "CREATE INDEX conversations_team ON conversations (team)",
    """CREATE TABLE conversation_people (
        person TEXT NOT NULL,
        conversation TEXT NOT NULL REFERENCES conversations (id),
        PRIMARY KEY (person, conversation)
    ) WITHOUT ROWID""",
    """CREATE TABLE agreements (
        conversation TEXT NOT NULL REFERENCES conversations (id),
        position INTEGER NOT NULL,
        agreement TEXT NOT NULL,
        subject TEXT,
        owner TEXT NOT NULL,
        status TEXT NOT NULL,
        due TEXT,
        made_on TEXT,
        PRIMARY KEY (conversation, position)
    )""",
    "CREATE INDEX agreements_subject ON agreements (subject, status)",
    """CREATE TABLE audit (
        seq INTEGER PRIMARY KEY,
        at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, object TEXT NOT NULL,
        result TEXT NOT NULL, origin TEXT NOT NULL, reason TEXT NOT NULL, purpose TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    )""",
    """CREATE TABLE audit_head (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        count INTEGER NOT NULL,
        last_hash TEXT NOT NULL
    )""",
    f"INSERT INTO audit_head (id, count, last_hash) VALUES (1, 0, '{GENESIS}')",
)


#: Schema steps: ``MIGRATIONS[n - 1]`` brings a database from version ``n - 1`` to ``n``.
#: Version 2 adds the key table (``data_keys``, see :mod:`magcore.storage.sqlite_keys`).
#: Version 3 gives audit lines the digest of the event they describe and the id of the key
#: that chains them (empty for the unkeyed lines of older versions, which still verify), and
#: the outbox tables (see :mod:`magcore.storage.sqlite_outbox`).
_V3 = (
    "ALTER TABLE audit ADD COLUMN digest TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE audit ADD COLUMN key TEXT NOT NULL DEFAULT ''",
    *_OUTBOX_SCHEMA,
)
#: Version 4 adds the ballot boxes of anonymous measurements (:mod:`.sqlite_ballots`).
MIGRATIONS: tuple[tuple[str, ...], ...] = (_V1, _KEYS_SCHEMA, _V3, _BALLOTS_SCHEMA)


#: The newest schema version this magcore knows.
SCHEMA_VERSION = len(MIGRATIONS)
