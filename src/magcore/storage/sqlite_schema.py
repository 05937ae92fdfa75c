"""The SQLite store's schema and its migrations, versioned with ``PRAGMA user_version``."""

from __future__ import annotations

from .listing_seal import listing_seal_schema
from .listing_sql import listing_index_schema
from .sql_tables import audit_schema, read_model_schema, snapshot_schema
from .sqlite_ballots import SCHEMA as _BALLOTS_SCHEMA
from .sqlite_keys import SCHEMA as _KEYS_SCHEMA
from .sqlite_outbox import SCHEMA as _OUTBOX_SCHEMA
from .sqlite_read_models import SQLITE

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
    *read_model_schema(SQLITE),
    *audit_schema(SQLITE),
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
#: Version 5 adds the streams' snapshots (:data:`~.sql_tables.SNAPSHOT_TABLES`).
#: Version 6 adds the guarded listing's index (:data:`~.listing_sql.LISTING_INDEX_TABLES`),
#: filled from the people's streams by the first listing.
#: Version 7 seals the listing's index (:mod:`.listing_seal`: ``version`` and ``seal`` on
#: ``sharing_choice``, the table ``listing_person``) and has the first listing fill it again.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    _V1,
    _KEYS_SCHEMA,
    _V3,
    _BALLOTS_SCHEMA,
    snapshot_schema(SQLITE),
    listing_index_schema(SQLITE),
    listing_seal_schema(SQLITE),
)


#: The newest schema version this magcore knows.
SCHEMA_VERSION = len(MIGRATIONS)
