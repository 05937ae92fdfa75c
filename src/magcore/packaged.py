"""A plugin made of data files: the cycle, themes, forms, workflows and messages a package ships.

Why: a municipality's choices are data (a works council reviews a JSON file, not Python), so a
municipality plugin should be data plus one line. :class:`PackagedPlugin` is that line: it finds
the files inside the plugin's own Python package with :mod:`importlib.resources` (so it works
from a source tree, an editable install and a wheel alike) and hands them to magcore through the
ordinary hooks::

    # magcore_mytown/plugin.py
    from magcore.packaged import PackagedPlugin

    plugin = PackagedPlugin(__package__)

    # pyproject.toml
    [project.entry-points.magcore]
    magcore-mytown = "magcore_mytown.plugin:plugin"

The files it reads, each optional, paths inside the package:

* ``cycle.json`` and ``cycles/*.json`` — cycle definitions (``CycleDefinition.from_json``);
* the cycles' themes as cards, plus ``themes/*.json`` (one theme per file);
* ``forms/*.json`` — form definitions, registered as plain dicts (fresh copies), with
  ``forms/style.css`` (if present) as the stylesheet of every form that has none of its own;
* ``workflows/*.json`` — workflows, registered as plain dicts (fresh copies);
* ``messages/<tag>.json`` (``nl.json``, ``en.json``, ``fy.json``: any BCP 47 tag) —
  ``{"messages": {...}, "vocabulary": {...}}``, registered as :class:`~magcore.i18n.MessageBundle`;
* ``locale/<tag>/LC_MESSAGES/messages.mo`` (or ``.po``) — gettext catalogues, one per language:
  message translations (``msgctxt`` the message id) and translations of the package's own
  texts (no ``msgctxt``; ``msgid`` the English text of a cycle's or form's text), each
  checked by the scoring guard like any label.

Folders are read in file-name order. Each file is read and checked once (the results are
cached); a bad file raises :class:`~magcore.errors.DefinitionError` naming it
(``magcore-mytown:forms/record.json``), which the plugin host turns into a
:class:`~magcore.errors.PluginError` naming the distribution. A plugin claims only the hooks it
has data for, so ``magcore plugins`` tells the truth. Rules that are code (a record check, a
questionnaire built from the themes) go in a subclass with ``@hookimpl`` methods of its own.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable, Iterable, Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any, TypeVar

from .errors import DefinitionError
from .hookspecs import Register, hookimpl
from .i18n import MessageBundle
from .i18n.files import bundles_from_folder
from .languages import LanguageError, language_tag
from .model.cycle import CycleDefinition, claimed_source
from .model.scoring import check_definition, label_reason
from .model.themes import Theme

__all__ = ["LOCALE_DOMAIN", "PackagedPlugin"]

#: The gettext domain of a plugin's catalogues: ``locale/<tag>/LC_MESSAGES/messages.mo``.
LOCALE_DOMAIN = "messages"

T = TypeVar("T")

# Which files each data hook needs before a plugin claims it.
_CYCLES = "magcore_register_cycles"
_THEMES = "magcore_register_themes"
_FORMS = "magcore_register_forms"
_WORKFLOWS = "magcore_register_workflows"
_MESSAGES = "magcore_register_messages"
_DATA_HOOKS = (_CYCLES, _THEMES, _FORMS, _WORKFLOWS, _MESSAGES)


class PackagedPlugin:
    """A pluggy plugin whose hooks register the data files shipped inside *package*.

    :param package: the plugin's import package (pass ``__package__`` from its ``plugin.py``).
    :param name: the distribution name used in ``source`` texts and error messages; by default
        the package name with ``_`` turned into ``-`` (``magcore_mytown`` → ``magcore-mytown``).
    """

    def __init__(self, package: str | None, *, name: str | None = None) -> None:
        if not package:
            raise ValueError("PackagedPlugin needs the plugin's package name (pass __package__)")
        self.package = package
        self.name = name or package.partition(".")[0].replace("_", "-")
        self._cache: dict[str, Any] = {}
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"PackagedPlugin({self.package!r}, name={self.name!r})"

    def __dir__(self) -> Iterable[str]:
        # pluggy finds hook implementations through dir(): leave out the data hooks this plugin
        # has no files for (unless a subclass implements them itself), so a plugin without
        # workflows does not claim the workflows hook.
        absent = {hook for hook in _DATA_HOOKS if not self._claims(hook)}
        return [name for name in super().__dir__() if name not in absent]

    # -- files -----------------------------------------------------------------------------

    def source(self, path: str) -> str:
        """How errors and loaded definitions name the file *path*: ``<distribution>:<path>``."""
        return f"{self.name}:{path}"

    def _root(self) -> Traversable:
        return resources.files(self.package)

    def _file(self, path: str) -> Traversable:
        entry = self._root()
        for part in path.split("/"):
            entry = entry.joinpath(part)
        return entry

    def has(self, path: str) -> bool:
        """Whether the package ships the file *path*."""
        return self._file(path).is_file()

    def listing(self, folder: str) -> tuple[str, ...]:
        """The paths of the ``*.json`` files in *folder*, in file-name order (none if absent)."""
        entry = self._file(folder)
        if not entry.is_dir():
            return ()
        names = sorted(e.name for e in entry.iterdir() if e.name.endswith(".json") and e.is_file())
        return tuple(f"{folder}/{name}" for name in names)

    def load(self, path: str) -> Any:
        """The JSON file *path* (inside the package) as plain data, a fresh copy each call.

        :raises DefinitionError: naming the file, if it is missing or not valid JSON.
        """
        try:
            text = self._file(path).read_text(encoding="utf-8")
            return json.loads(text)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DefinitionError(
                f"cannot read {path}: {type(exc).__name__}: {exc}", source=self.source(path)
            ) from exc

    def _cached(self, key: str, make: Callable[[], T]) -> T:
        with self._lock:
            if key not in self._cache:
                self._cache[key] = make()  # nothing is cached when make() raises
            result: T = self._cache[key]
            return result

    # -- the data, loaded and checked --------------------------------------------------------

    def cycle_paths(self) -> tuple[str, ...]:
        """``cycle.json`` (if shipped) followed by ``cycles/*.json``."""
        return (("cycle.json",) if self.has("cycle.json") else ()) + self.listing("cycles")

    def cycles(self) -> tuple[CycleDefinition, ...]:
        """Every cycle definition the package ships, checked (scoring-free, consistent)."""

        def make() -> tuple[CycleDefinition, ...]:
            return tuple(
                CycleDefinition.from_json(data, source=claimed_source(self.source(path), data))
                for path in self.cycle_paths()
                for data in (self.load(path),)
            )

        return self._cached("cycles", make)

    def definition(self) -> CycleDefinition:
        """The one cycle definition the package ships (for plugins with exactly one)."""
        found = self.cycles()
        if len(found) != 1:
            raise DefinitionError(
                f"{self.name} ships {len(found)} cycle definitions, not exactly one",
                source=self.name,
            )
        return found[0]

    def themes(self) -> tuple[Theme, ...]:
        """The cycles' themes, then those in ``themes/*.json``; each id once, first one wins."""

        def make() -> tuple[Theme, ...]:
            found: dict[str, Theme] = {}
            for cycle in self.cycles():
                for theme in cycle.themes:
                    found.setdefault(theme.id, theme)
            for path in self.listing("themes"):
                theme = self._theme(path)
                found.setdefault(theme.id, theme)
            return tuple(found.values())

        return self._cached("themes", make)

    def _theme(self, path: str) -> Theme:
        from .model.convert import structure

        data = self.load(path)
        source = self.source(path)
        if not isinstance(data, Mapping):
            raise DefinitionError("a theme must be a JSON object", source=source)
        check_definition(data, source=source)
        try:
            return structure(dict(data), Theme)
        except DefinitionError as exc:
            raise DefinitionError(exc.message, pointer=exc.pointer, source=source) from exc
        except (TypeError, ValueError, KeyError) as exc:
            raise DefinitionError(f"not a valid theme: {exc}", source=source) from exc

    def forms(self) -> tuple[dict[str, Any], ...]:
        """The form definitions in ``forms/*.json`` as plain JSON data (fresh copies).

        Each is checked once with ``FormDefinition.from_json``, so a bad form is named by file.
        """
        from .forms import FormDefinition

        def make() -> tuple[dict[str, Any], ...]:
            style = self.stylesheet()
            documents = self._documents("forms", FormDefinition.from_json)
            if style is None:
                return documents
            return tuple({"stylesheet": style, **document} for document in documents)

        return copy.deepcopy(self._cached("forms", make))

    def stylesheet(self) -> str | None:
        """The CSS in ``forms/style.css``, if the package ships one: it goes with every form
        the package ships that does not carry a stylesheet of its own."""
        if not self.has("forms/style.css"):
            return None
        return self._file("forms/style.css").read_text(encoding="utf-8")

    def workflows(self) -> tuple[dict[str, Any], ...]:
        """The workflows in ``workflows/*.json`` as plain JSON data (fresh copies), checked once."""
        from .app.workflows import load_workflow

        def make() -> tuple[dict[str, Any], ...]:
            return self._documents("workflows", load_workflow)

        return copy.deepcopy(self._cached("workflows", make))

    def _documents(self, folder: str, check: Callable[..., object]) -> tuple[dict[str, Any], ...]:
        documents: list[dict[str, Any]] = []
        for path in self.listing(folder):
            data = self.load(path)
            if not isinstance(data, dict):
                raise DefinitionError("must be a JSON object", source=self.source(path))
            check(copy.deepcopy(data), source=self.source(path))
            documents.append(data)
        return tuple(documents)

    def message_paths(self) -> tuple[str, ...]:
        """``messages/<tag>.json`` for each language the package ships messages in."""
        paths = self.listing("messages")
        first = tuple(p for lang in ("nl", "en") for p in paths if p == f"messages/{lang}.json")
        return first + tuple(path for path in paths if path not in first)

    def locale_folder(self) -> Traversable | None:
        """The package's gettext catalogues folder (``locale/``), if it ships one."""
        folder = self._file("locale")
        return folder if folder.is_dir() else None

    def messages(self) -> tuple[MessageBundle, ...]:
        """The message bundles in ``messages/<tag>.json``, then those of ``locale/``."""

        def make() -> tuple[MessageBundle, ...]:
            bundles = [self._bundle(path) for path in self.message_paths()]
            folder = self.locale_folder()
            if folder is not None:
                for bundle in bundles_from_folder(folder, LOCALE_DOMAIN, source=self.name):
                    self._check_texts(bundle)
                    bundles.append(bundle)
            return tuple(bundles)

        return self._cached("messages", make)

    def _check_texts(self, bundle: MessageBundle) -> None:
        """The scoring guard reads translations too: a label people read in Frisian may not
        name a grade any more than its original. (A text whose English original already says
        "score", such as "a score does not belong here", may say so in translation too.)"""
        where = self.source(f"locale/{bundle.language}/LC_MESSAGES/{LOCALE_DOMAIN}")
        for original, text in (*bundle.texts.items(), *bundle.messages.items()):
            source = original if original in bundle.texts else ""
            reason = label_reason(text, what="text")
            if reason and not (source and label_reason(source, what="text")):
                raise DefinitionError(
                    f"the translation of {original!r} {reason}", pointer="/texts", source=where
                )

    def _bundle(self, path: str) -> MessageBundle:
        data = self.load(path)
        source = self.source(path)
        if not isinstance(data, Mapping):
            raise DefinitionError("a message file must be a JSON object", source=source)
        unknown = sorted(set(data) - {"messages", "vocabulary"})
        if unknown:
            raise DefinitionError(
                f"unknown key {unknown[0]!r} (use 'messages' and 'vocabulary')",
                pointer=f"/{unknown[0]}",
                source=source,
            )
        parts: dict[str, dict[str, str]] = {}
        for part in ("messages", "vocabulary"):
            value = data.get(part, {})
            if not isinstance(value, Mapping) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in value.items()
            ):
                raise DefinitionError(
                    f"{part} must map text keys to texts", pointer=f"/{part}", source=source
                )
            parts[part] = dict(value)
        check_definition(data, source=source)
        name = path.rpartition("/")[2].removesuffix(".json")
        try:
            language = language_tag(name)
        except LanguageError:
            raise DefinitionError(
                f"{name!r} is not a language tag (name the file after one: nl.json, fy.json)",
                source=source,
            ) from None
        return MessageBundle(language=language, **parts)

    # -- which hooks this plugin claims ------------------------------------------------------

    def _claims(self, hook: str) -> bool:
        if getattr(type(self), hook, None) is not getattr(PackagedPlugin, hook, None):
            return True  # a subclass implements it itself
        if hook == _CYCLES:
            return bool(self.cycle_paths())
        if hook == _THEMES:
            return bool(self.cycle_paths() or self.listing("themes"))
        if hook == _FORMS:
            return bool(self.listing("forms"))
        if hook == _WORKFLOWS:
            return bool(self.listing("workflows"))
        return bool(self.message_paths() or self.locale_folder())

    # -- hooks -------------------------------------------------------------------------------

    @hookimpl
    def magcore_register_cycles(self, register: Register[CycleDefinition]) -> None:
        """The package's cycle definitions."""
        for cycle in self.cycles():
            register(cycle)

    @hookimpl
    def magcore_register_themes(self, register: Register[Theme]) -> None:
        """The cycles' themes and the package's own themes, as cards."""
        for theme in self.themes():
            register(theme)

    @hookimpl
    def magcore_register_forms(self, register: Register[Any]) -> None:
        """The package's form definitions (the plugin host loads each dict)."""
        for form in self.forms():
            register(form)

    @hookimpl
    def magcore_register_workflows(self, register: Register[Any]) -> None:
        """The package's workflows (the plugin host loads each dict)."""
        for workflow in self.workflows():
            register(workflow)

    @hookimpl
    def magcore_register_messages(self, register: Register[Any]) -> None:
        """The package's message translations and vocabulary, per language."""
        for bundle in self.messages():
            register(bundle)

    def check(self) -> None:
        """Load and check every file now (for a plugin's own test); raise the first problem."""
        self.cycles()
        self.themes()
        self.forms()
        self.workflows()
        self.messages()
