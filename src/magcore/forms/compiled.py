"""Form definitions are checked against their JSON Schemas once per content, not on every run.

Every ``magcore`` command loads the forms of every installed plugin. Checking each against the
form-definition schema and its answers schema against JSON Schema 2020-12 with the pure-Python
``jsonschema`` took half of a command's time. Now:

* a definition whose content (its canonical JSON) passed these checks before is remembered by
  the SHA-256 of that content, together with the schemas and the code that checked
  it: in memory for the process, and on disk in the user's cache folder
  (``$MAGCORE_CACHE_DIR``, else ``$XDG_CACHE_HOME/magcore``, else ``~/.cache/magcore``), so
  the next command skips them;
* a definition not seen before is checked by ``jsonschema-rs`` (``magcore[fast]``) where it is
  installed; only one it rejects, or every one without the extra, goes through ``jsonschema``,
  whose message names the field.

Only verdicts of *valid* are kept, so a broken definition is always explained in full. The
scoring guard and the building of the form are never skipped: they run on every load.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

__all__ = ["cache_dir", "content_key", "schema_checked"]

_DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"

#: Content keys checked in this process.
_CHECKED: set[str] = set()


def cache_dir() -> Path:
    """Where checked-form markers are kept (created on first write)."""
    explicit = os.environ.get("MAGCORE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "magcore"


@functools.cache
def _fingerprint() -> str:
    """What the verdict depends on besides the content: the schemas and the checking code
    (this module and the form definition's), so a changed check never trusts an old verdict."""
    from ..schemas import SCHEMA_NAMES, load

    digest = hashlib.sha256()
    here = Path(__file__)
    for module in (here.with_name("definition.py"), here):
        digest.update(module.read_bytes())
    for name in SCHEMA_NAMES:
        digest.update(json.dumps(load(name), sort_keys=True).encode())
    return digest.hexdigest()


def content_key(data: Mapping[str, Any]) -> str:
    """The SHA-256 of *data*'s canonical JSON and the :func:`_fingerprint` of the checks."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{_fingerprint()}\n{text}".encode()).hexdigest()


def _marker(key: str) -> Path:
    return cache_dir() / "forms" / key[:2] / key


def _remembered(key: str) -> bool:
    if key in _CHECKED:
        return True
    try:
        found = _marker(key).is_file()
    except OSError:
        return False
    if found:
        _CHECKED.add(key)
    return found


def _remember(key: str) -> None:
    _CHECKED.add(key)
    marker = _marker(key)
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    except OSError:  # a read-only home: the check runs again next time, nothing worse
        pass


@functools.cache
def _fast_validators() -> tuple[Any, Any] | None:
    """jsonschema-rs's form-definition validator and meta-schema check, if installed."""
    try:
        import jsonschema_rs
    except ImportError:
        return None
    from ..schemas import SCHEMA_NAMES, load, schema_id

    registry = jsonschema_rs.Registry([(schema_id(name), load(name)) for name in SCHEMA_NAMES])
    document = jsonschema_rs.validator_for(
        load("form-definition"), registry=registry, validate_formats=True
    )
    return document, jsonschema_rs.meta.is_valid


def _fast_valid(data: Mapping[str, Any]) -> bool:
    """Whether jsonschema-rs finds *data* valid (``False`` when unsure or not installed)."""
    fast = _fast_validators()
    schema = data.get("schema")
    if fast is None or not isinstance(schema, Mapping):
        return False
    document, meta_is_valid = fast
    try:
        return bool(document.is_valid(data)) and bool(
            meta_is_valid({**schema, "$schema": _DRAFT_2020_12})
        )
    except Exception:  # jsonschema-rs could not decide: let jsonschema explain
        return False


def schema_checked(data: Mapping[str, Any], explain: Callable[[], None]) -> None:
    """Run the JSON Schema checks of a form definition *data*, unless they passed before.

    *explain* runs the ``jsonschema`` checks, which raise a
    :class:`~magcore.errors.DefinitionError` naming the field; it is called for content not seen
    before that jsonschema-rs does not accept (or when jsonschema-rs is not installed).
    """
    key = content_key(data)
    if _remembered(key):
        return
    if not _fast_valid(data):
        explain()
    _remember(key)
