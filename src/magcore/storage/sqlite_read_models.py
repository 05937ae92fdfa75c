"""How the SQLite store keeps the read-model rows: ISO dates and JSON lists, ``?`` placeholders.

The rows themselves, how they are written, the tables and the queries are shared with
PostgreSQL in :mod:`magcore.storage.read_model_rows` and :mod:`magcore.storage.read_model_sql`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from .common import json_list
from .read_model_rows import Dialect

__all__ = ["SQLITE"]


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def _list(value: Any) -> tuple[str, ...]:
    return tuple(json.loads(value))


def _json_list(values: Sequence[str]) -> str:
    return json_list(values)


SQLITE = Dialect(
    prefix="",
    placeholder="?",
    encode_list=_json_list,
    decode_list=_list,
    encode_date=_iso,
    decode_date=_date,
    types=(
        ("text", "TEXT"),
        ("integer", "INTEGER"),
        ("bigint", "INTEGER"),
        ("date", "TEXT"),
        ("list", "TEXT"),
    ),
    one_of="IN (SELECT value FROM json_each(?))",
    keyed_suffix=" WITHOUT ROWID",
)
