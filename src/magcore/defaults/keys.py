"""Built-in plugin: the file key provider (and an in-memory one for ``memory://`` stores).

Where the key file is:

* in the folder named by ``StoreSettings.extra["key_folder"]`` or the ``MAGCORE_KEY_FOLDER``
  environment variable, as ``magcore-keys.json``, for any store (SQLite, PostgreSQL);
* otherwise next to an SQLite store: ``sqlite:///data/magcore.db`` keeps its keys in
  ``data/magcore.db.keys``;
* a ``memory://`` store gets fresh keys in memory, forgotten with the store.

Other stores (``postgresql://``) need a key folder or a key-provider plugin (HSM, cloud KMS).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..hookspecs import hookimpl
from ..storage.base import StoreSettings

__all__ = ["key_file_path", "magcore_key_provider"]


def key_file_path(url: str, settings: StoreSettings | None = None) -> Path | None:
    """Where the file key provider keeps *url*'s keys (``None``: no file place is known)."""
    from ..crypto.files import KEY_FILE_NAME

    extra = settings.extra if settings is not None else {}
    folder = extra.get("key_folder") or os.environ.get("MAGCORE_KEY_FOLDER")
    if folder:
        return Path(folder) / KEY_FILE_NAME
    if url.startswith("sqlite:"):
        from ..storage.sqlite import path_from_url

        database = path_from_url(url)
        return database.with_name(database.name + ".keys")
    return None


@hookimpl(trylast=True)
def magcore_key_provider(url: str, settings: StoreSettings) -> Any:
    """The file provider for *url*'s keys, or ``None`` where no key file place is known."""
    from ..crypto.files import FileKeyProvider
    from ..crypto.provider import LocalKeyProvider

    path = key_file_path(url, settings)
    if path is not None:
        return FileKeyProvider.open(path, create=settings.create)
    if url.startswith("memory:"):
        return LocalKeyProvider.generate()
    return None
