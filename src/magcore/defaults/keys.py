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

__all__ = ["magcore_key_provider"]


@hookimpl(trylast=True)
def magcore_key_provider(url: str, settings: StoreSettings) -> Any:
    """The file provider for *url*'s keys, or ``None`` where no key file place is known."""
    from ..crypto.files import KEY_FILE_NAME, FileKeyProvider
    from ..crypto.provider import LocalKeyProvider

    folder = settings.extra.get("key_folder") or os.environ.get("MAGCORE_KEY_FOLDER")
    if folder:
        return FileKeyProvider.open(Path(folder) / KEY_FILE_NAME, create=settings.create)
    if url.startswith("sqlite:"):
        from ..storage.sqlite import path_from_url

        database = path_from_url(url)
        return FileKeyProvider.open(
            database.with_name(database.name + ".keys"), create=settings.create
        )
    if url.startswith("memory:"):
        return LocalKeyProvider.generate()
    return None
