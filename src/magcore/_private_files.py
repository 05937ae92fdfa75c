"""Writing a file that holds personal data in the clear: only its owner may read it.

Used by the command line's exports and by the demo for what a person may read of their own
record (a subject-access export, a filled record form). Not part of the public API.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

__all__ = ["write_private"]


def write_private(path: Path, data: str | bytes) -> None:
    """Write *data* (text as UTF-8) to *path* as a file only its owner may read or change
    (``0600``).

    The data goes to a new ``0600`` file beside *path*, which then replaces *path* (a file
    there, or a link: the link itself is replaced, never written through), so the umask, an
    earlier file's mode or a link someone left in a shared folder decide nothing.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    temporary = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(raw)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
