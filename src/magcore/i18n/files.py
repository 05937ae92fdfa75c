"""gettext catalogues on disk: ``<folder>/<tag>/LC_MESSAGES/<domain>.mo`` (or ``.po``).

What an entry means, by its gettext context (``msgctxt``):

* a message id (``validation.required``): the message in that language (``msgid`` is the English
  source; a plural entry has ``msgid_plural`` and one ``msgstr`` per plural form);
* ``term:<name>`` (``term:customer``): a vocabulary term;
* no context: a *data text* translation. ``msgid`` is the English text of a definition's text
  (a cycle's name, a form's label or option), ``msgstr`` its translation. This is how a plugin
  translates its cycle and forms without touching their JSON.

magcore reads the compiled ``.mo`` files (the standard library's :mod:`gettext`, fast at import);
a folder with only a ``.po`` is read with Babel (slower: for development). Compiling and the
check that the committed ``.mo`` files match their ``.po`` are :func:`compile_folder` and
:func:`stale_catalogues` (``make messages`` runs pybabel extract, update and compile).
"""

from __future__ import annotations

import gettext
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from ..errors import DefinitionError
from ..languages import LanguageError, language_tag
from .bundle import MessageBundle

__all__ = [
    "bundles_from_folder",
    "compile_folder",
    "compile_po",
    "data_texts",
    "read_catalogue",
    "stale_catalogues",
    "texts_template",
]

_CONTEXT = "\x04"


def _entries_mo(data: bytes) -> Iterator[tuple[str | None, str, str | tuple[str, ...]]]:
    translations = gettext.GNUTranslations(io.BytesIO(data))
    catalog: dict[Any, str] = vars(translations)["_catalog"]
    plurals: dict[str, dict[int, str]] = {}
    for key, text in catalog.items():
        if isinstance(key, tuple):
            plurals.setdefault(key[0], {})[key[1]] = text
            continue
        if key == "":
            continue  # the header
        context, _, msgid = key.rpartition(_CONTEXT) if _CONTEXT in key else (None, "", key)
        yield context, msgid, text
    for key, forms in plurals.items():
        context, _, msgid = key.rpartition(_CONTEXT) if _CONTEXT in key else (None, "", key)
        yield context, msgid, tuple(forms[index] for index in sorted(forms))


def _entries_po(data: bytes) -> Iterator[tuple[str | None, str, str | tuple[str, ...]]]:
    from babel.messages.pofile import read_po

    catalog = read_po(io.BytesIO(data))
    for entry in catalog:
        if not entry.id or entry.fuzzy:
            continue
        msgid = entry.id[0] if isinstance(entry.id, tuple | list) else entry.id
        if isinstance(entry.string, tuple | list):
            if all(entry.string):
                yield entry.context, str(msgid), tuple(str(s) for s in entry.string)
        elif entry.string:
            yield entry.context, str(msgid), str(entry.string)


def read_catalogue(
    data: bytes, language: str, *, po: bool = False, source: str = ""
) -> MessageBundle:
    """One language's compiled (``.mo``) or source (``.po``) catalogue as a message bundle."""
    messages: dict[str, str] = {}
    plurals: dict[str, tuple[str, ...]] = {}
    vocabulary: dict[str, str] = {}
    texts: dict[str, str] = {}
    try:
        entries = list(_entries_po(data) if po else _entries_mo(data))
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise DefinitionError(f"cannot read the catalogue: {exc}", source=source) from exc
    for context, msgid, text in entries:
        if isinstance(text, tuple):
            if context:
                plurals[context] = text
                messages[context] = text[-1]  # the message without a count: the "many" form
            continue
        if context is None:
            texts[msgid] = text
        elif context.startswith("term:"):
            vocabulary[context.removeprefix("term:")] = text
        else:
            messages[context] = text
    return MessageBundle(
        language=language, messages=messages, vocabulary=vocabulary, texts=texts, plurals=plurals
    )


def bundles_from_folder(
    folder: Traversable | Path, domain: str, *, source: str = ""
) -> tuple[MessageBundle, ...]:
    """A bundle per language folder under *folder* (``<tag>/LC_MESSAGES/<domain>.mo``, or the
    ``.po`` where no ``.mo`` is), in tag order. A folder name that is not a language tag raises
    :class:`~magcore.languages.LanguageError` naming it."""
    if not folder.is_dir():
        return ()
    bundles: list[MessageBundle] = []
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if not entry.is_dir():
            continue
        where = f"{source}:locale/{entry.name}" if source else entry.name
        messages = entry / "LC_MESSAGES"
        mo, po = messages / f"{domain}.mo", messages / f"{domain}.po"
        if not (mo.is_file() or po.is_file()):
            continue
        try:
            tag = language_tag(entry.name.replace("_", "-"))
        except LanguageError as exc:
            raise LanguageError(exc.message, source=where) from None
        if mo.is_file():
            bundles.append(read_catalogue(mo.read_bytes(), tag, source=f"{where}/{domain}.mo"))
        else:
            bundles.append(
                read_catalogue(po.read_bytes(), tag, po=True, source=f"{where}/{domain}.po")
            )
    return tuple(bundles)


def data_texts(documents: Iterable[tuple[str, Any]]) -> dict[str, tuple[str, list[str]]]:
    """Every text of plain JSON *documents* (``(name, data)``): English text → (its Dutch, the
    places it is used), in the order found. What a plugin's catalogue translates."""
    found: dict[str, tuple[str, list[str]]] = {}

    def walk(value: Any, where: str) -> None:
        if isinstance(value, Mapping):
            if {"nl", "en"} <= set(value) and all(isinstance(v, str) for v in value.values()):
                found.setdefault(value["en"], (value["nl"], []))[1].append(where)
                return
            for key, item in value.items():
                walk(item, f"{where}/{key}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{where}/{index}")

    for name, document in documents:
        walk(document, name)
    return found


def texts_template(folder: Path, *, project: str = "") -> bytes:
    """A gettext template (``.pot``) of every text in the ``*.json`` files under *folder* (a
    plugin's package): ``msgid`` the English text, the Dutch and where it is used as comments.
    Translators start a language from it (``pybabel init -D messages``)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    documents = [
        (str(path.relative_to(folder)), json.loads(path.read_text(encoding="utf-8")))
        for path in sorted(folder.rglob("*.json"))
    ]
    catalog = Catalog(project=project or folder.name, fuzzy=False)
    for english, (dutch, places) in data_texts(documents).items():
        catalog.add(english, auto_comments=[f"nl: {dutch}", *places[:3]])
    out = io.BytesIO()
    write_po(out, catalog, width=100, omit_header=False)
    return out.getvalue()


def compile_po(data: bytes) -> bytes:
    """The ``.mo`` bytes for a ``.po`` file's bytes (Babel; fuzzy entries left out)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    catalog = read_po(io.BytesIO(data))
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def _pairs(folder: Path, domain: str) -> Iterator[tuple[Path, Path]]:
    for po in sorted(folder.glob(f"*/LC_MESSAGES/{domain}.po")):
        yield po, po.with_suffix(".mo")


def compile_folder(folder: Path, domain: str) -> list[Path]:
    """Compile every ``.po`` under *folder* to its ``.mo``; the ``.mo`` files written."""
    written = []
    for po, mo in _pairs(folder, domain):
        compiled = compile_po(po.read_bytes())
        if not mo.is_file() or mo.read_bytes() != compiled:
            mo.write_bytes(compiled)
            written.append(mo)
    return written


def stale_catalogues(folder: Path, domain: str) -> list[Path]:
    """The ``.mo`` files under *folder* that are missing or differ from their compiled ``.po``."""
    return [
        mo
        for po, mo in _pairs(folder, domain)
        if not mo.is_file() or mo.read_bytes() != compile_po(po.read_bytes())
    ]
