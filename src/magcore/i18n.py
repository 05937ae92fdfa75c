"""The one message catalogue: every text magcore shows to people, in Dutch (B1) and English.

Why one catalogue: people read these texts in forms, error messages and letters; keeping them in
one place keeps the language plain and consistent, and lets a municipality change words without
touching code. A plugin layers its own texts over the defaults (through the
``magcore_register_messages`` hook) with :meth:`Catalogue.with_overrides`; the result is a new
catalogue, the defaults never change.

Two kinds of entries:

* **messages**, keyed by an id such as ``validation.required``, formatted with
  :meth:`str.format` parameters (``{label}``);
* **terms** (vocabulary), referred to inside messages as ``{term:customer}``. Replacing the term
  ``customer`` (``klant``) by ``inwoner`` / ``resident`` changes every message that uses it, which
  is how Midden-Groningen's "drop the word *klant*" becomes one line of plugin data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import attrs

from .errors import DefinitionError
from .model.text import LANGUAGES, Text

__all__ = [
    "DEFAULT_CATALOGUE",
    "LANGUAGES",
    "Catalogue",
    "MessageBundle",
    "MessageCatalogue",
    "message",
]

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


def _frozen(value: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(value))


@attrs.frozen(kw_only=True)
class MessageBundle:
    """What a plugin registers for one language: messages by id and vocabulary replacements.

    A ``vocabulary`` key that names a catalogue term (``customer``) replaces that term; any
    other key is a whole word replaced in every text the catalogue gives out in *language*
    (``{"klant": "inwoner"}``; a capital first letter is kept).
    """

    language: str = attrs.field(validator=attrs.validators.in_(LANGUAGES))
    messages: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen, hash=False)
    vocabulary: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen, hash=False)


def _replacements(value: Mapping[str, Any]) -> Mapping[str, tuple[tuple[str, str], ...]]:
    return MappingProxyType({lang: tuple(tuple(p) for p in pairs) for lang, pairs in value.items()})


def _replace_words(text: str, pairs: tuple[tuple[str, str], ...]) -> str:
    for word, replacement in pairs:

        def keep_case(match: re.Match[str], replacement: str = replacement) -> str:
            found = match.group(0)
            return replacement[:1].upper() + replacement[1:] if found[:1].isupper() else replacement

        text = re.sub(rf"\b{re.escape(word)}\b", keep_case, text, flags=re.IGNORECASE)
    return text


@attrs.frozen
class Catalogue:
    """Messages and vocabulary terms in Dutch and English; immutable, layered by overrides."""

    messages: Mapping[str, Text] = attrs.field(converter=_texts, hash=False)
    terms: Mapping[str, Text] = attrs.field(factory=dict, converter=_texts, hash=False)
    replacements: Mapping[str, tuple[tuple[str, str], ...]] = attrs.field(
        factory=dict, converter=_replacements, hash=False
    )

    def with_bundle(self, bundle: MessageBundle) -> Catalogue:
        """A new catalogue with one language's messages and vocabulary from *bundle* layered on."""
        lang = bundle.language
        messages: dict[str, Any] = dict(self.messages)
        for key, text in bundle.messages.items():
            base = messages.get(key)
            other = "en" if lang == "nl" else "nl"
            pair = {lang: text, other: base.get(other) if isinstance(base, Text) else text}
            messages[key] = Text.coerce(pair)
        terms: dict[str, Any] = dict(self.terms)
        words = list(self.replacements.get(lang, ()))
        for key, text in bundle.vocabulary.items():
            if key in terms:
                pair = terms[key].to_json()
                pair[lang] = text
                terms[key] = Text.coerce(pair)
            else:
                words.append((key, text))
        replacements = dict(self.replacements)
        replacements[lang] = tuple(words)
        return Catalogue(messages=messages, terms=terms, replacements=replacements)

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
        if isinstance(messages, Catalogue):
            new_messages.update(messages.messages)
            new_terms.update(messages.terms)
            for lang, pairs in messages.replacements.items():
                replacements[lang] = (*replacements.get(lang, ()), *pairs)
        elif messages is not None:
            new_messages.update(messages)
        if terms is not None:
            new_terms.update(terms)
        return Catalogue(messages=new_messages, terms=new_terms, replacements=replacements)

    def with_vocabulary(self, terms: Mapping[str, Text | Mapping[str, str]]) -> Catalogue:
        """A new catalogue with vocabulary *terms* replaced (e.g. ``customer`` → inwoner)."""
        return self.with_overrides(terms=terms)

    def term(self, name: str, language: str) -> str:
        """The vocabulary term *name* in *language*."""
        try:
            return self.terms[name].get(language)
        except KeyError:
            raise KeyError(f"the catalogue has no term {name!r}") from None

    def localise(self, text: Text | str, language: str) -> str:
        """*text* in *language*, with ``{term:...}`` replaced by the catalogue's vocabulary."""
        raw = text.get(language) if isinstance(text, Text) else text
        if "{term:" in raw:
            raw = _TERM.sub(lambda match: self.term(match.group(1), language), raw)
        pairs = self.replacements.get(language)
        return _replace_words(raw, pairs) if pairs else raw

    def message(self, key: str, language: str, /, **params: Any) -> str:
        """The message *key* in *language* (``nl`` or ``en``), filled in with *params*."""
        try:
            text = self.messages[key]
        except KeyError:
            raise KeyError(f"the catalogue has no message {key!r}") from None
        template = self.localise(text, language)
        try:
            return template.format(**params)
        except (KeyError, IndexError) as exc:
            raise KeyError(f"message {key!r} needs the parameter {exc}") from None

    def __contains__(self, key: object) -> bool:
        return key in self.messages


#: Name used by the plugin hook specification (``magcore_register_messages``).
MessageCatalogue = Catalogue


_DEFAULT_TERMS: dict[str, tuple[str, str]] = {
    "customer": ("klant", "customer"),
    "employee": ("medewerker", "employee"),
    "manager": ("leidinggevende", "manager"),
    "conversation": ("gesprek", "conversation"),
    "agreement": ("afspraak", "agreement"),
}

_DEFAULT_MESSAGES: dict[str, tuple[str, str]] = {
    # -- content whose key was destroyed (crypto-shredding) ------------------------------------
    "content.erased": ("[gewist]", "[erased]"),
    # -- validation: one message per JSON Schema keyword, always naming the field ---------------
    "validation.required": ('Vul "{label}" in.', 'Fill in "{label}".'),
    "validation.type.string": ('Schrijf bij "{label}" een tekst.', 'Write a text in "{label}".'),
    "validation.type.number": (
        'Schrijf bij "{label}" een getal.',
        'Write a number in "{label}".',
    ),
    "validation.type.integer": (
        'Schrijf bij "{label}" een heel getal, zonder komma.',
        'Write a whole number in "{label}", without a decimal point.',
    ),
    "validation.type.boolean": (
        'Kies bij "{label}" ja of nee.',
        'Choose yes or no for "{label}".',
    ),
    "validation.type.array": (
        'Kies bij "{label}" een of meer mogelijkheden.',
        'Choose one or more options for "{label}".',
    ),
    "validation.type.object": (
        '"{label}" is niet goed ingevuld.',
        '"{label}" is not filled in correctly.',
    ),
    "validation.enum": (
        'Kies bij "{label}" een van de mogelijkheden.',
        'Choose one of the options for "{label}".',
    ),
    "validation.format.date": (
        'Schrijf bij "{label}" een datum, bijvoorbeeld 2025-03-31.',
        'Write a date in "{label}", for example 2025-03-31.',
    ),
    "validation.format": (
        '"{label}" heeft niet de goede vorm.',
        '"{label}" is not in the right form.',
    ),
    "validation.min_length.empty": ('Vul "{label}" in.', 'Fill in "{label}".'),
    "validation.min_length": (
        'Schrijf bij "{label}" minstens {limit} tekens.',
        'Write at least {limit} characters in "{label}".',
    ),
    "validation.max_length": (
        'Schrijf bij "{label}" hoogstens {limit} tekens. Nu zijn het er {actual}.',
        'Write at most {limit} characters in "{label}". Now there are {actual}.',
    ),
    "validation.characters": (
        'Bij "{label}" staat een teken dat niet mag ({detail}). Typ de tekst opnieuw.',
        '"{label}" holds a character that is not allowed ({detail}). Type the text again.',
    ),
    "validation.max_bytes": (
        'De tekst bij "{label}" is te lang (meer dan {limit} KiB).',
        'The text in "{label}" is too long (more than {limit} KiB).',
    ),
    "validation.max_depth": (
        'De antwoorden bij "{label}" zijn te diep genest (meer dan {limit} lagen).',
        'The answers in "{label}" nest too deeply (more than {limit} levels).',
    ),
    "validation.minimum": (
        'Schrijf bij "{label}" een getal van {limit} of meer.',
        'Write a number of {limit} or more in "{label}".',
    ),
    "validation.maximum": (
        'Schrijf bij "{label}" een getal van {limit} of minder.',
        'Write a number of {limit} or less in "{label}".',
    ),
    "validation.min_items": (
        'Kies of schrijf bij "{label}" minstens {limit}.',
        'Choose or write at least {limit} in "{label}".',
    ),
    "validation.max_items": (
        'Kies of schrijf bij "{label}" hoogstens {limit}.',
        'Choose or write at most {limit} in "{label}".',
    ),
    "validation.unique_items": (
        'Bij "{label}" staat iets twee keer.',
        'Something appears twice in "{label}".',
    ),
    "validation.pattern": (
        '"{label}" heeft niet de goede vorm.',
        '"{label}" is not in the right form.',
    ),
    "validation.additional": (
        'Dit formulier kent het veld "{name}" niet.',
        'This form has no field called "{name}".',
    ),
    "validation.invalid": (
        '"{label}" is niet goed ingevuld.',
        '"{label}" is not filled in correctly.',
    ),
    "validation.whole_form": ("het formulier", "the form"),
    # -- forms: what the HTML and paper forms say --------------------------------------------
    "form.required": ("verplicht", "required"),
    "form.optional": ("niet verplicht", "optional"),
    "form.error_summary_title": (
        "Er is iets niet goed ingevuld",
        "Something is not filled in right",
    ),
    "form.error_summary_intro": (
        "Pas dit aan. Klik op een punt om naar het veld te gaan.",
        "Please change this. Select an item to go to the field.",
    ),
    "form.error_prefix": ("Fout:", "Error:"),
    "form.submit": ("Opslaan", "Save"),
    "form.sensitive_hint": (
        "Schrijf hier geen medische informatie.",
        "Do not write medical information here.",
    ),
    "form.unit": ("in {unit}", "in {unit}"),
    "form.date_hint": (
        "Schrijf de datum zo: jaar-maand-dag, bijvoorbeeld 2025-03-31.",
        "Write the date like this: year-month-day, for example 2025-03-31.",
    ),
    "form.item": ("{label} {number}", "{label} {number}"),
    "form.choose": ("Kies", "Choose"),
    "form.choose_none": ("(geen keuze)", "(no choice)"),
    "form.yes": ("Ja", "Yes"),
    "form.no": ("Nee", "No"),
    "form.version": ("Formulier {id}, versie {version}", "Form {id}, version {version}"),
    "form.paper_intro": (
        "Schrijf in de vakken. Schrijf duidelijk. Neem dit formulier mee naar het gesprek.",
        "Write in the boxes. Write clearly. Bring this form to the conversation.",
    ),
    "form.paper_choose": (
        "Zet een kruisje in het vakje bij wat past.",
        "Put a cross in the box next to what fits.",
    ),
    "form.signatures": ("Ondertekening", "Signatures"),
    "form.signature_role": ("Naam {role}", "Name of {role}"),
    "form.signature": ("Handtekening", "Signature"),
    "form.signature_date": ("Datum", "Date"),
    "form.signature_note": (
        "Met je handtekening zeg je: dit is wat we hebben afgesproken. Ben je het ergens niet mee"
        " eens? Schrijf dat op. Dat mag altijd.",
        "By signing you say: this is what we agreed. Do you disagree with something? Write it"
        " down. You may always do that.",
    ),
    "unit.minutes": ("minuten", "minutes"),
    "unit.hours": ("uur", "hours"),
    "unit.days": ("dagen", "days"),
    "unit.weeks": ("weken", "weeks"),
    "unit.months": ("maanden", "months"),
    "unit.years": ("jaar", "years"),
    "unit.year": ("jaartal", "year"),
    "unit.count": ("aantal", "count"),
    "unit.euro": ("euro", "euros"),
    "unit.fte": ("fte", "FTE"),
    "record.title": ("Verslag: {title}", "Record: {title}"),
    "record.not_answered": ("Niet ingevuld", "Not filled in"),
    "record.on_paper": (
        "Het gesprek is gevoerd. De afspraken staan op papier.",
        "The conversation took place. The agreements are on paper.",
    ),
    "record.medium.digital": ("Vastgelegd: digitaal", "Recorded: digitally"),
    "record.medium.paper": ("Vastgelegd: op papier", "Recorded: on paper"),
    "role.employee": ("{term:employee}", "{term:employee}"),
    "role.manager": ("{term:manager}", "{term:manager}"),
    "role.peer": ("collega", "colleague"),
    "role.coach": ("coach", "coach"),
    "role.team_member": ("teamlid", "team member"),
}


def _pairs(entries: Mapping[str, tuple[str, str]]) -> dict[str, Text]:
    return {key: Text(nl=nl, en=en) for key, (nl, en) in entries.items()}


#: The catalogue magcore ships: plain Dutch (B1) and English.
DEFAULT_CATALOGUE = Catalogue(messages=_pairs(_DEFAULT_MESSAGES), terms=_pairs(_DEFAULT_TERMS))


def message(
    key: str, language: str, /, *, catalogue: Catalogue | None = None, **params: Any
) -> str:
    """The message *key* in *language* from *catalogue* (the default one if not given)."""
    return (catalogue or DEFAULT_CATALOGUE).message(key, language, **params)
