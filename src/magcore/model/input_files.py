"""Input from files at the boundary: read with a size limit, decoded as UTF-8, CSV errors named.

Part of the input policy (:mod:`magcore.model.input_policy`, which gives these names too): a
file is read at most one byte past its limit, so a huge file, a device or a pipe that never
ends is refused before it fills the memory; bytes that are not UTF-8 and ``csv`` errors are
:class:`~magcore.errors.InputRefused` errors that name the place.
"""

from __future__ import annotations

import os
import stat

from ..errors import InputRefused, Problem

__all__ = ["MAX_CSV_FIELD", "csv_error", "csv_field_limit", "decode_text", "read_limited"]

MAX_CSV_FIELD = 64 * 1024
"""The longest field in an imported CSV file, in characters."""


def read_limited(path: str | os.PathLike[str], limit: int, *, what: str = "file") -> bytes:
    """The bytes of the file at *path*, or :class:`InputRefused` when it holds more than
    *limit* bytes: a larger file is refused by its size, and a device or a pipe is read a chunk
    at a time up to one byte past the limit, so nothing that never ends can fill the memory
    first. A file that cannot be read raises ``OSError``."""
    too_large = InputRefused(
        [Problem("/", f"is larger than {_size(limit)}", "maxBytes")], what=what
    )
    with open(path, "rb") as handle:
        status = os.fstat(handle.fileno())
        if stat.S_ISREG(status.st_mode):
            # Read whole, the buffer is sized by the file (asking for limit + 1 bytes would set
            # aside that much memory first, whatever the file's size).
            if status.st_size > limit:
                raise too_large
            data = handle.read()
            if len(data) > limit:  # it grew while it was read
                raise too_large
            return data
        parts: list[bytes] = []
        total = 0
        while chunk := handle.read(min(_CHUNK, limit + 1 - total)):
            parts.append(chunk)
            total += len(chunk)
            if total > limit:
                raise too_large
        return b"".join(parts)


#: How much of a device or a pipe :func:`read_limited` reads at a time.
_CHUNK = 1 << 20


def _size(count: int) -> str:
    """*count* bytes in words: ``1 MiB``, ``512 KiB``, ``100 bytes``."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= size and count % size == 0:
            return f"{count // size} {unit}"
    return f"{count:,} bytes"


def decode_text(data: bytes, *, pointer: str = "", what: str = "file") -> str:
    """*data* decoded as UTF-8 (a byte-order mark is dropped), or :class:`InputRefused`."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputRefused(
            [
                Problem(
                    pointer or "/",
                    f"is not UTF-8 text (byte {exc.start}: {exc.reason}); save it as UTF-8",
                    "encoding",
                )
            ],
            what=what,
        ) from None


def csv_field_limit() -> int:
    """The field size limit for ``csv`` readers: ``csv.field_size_limit(csv_field_limit())``."""
    return MAX_CSV_FIELD


def csv_error(exc: Exception, *, line: int, what: str = "CSV file") -> InputRefused:
    """A named error for a ``csv.Error`` (e.g. a field over :data:`MAX_CSV_FIELD`) at *line*."""
    message = str(exc)
    if "field larger than field limit" in message:
        message = f"a field is longer than {MAX_CSV_FIELD:,} characters"
    return InputRefused([Problem(f"/line/{line}", message, "csv")], what=what)
