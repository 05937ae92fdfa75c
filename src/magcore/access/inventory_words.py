"""The data inventory in the words of the regulation's language.

:func:`magcore.access.inventory.data_inventory` lists every recorded field in English, as a DPIA
or a processor's register wants it. The regulation is one document in one language, read by the
works council and by employees: :func:`regulation_cells` gives the category, purpose and
sensitivity of an inventory row in that language, with a form field's purpose taken from the
label people see on the form, and a theme named by its title.

    >>> from magcore.access.inventory_words import regulation_cells
    >>> row = {"field": "agreement/text", "category": "personal data",
    ...        "purpose": "following up agreements", "sensitivity": "normal"}
    >>> category, purpose, sensitivity = regulation_cells(row, "nl")
    >>> purpose
    'afspraken opvolgen; open afspraken meenemen naar het volgende gesprek'
    >>> category, sensitivity
    ('persoonsgegevens', 'gewoon')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

__all__ = ["regulation_cells"]

#: The fixed rows of the inventory in Dutch: field -> (category, purpose).
_FIXED_NL: Mapping[str, tuple[str, str]] = {
    "conversation/metadata": (
        "persoonsgegevens (wie, wanneer, welk soort gesprek)",
        "gesprekken plannen en houden; tellen hoeveel gesprekken er zijn (nooit per persoon "
        "herleidbaar)",
    ),
    "record/summary": (
        "persoonsgegevens, ook meningen over de medewerker",
        "onthouden wat besproken en afgesproken is",
    ),
    "agreement/text": (
        "persoonsgegevens",
        "afspraken opvolgen; open afspraken meenemen naar het volgende gesprek",
    ),
    "preparation/answers": ("persoonsgegevens", "het gesprek voorbereiden"),
    "dissent/text": (
        "persoonsgegevens",
        "vastleggen dat iemand het niet eens is met het verslag (allebei hebben een stem)",
    ),
    "response/text": (
        "persoonsgegevens",
        "de eigen kijk van de medewerker naast wat anderen schreven (correctie)",
    ),
    "private_note/text": (
        "eigen aantekening van wie haar schreef",
        "het eigen geheugen van wie haar schreef",
    ),
    "sharing_choice": (
        "persoonsgegevens (de eigen keuzes van de medewerker)",
        "het verslag aan anderen laten zien, op de voorwaarden van de medewerker",
    ),
    "audit_log": (
        "loggegevens (BIO2)",
        "verantwoording: wie las of veranderde wat, en waarom",
    ),
}

_WORDS: Mapping[str, Mapping[str, str]] = {
    "nl": {
        "personal data": "persoonsgegevens",
        "special": "mogelijk bijzonder persoonsgegeven (AVG art. 9; UAVG art. 30)",
        "normal": "gewoon",
        "special_risk": "mogelijk bijzonder persoonsgegeven: alleen de deelnemers",
        "special_when": "gewoon; bijzonder persoonsgegeven als het gaat over: {themes}",
        "talking_about": "praten over {theme}",
        "answer_to": "het antwoord op: {label}",
    },
    "en": {
        "personal data": "personal data",
        "special": "special-category risk (AVG art. 9; UAVG art. 30)",
        "normal": "normal",
        "special_risk": "possibly special-category: the participants only",
        "special_when": "normal; special-category when it is about: {themes}",
        "talking_about": "talking about {theme}",
        "answer_to": "the answer to: {label}",
    },
}

_SPECIAL_WHEN = "normal; special-category when about "


def regulation_cells(
    row: Mapping[str, str],
    language: str,
    *,
    theme_title: Callable[[str], str] | None = None,
    field_label: Callable[[str, str], str] | None = None,
) -> tuple[str, str, str]:
    """The category, purpose and sensitivity of inventory *row* (its JSON form) in *language*
    (``nl`` or ``en``; any other falls back to the English of the inventory itself).

    *theme_title* names a theme by its id in *language*; *field_label* names a form's field
    (form id, field name) as the form shows it. Without them the ids are used.
    """
    words = _WORDS.get(language)
    field = row["field"]
    if words is None:
        return row["category"], row["purpose"], row["sensitivity"]
    sensitivity = _sensitivity(row["sensitivity"], words, theme_title)
    if field in _FIXED_NL:
        if language == "nl":
            category, purpose = _FIXED_NL[field]
            return category, purpose, sensitivity
        return row["category"], row["purpose"], sensitivity
    kind, _, rest = field.partition("/")
    special = row["sensitivity"] == "special-category-risk"
    category = words["special"] if special else words["personal data"]
    if kind == "theme":
        title = theme_title(rest) if theme_title else rest
        return category, words["talking_about"].format(theme=title), sensitivity
    if kind == "form":
        form_id, _, name = rest.partition("/")
        label = field_label(form_id, name) if field_label else row["purpose"]
        return category, words["answer_to"].format(label=label), sensitivity
    return row["category"], row["purpose"], sensitivity


def _sensitivity(
    value: str, words: Mapping[str, str], theme_title: Callable[[str], str] | None
) -> str:
    if value == "normal":
        return words["normal"]
    if value == "special-category-risk":
        return words["special_risk"]
    if value.startswith(_SPECIAL_WHEN):
        ids = value.removeprefix(_SPECIAL_WHEN).split(", ")
        names = ", ".join(theme_title(i) if theme_title else i for i in ids)
        return words["special_when"].format(themes=names)
    return value
