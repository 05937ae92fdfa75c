"""The one message catalogue: every text magcore shows to people, in any language it has.

Why one catalogue: people read these texts in forms, error messages and letters; keeping them in
one place keeps the language plain and consistent, and lets a municipality change words without
touching code. The texts are gettext catalogues (Babel): the English source is
:mod:`magcore.i18n.source`, each language is ``locale/<tag>/LC_MESSAGES/magcore.po`` (Dutch B1,
Frisian; translators work in Weblate or Poedit), compiled to ``.mo``. Plural forms follow each
language's plural rule and dates its formats, both from Babel's CLDR data.

A plugin layers its own texts over the defaults (through the ``magcore_register_messages`` hook)
with :meth:`Catalogue.with_bundle`; the result is a new catalogue, the defaults never change.

Three kinds of entries:

* **messages**, keyed by an id such as ``validation.required``, formatted with
  :meth:`str.format` parameters (``{label}``);
* **terms** (vocabulary), referred to inside messages as ``{term:customer}``. Replacing the term
  ``customer`` (``klant``) by ``inwoner`` / ``resident`` changes every message that uses it, which
  is how Midden-Groningen's "drop the word *klant*" becomes one line of plugin data;
* **data texts**: translations of a definition's texts (a form label) into a language the
  definition itself does not carry, keyed by the English text.

Every lookup can say which language it really found (:meth:`Catalogue.resolve`), following the
installation's fallback chain (:class:`~magcore.languages.LanguageSettings`): a page labels a
part that fell back with its own ``lang``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from importlib import resources
from types import MappingProxyType
from typing import Any

import attrs

from ..errors import DefinitionError
from ..languages import DEFAULT_SETTINGS, LanguageSettings, Resolved
from ..model.text import LANGUAGES, Text
from .bundle import MessageBundle
from .documents import DOCUMENTS
from .source import MESSAGES, TERMS

__all__ = [
    "DEFAULT_CATALOGUE",
    "DOMAIN",
    "LANGUAGES",
    "Catalogue",
    "MessageBundle",
    "MessageCatalogue",
    "Resolved",
    "format_date",
    "format_list",
    "message",
    "plural_index",
    "table",
]

#: The gettext domain of magcore's own catalogues (``locale/<tag>/LC_MESSAGES/magcore.mo``).
DOMAIN = "magcore"

_TERM = re.compile(r"\{term:([a-z][a-z0-9_]*)\}")


def _texts(value: Mapping[str, Any]) -> Mapping[str, Text]:
    result: dict[str, Text] = {}
    for key, text in value.items():
        if not isinstance(key, str) or not key:
            raise DefinitionError("a message id must be a non-empty text", pointer=f"/{key}")
        try:
            result[key] = Text.coerce(text)
        except (KeyError, TypeError, ValueError) as exc:
            raise DefinitionError(
                f"message {key!r} needs a Dutch and an English text ({exc})", pointer=f"/{key}"
            ) from exc
    return MappingProxyType(result)


def _frozen(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(value))


def _nested(value: Mapping[str, Mapping[str, Any]]) -> Mapping[str, Mapping[str, Any]]:
    return MappingProxyType({key: MappingProxyType(dict(inner)) for key, inner in value.items()})


def _replacements(value: Mapping[str, Any]) -> Mapping[str, tuple[tuple[str, str], ...]]:
    return MappingProxyType({lang: tuple(tuple(p) for p in pairs) for lang, pairs in value.items()})


def _replace_words(text: str, pairs: tuple[tuple[str, str], ...]) -> str:
    for word, replacement in pairs:

        def keep_case(match: re.Match[str], replacement: str = replacement) -> str:
            found = match.group(0)
            return replacement[:1].upper() + replacement[1:] if found[:1].isupper() else replacement

        text = re.sub(rf"\b{re.escape(word)}\b", keep_case, text, flags=re.IGNORECASE)
    return text


@functools.lru_cache(maxsize=64)
def plural_index(language: str, count: int) -> int:
    """Which plural form (gettext index) *count* takes in *language*, by Babel's CLDR rule."""
    import gettext

    from babel.messages.plurals import get_plural

    try:
        rule = get_plural(language.replace("-", "_"))
    except (ValueError, LookupError):
        rule = get_plural("en")
    chooser: Callable[[int], int] = gettext.c2py(rule.plural_expr)
    return chooser(abs(count))


def _babel_locale(language: str, settings: LanguageSettings) -> Any:
    from babel import Locale, UnknownLocaleError

    for tag in settings.chain(language):
        try:
            return Locale.parse(tag, sep="-")
        except (UnknownLocaleError, ValueError):
            continue
    return Locale.parse("nl")


def format_date(
    value: date,
    language: str,
    *,
    style: str = "long",
    settings: LanguageSettings = DEFAULT_SETTINGS,
) -> Resolved:
    """*value* written out for readers of *language* (``3 december 2026``, ``3 desimber 2026``),
    with Babel's CLDR formats; the result names the locale whose format was used."""
    from babel.dates import format_date as babel_format

    locale = _babel_locale(language, settings)
    tag = str(locale).replace("_", "-")
    return Resolved(
        babel_format(value, format=style, locale=locale), tag, settings.chain(language)[0]
    )


def format_list(
    items: Sequence[str],
    language: str,
    *,
    style: str = "standard",
    settings: LanguageSettings = DEFAULT_SETTINGS,
) -> str:
    """*items* joined for readers of *language* (``a, b en c``; ``style="or"``: ``a, b of c``)."""
    from babel.lists import format_list as babel_list

    kind: Any = style
    return str(babel_list(list(items), style=kind, locale=_babel_locale(language, settings)))


@attrs.frozen
class Catalogue:
    """Messages and vocabulary terms (Dutch and English, and any other language a catalogue
    brings); immutable, layered by bundles and overrides."""

    messages: Mapping[str, Text] = attrs.field(converter=_texts, hash=False)
    terms: Mapping[str, Text] = attrs.field(factory=dict, converter=_texts, hash=False)
    replacements: Mapping[str, tuple[tuple[str, str], ...]] = attrs.field(
        factory=dict, converter=_replacements, hash=False
    )
    partial: Mapping[str, Mapping[str, str]] = attrs.field(
        factory=dict, converter=_nested, hash=False
    )
    """Messages a plugin added in some languages only (shown, labelled, in one it has)."""
    plurals: Mapping[str, Mapping[str, tuple[str, ...]]] = attrs.field(
        factory=dict, converter=_nested, hash=False
    )
    """Plural forms per message id and language (the message itself is the fallback)."""
    texts: Mapping[str, Mapping[str, str]] = attrs.field(
        factory=dict, converter=_nested, hash=False
    )
    """Per language: the English text of a definition's text → its translation."""
    languages: LanguageSettings = attrs.field(default=DEFAULT_SETTINGS, kw_only=True)
    """The installation's fallback chains."""

    # -- layering ---------------------------------------------------------------------------

    def _evolve(self, **changes: Any) -> Catalogue:
        return attrs.evolve(self, **changes)

    def with_languages(self, settings: LanguageSettings) -> Catalogue:
        """The same texts with the installation's fallback chains."""
        return self._evolve(languages=settings)

    def with_bundle(self, bundle: MessageBundle) -> Catalogue:
        """A new catalogue with one language's texts and vocabulary from *bundle* layered on."""
        lang = bundle.language
        messages = dict(self.messages)
        partial = {key: dict(value) for key, value in self.partial.items()}
        for key, text in bundle.messages.items():
            if key in messages:
                messages[key] = messages[key].with_language(lang, text)
            else:
                partial.setdefault(key, {})[lang] = text
        for key, entry in list(partial.items()):
            if "nl" in entry and "en" in entry:
                messages[key] = Text.coerce(entry)
                del partial[key]
        terms = dict(self.terms)
        words = list(self.replacements.get(lang, ()))
        for key, text in bundle.vocabulary.items():
            if key in terms:
                # The term's old word goes too, wherever a text says it ("customer" in an
                # English label, not only {term:customer} in magcore's own messages).
                old = terms[key].texts().get(lang)
                if old and old.lower() != text.lower():
                    words.append((old, text))
                terms[key] = terms[key].with_language(lang, text)
            else:
                words.append((key, text))
        replacements = dict(self.replacements)
        replacements[lang] = tuple(words)
        plurals = {key: dict(value) for key, value in self.plurals.items()}
        for key, forms in bundle.plurals.items():
            plurals.setdefault(key, {})[lang] = tuple(forms)
        texts = {key: dict(value) for key, value in self.texts.items()}
        texts.setdefault(lang, {}).update(bundle.texts)
        return self._evolve(
            messages=messages,
            terms=terms,
            replacements=replacements,
            partial=partial,
            plurals=plurals,
            texts=texts,
        )

    def with_bundles(self, bundles: Sequence[MessageBundle]) -> Catalogue:
        """:meth:`with_bundle` for each of *bundles*, in order."""
        catalogue = self
        for bundle in bundles:
            catalogue = catalogue.with_bundle(bundle)
        return catalogue

    def with_overrides(
        self,
        messages: Catalogue | Mapping[str, Text | Mapping[str, str]] | None = None,
        *,
        terms: Mapping[str, Text | Mapping[str, str]] | None = None,
    ) -> Catalogue:
        """A new catalogue with *messages* (and *terms*) replacing or adding entries.

        *messages* may be another :class:`Catalogue` (its terms are layered too) or a mapping of
        id to :class:`~magcore.model.text.Text` / ``{"nl": ..., "en": ...}``.
        """
        new_terms: dict[str, Any] = dict(self.terms)
        new_messages: dict[str, Any] = dict(self.messages)
        replacements = dict(self.replacements)
        changes: dict[str, Any] = {}
        if isinstance(messages, Catalogue):
            new_messages.update(messages.messages)
            new_terms.update(messages.terms)
            for lang, pairs in messages.replacements.items():
                replacements[lang] = (*replacements.get(lang, ()), *pairs)
            changes = {
                "partial": {**self.partial, **messages.partial},
                "plurals": {**self.plurals, **messages.plurals},
                "texts": {
                    lang: {**self.texts.get(lang, {}), **messages.texts.get(lang, {})}
                    for lang in {*self.texts, *messages.texts}
                },
            }
        elif messages is not None:
            new_messages.update(messages)
        if terms is not None:
            new_terms.update(terms)
        return self._evolve(
            messages=new_messages, terms=new_terms, replacements=replacements, **changes
        )

    def with_vocabulary(self, terms: Mapping[str, Text | Mapping[str, str]]) -> Catalogue:
        """A new catalogue with vocabulary *terms* replaced (e.g. ``customer`` → inwoner)."""
        return self.with_overrides(terms=terms)

    # -- looking up -------------------------------------------------------------------------

    @property
    def available(self) -> tuple[str, ...]:
        """Every language the catalogue's own messages are in (``nl``, ``en``, then by tag)."""
        found = {tag for text in self.messages.values() for tag in text.languages}
        return (*LANGUAGES, *sorted(found - set(LANGUAGES)))

    def page_language(self, language: str | None) -> str:
        """The language a page for *language* is really in: the first one along the chain
        that the catalogue's form texts are written in (``pap`` without a catalogue → ``nl``)."""
        return self.template("form.submit", language).language

    def term(self, name: str, language: str) -> str:
        """The vocabulary term *name* in *language* (along the fallback chain)."""
        try:
            return self.terms[name].get(language, self.languages)
        except KeyError:
            raise KeyError(f"the catalogue has no term {name!r}") from None

    def _finish(self, raw: str, language: str) -> str:
        if "{term:" in raw:
            raw = _TERM.sub(lambda match: self.term(match.group(1), language), raw)
        pairs = self.replacements.get(language)
        return _replace_words(raw, pairs) if pairs else raw

    def vocabulary(self, text: str, language: str) -> str:
        """*text* (already in *language*) with the catalogue's word replacements for that
        language applied outside code spans (`ids` in backticks stay as they are)."""
        pairs = self.replacements.get(language)
        if not pairs:
            return text
        parts = text.split("`")
        return "`".join(
            part if index % 2 else _replace_words(part, pairs) for index, part in enumerate(parts)
        )

    def resolve(self, text: Text | str, language: str | None) -> Resolved:
        """*text* for *language* along the fallback chain, with the vocabulary of the language
        it is really in; the result names that language.

        A :class:`~magcore.model.text.Text` without the language may still be translated by a
        plugin's catalogue (its data texts, keyed by the English text). A plain string is taken
        to be in the language asked for.
        """
        chain = self.languages.chain(language)
        if isinstance(text, str):  # the caller says it is in the language asked for
            return Resolved(self._finish(text, chain[0]), chain[0], chain[0])
        own = text.texts()
        for tag in chain:
            found = own.get(tag) or self.texts.get(tag, {}).get(text.en)
            if found:
                return Resolved(self._finish(found, tag), tag, chain[0])
        raise AssertionError("unreachable: every chain ends in nl and en")  # pragma: no cover

    def localise(self, text: Text | str, language: str) -> str:
        """*text* in *language*, with ``{term:...}`` replaced by the catalogue's vocabulary."""
        return self.resolve(text, language).text

    def template(self, key: str, language: str | None, count: int | None = None) -> Resolved:
        """The unformatted message *key* for *language* (vocabulary applied), naming the
        language it is really in; *count* picks the plural form where the message has one."""
        chain = self.languages.chain(language)
        forms = self.plurals.get(key) if count is not None else None
        texts: Mapping[str, str]
        if key in self.messages:
            texts = self.messages[key].texts()
        elif key in self.partial:
            texts = self.partial[key]
        else:
            raise KeyError(f"the catalogue has no message {key!r}")
        for tag in chain:
            if forms and tag in forms and count is not None:
                options = forms[tag]
                raw = options[min(plural_index(tag, count), len(options) - 1)]
                return Resolved(self._finish(raw, tag), tag, chain[0])
            if texts.get(tag):
                return Resolved(self._finish(texts[tag], tag), tag, chain[0])
        tag = sorted(texts)[0]  # a plugin's message in none of the chain's languages
        return Resolved(self._finish(texts[tag], tag), tag, chain[0])

    def message_resolved(self, key: str, language: str | None, /, **params: Any) -> Resolved:
        """Like :meth:`message`, naming the language the message is really in."""
        count = next(
            (params[name] for name in ("count", "limit") if isinstance(params.get(name), int)),
            None,
        )
        found = self.template(key, language, count)
        try:
            return attrs.evolve(found, text=found.text.format(**params))
        except (KeyError, IndexError) as exc:
            raise KeyError(f"message {key!r} needs the parameter {exc}") from None

    def message(self, key: str, language: str, /, **params: Any) -> str:
        """The message *key* in *language* (along the fallback chain), filled in with *params*."""
        return self.message_resolved(key, language, **params).text

    def __contains__(self, key: object) -> bool:
        return key in self.messages or key in self.partial


#: Name used by the plugin hook specification (``magcore_register_messages``).
MessageCatalogue = Catalogue


def _default() -> Catalogue:
    from .files import bundles_from_folder

    english = {source.key: source.text for source in (*MESSAGES, *DOCUMENTS)}
    bundles = bundles_from_folder(resources.files(__name__) / "locale", DOMAIN, source="magcore")
    dutch = next((b for b in bundles if b.language == "nl"), None)
    if dutch is None:  # pragma: no cover - a broken installation
        raise DefinitionError("magcore's Dutch catalogue (locale/nl) is missing")
    messages = {
        key: Text(nl=dutch.messages.get(key, text), en=text) for key, text in english.items()
    }
    terms = {
        source.key.removeprefix("term:"): Text(
            nl=dutch.vocabulary.get(source.key.removeprefix("term:"), source.text), en=source.text
        )
        for source in TERMS
    }
    plurals = {
        source.key: {"en": (source.text, source.plural)}
        for source in MESSAGES
        if source.plural is not None
    }
    base = Catalogue(messages=messages, terms=terms, plurals=plurals)
    return base.with_bundles([b for b in bundles if b.language != "nl"] + [_plurals_only(dutch)])


def _plurals_only(bundle: MessageBundle) -> MessageBundle:
    return MessageBundle(language=bundle.language, plurals=bundle.plurals)


#: The catalogue magcore ships: plain Dutch (B1), English and Frisian.
DEFAULT_CATALOGUE = _default()


@functools.lru_cache(maxsize=32)
def table(prefix: str) -> Mapping[str, Mapping[str, str]]:
    """magcore's own texts whose id starts with ``prefix.`` (``table("regulation")``), per
    language, unformatted: ``{"nl": {"title": ...}, "en": {...}, "fy": {...}}``.

    A language is in the table only when *every* text of the prefix is written in it, so a page
    built from the table is wholly in one language and its ``lang`` tells the truth; a language
    that lacks one text falls back as a whole (:func:`magcore.languages.pick`).
    """
    start = prefix + "."
    keys = [key for key in DEFAULT_CATALOGUE.messages if key.startswith(start)]
    if not keys:
        raise KeyError(f"magcore has no texts {start}*")
    result: dict[str, Mapping[str, str]] = {}
    for language in DEFAULT_CATALOGUE.available:
        found = {
            key[len(start) :]: DEFAULT_CATALOGUE.messages[key].texts().get(language) for key in keys
        }
        if all(found.values()):
            result[language] = MappingProxyType({k: str(v) for k, v in found.items()})
    return MappingProxyType(result)


def message(
    key: str, language: str, /, *, catalogue: Catalogue | None = None, **params: Any
) -> str:
    """The message *key* in *language* from *catalogue* (the default one if not given)."""
    return (catalogue or DEFAULT_CATALOGUE).message(key, language, **params)
