"""The file an SQLite store URL names (``sqlite:///relative.db``, ``sqlite:////absolute.db``)
and whether it asks to be opened read-only."""

from __future__ import annotations

from pathlib import Path

from ..errors import StorageError
from .common import require_scheme

__all__ = ["parse_url", "path_from_url"]


def path_from_url(url: str) -> Path:
    """The file of ``sqlite:///relative.db`` or ``sqlite:////absolute.db`` (``?mode=`` aside)."""
    return parse_url(url)[0]


def parse_url(url: str) -> tuple[Path, bool]:
    """The file of *url* and whether it asks to be opened read-only (``?mode=ro``)."""
    rest = require_scheme(url, "sqlite")
    if not rest.startswith("/") or rest == "/":
        raise StorageError(
            f"store URL {url!r} names no file; use sqlite:///relative.db or "
            "sqlite:////absolute/path.db"
        )
    path, _, query = rest[1:].partition("?")
    if query not in ("", "mode=ro", "mode=rw") or "#" in path or not path:
        raise StorageError(
            f"store URL {url!r}: the only option is ?mode=ro (read-only) or ?mode=rw"
        )
    return Path(path), query == "mode=ro"
