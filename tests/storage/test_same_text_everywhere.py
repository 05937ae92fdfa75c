"""Text no store can keep (a NUL character, a lone surrogate) is refused alike by every back end,
with the same StorageError naming the field, and nothing is written."""

from __future__ import annotations

import itertools
from urllib.parse import quote

import psycopg
import pytest

from magcore.errors import StorageError
from magcore.storage import MemoryStore, SQLiteStore, StreamWrite
from magcore.testing.storage import audit_record, event

_SCHEMAS = itertools.count(1)

BAD = [
    ("data", lambda s: event(s, 1, text="voor\x00na"), r"data at /text holds a NUL"),
    ("nested", lambda s: event(s, 1, items=[{"k": "\ud800"}]), r"data at /items/0/k holds a lone"),
    ("key", lambda s: event(s, 1, **{"a\x00b": 1}), r"data at /a\x00b holds a NUL .* in a key"),
    (
        "actor",
        lambda s: event(s, 1).__class__(**{**_fields(event(s, 1)), "actor": "e\x00"}),
        r"actor holds a NUL",
    ),
]


def _fields(e):
    return {
        "stream": e.stream,
        "version": e.version,
        "type": e.type,
        "at": e.at,
        "actor": e.actor,
        "data": e.data,
    }


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "memory":
        opened = MemoryStore()
    elif request.param == "sqlite":
        opened = SQLiteStore.open(f"sqlite:///{tmp_path / 'a.db'}")
    else:
        postgres = pytest.importorskip("magcore_postgres")
        base = request.getfixturevalue("postgresql_url")
        schema = f"text_{next(_SCHEMAS)}"
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        joiner = "&" if "?" in base else "?"
        opened = postgres.PostgresStore.open(
            f"{base}{joiner}options={quote(f'-csearch_path={schema}')}"
        )
    yield opened
    opened.close()


@pytest.mark.parametrize(("what", "make", "message"), BAD, ids=[b[0] for b in BAD])
def test_unstorable_text_in_an_event_is_refused_alike(store, what, make, message):
    """The same StorageError on memory, SQLite and PostgreSQL; the stream stays empty."""
    stream = f"goal:{what}"
    with pytest.raises(StorageError, match=message):
        store.append([StreamWrite(stream, 0, [make(stream)])])
    assert store.version(stream) == 0
    assert store.audit_head().count == 0


def test_unstorable_text_in_an_audit_line_is_refused_alike(store):
    """An audit line with a NUL is refused with the field named; the chain is unchanged."""
    record = audit_record(1)
    bad = record.__class__(
        **{
            **{
                f: getattr(record, f)
                for f in (
                    "at",
                    "actor",
                    "action",
                    "object",
                    "result",
                    "origin",
                    "reason",
                    "purpose",
                )
            },
            "object": "conversation:c\x00",
        }
    )
    with pytest.raises(StorageError, match="audit line 1: object holds a NUL"):
        store.append([StreamWrite("goal:g", 0, [event("goal:g", 1)])], audit=[bad])
    assert store.version("goal:g") == 0
    assert store.audit_head().count == 0


def test_an_escaped_backslash_is_not_taken_for_a_nul(store):
    """The text '\\u0000' (a backslash, not a NUL) is kept as it is."""
    stream = "goal:backslash"
    store.append([StreamWrite(stream, 0, [event(stream, 1, text="a\\u0000b")])])
    assert store.read(stream)[0].data["text"] == "a\\u0000b"
