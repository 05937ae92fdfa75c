"""Seals on the guarded listing's index, so that a row the events did not make is not believed.

The index tables (``sharing_choice``, ``restriction``: :mod:`.listing_sql`) are rows a database
administrator can insert, edit and delete without any key. A listing that believed them would
list a conversation on a sharing choice nobody made, a revoked choice made alive again, or a
restricted record whose ``restriction`` row was deleted. Since schema version 7:

* every ``sharing_choice`` row carries the version of its person's stream it was folded from
  (``version``), the person's restrictions then (``restricted``: :func:`restricted_text`) and a
  ``seal``: a MAC under the audit chain's key over the row (:func:`choice_seal`), so an
  inserted or edited row does not verify, and a row kept from before a revocation or a
  restriction does not match the person's version in the event log any more;
* ``listing_person`` holds one row per person (their stream's ``version``, the AVG art. 18
  restrictions that hold, as text: :func:`restricted_text`, and a ``seal`` over them:
  :func:`person_seal`). A deleted ``restriction`` row changes nothing that a listing believes:
  the restrictions a listing relies on are the sealed ones, checked against the version of the
  person's stream in the event log (the events are the record; the ``restriction`` table is a
  filter of the index query only, and a row missing there is found and reported).

A store without an audit key seals with plain SHA-256, which, like an unkeyed audit chain, finds
accidents but not a forger. The seals are verified by :mod:`magcore.access.listing_trust`.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from .chain import ChainKey
from .read_model_rows import Dialect
from .sql_tables import Column, Table, create_statements

__all__ = [
    "LISTING_PERSON_TABLES",
    "choice_seal",
    "choice_sealer",
    "listing_seal_schema",
    "person_seal",
    "restricted_of",
    "restricted_text",
]

#: One row per person with a stream: the version it was folded at and their restrictions.
LISTING_PERSON_TABLES: tuple[Table, ...] = (
    Table(
        "listing_person",
        (
            Column("subject", "text", rule="PRIMARY KEY"),
            Column("version", "integer", True),
            Column("restricted", "text", True),
            Column("seal", "text", True),
        ),
    ),
)

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _line(values: tuple[str | int | None, ...]) -> str:
    """*values* (text, whole numbers, ``None``) as one unambiguous line: Python's ``repr`` of
    the tuple (quotes and escapes every text; the same in every Python 3), one call in C."""
    return repr(values)


def listing_seal_schema(dialect: Dialect) -> tuple[str, ...]:
    """Schema version 7 in *dialect*: the seal columns, ``listing_person``, and the index marked
    to be filled again (by the first listing, as version 6 did), so every row gets its seal."""
    choices = dialect.table("sharing_choice")
    pending = dialect.table("listing_index_pending")
    return (
        f"ALTER TABLE {choices} ADD COLUMN version integer NOT NULL DEFAULT 0",
        f"ALTER TABLE {choices} ADD COLUMN restricted text NOT NULL DEFAULT '[]'",
        f"ALTER TABLE {choices} ADD COLUMN seal text NOT NULL DEFAULT ''",
        *create_statements(LISTING_PERSON_TABLES, dialect),
        f"DELETE FROM {pending}",
        f"INSERT INTO {pending} (pending) VALUES (1)",
    )


def _mac(key: ChainKey | None, line: str) -> str:
    """``<key id>:<keyed BLAKE2b>`` of *line* under the audit chain's *key* (a MAC as strong as
    HMAC-SHA-256 and a third of its cost, which counts at one per listed row); ``:<SHA-256>``
    without a key."""
    data = line.encode("utf-8", "surrogatepass")
    if key is None:
        return ":" + hashlib.sha256(data).hexdigest()
    return f"{key.id}:{hashlib.blake2b(data, key=_secret(key.secret)).hexdigest()}"


@functools.lru_cache(maxsize=8)
def _secret(secret: bytes) -> bytes:
    """*secret* as BLAKE2b takes a key (at most 64 bytes; a longer one is hashed first),
    domain-separated from the audit chain's own HMACs under the same key."""
    return hashlib.sha256(b"magcore listing index seal\x00" + secret).digest()


def choice_sealer(key: ChainKey | None) -> Callable[[Sequence[Any]], str]:
    """The seal of a ``sharing_choice`` row under *key*, given its values (subject, choice,
    grantee, what, purpose, until as an ISO 8601 day, conversation, granted_at, revoked_at,
    version, restricted) as the row holds them: ``<key id>:<keyed BLAKE2b>`` (a MAC as strong
    as HMAC-SHA-256 and a third of its cost, which counts at one per listed row), ``:<SHA-256>``
    without a key. Made once per listing."""
    if key is None:

        def plain(values: Sequence[Any]) -> str:
            line = repr(("choice1", *values)).encode("utf-8", "surrogatepass")
            return ":" + hashlib.sha256(line).hexdigest()

        return plain
    secret = _secret(key.secret)
    prefix = f"{key.id}:"
    blake2b = hashlib.blake2b

    def keyed(values: Sequence[Any]) -> str:
        line = repr(("choice1", *values)).encode("utf-8", "surrogatepass")
        return prefix + blake2b(line, key=secret).hexdigest()

    return keyed


def choice_seal(
    key: ChainKey | None,
    version: int,
    choice: int,
    subject: str,
    grantee: str,
    what: str,
    purpose: str,
    until: str | None,
    conversation: str | None,
    granted_at: str,
    revoked_at: str | None,
    restricted: str,
) -> str:
    """The seal of one ``sharing_choice`` row folded from version *version* of its person's
    stream, whose restrictions were then *restricted* (:func:`restricted_text`): see
    :func:`choice_sealer`. *until* as an ISO 8601 day; instants as the index keeps them
    (:func:`~.listing_sql.instant_text`)."""
    values = (
        subject,
        int(choice),
        grantee,
        what,
        purpose,
        until,
        conversation,
        granted_at,
        revoked_at,
        int(version),
        restricted,
    )
    return choice_sealer(key)(values)


def person_seal(key: ChainKey | None, subject: str, version: int, restricted: str) -> str:
    """The seal of *subject*'s ``listing_person`` row (see :func:`choice_seal`)."""
    return _mac(key, _line(("person1", subject, int(version), restricted)))


def restricted_text(restricted: Iterable[str | None]) -> str:
    """The restrictions that hold as ``listing_person`` keeps them: a JSON list, ``null`` for
    the whole record, then the conversations in order."""
    held = set(restricted)
    return _encode([*([None] if None in held else []), *sorted(c for c in held if c is not None)])


@functools.lru_cache(maxsize=4096)
def restricted_of(text: str) -> tuple[bool, frozenset[str]]:
    """``(whole record, conversations)`` of :func:`restricted_text`'s *text*."""
    found = json.loads(text)
    if not isinstance(found, list):
        raise ValueError("not a list of restrictions")
    return None in found, frozenset(str(c) for c in found if c is not None)
