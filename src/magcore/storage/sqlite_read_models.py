"""How the SQLite store keeps the read-model rows: ISO dates and JSON lists, ``?`` placeholders.

The rows themselves, and how they are written, are shared with PostgreSQL in
:mod:`magcore.storage.read_model_rows`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from .common import json_list
from .read_model_rows import CONVERSATION_READ_COLUMNS, Dialect

__all__ = ["CONVERSATION_SELECT", "SQLITE"]


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
)

#: The conversation columns a query reads (table alias ``c``).
CONVERSATION_SELECT = ", ".join(f"c.{column}" for column in CONVERSATION_READ_COLUMNS)
