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

__all__ = ["CELL_LANGUAGES", "regulation_cells"]

#: The fixed rows of the inventory in Dutch and Frisian: field -> (category, purpose).
_FIXED: Mapping[str, Mapping[str, tuple[str, str]]] = {
    "nl": {
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
    },
    "fy": {
        "conversation/metadata": (
            "persoansgegevens (wa, wannear, hokker soarte petear)",
            "petearen planne en hâlde; telle hoefolle petearen der binne (nea nei in persoan "
            "werom te lieden)",
        ),
        "record/summary": (
            "persoansgegevens, ek mieningen oer de meiwurker",
            "ûnthâlde wat besprutsen en ôfpraat is",
        ),
        "agreement/text": (
            "persoansgegevens",
            "ôfspraken opfolgje; iepen ôfspraken meinimme nei it folgjende petear",
        ),
        "preparation/answers": ("persoansgegevens", "it petear tariede"),
        "dissent/text": (
            "persoansgegevens",
            "fêstlizze dat immen it net iens is mei it ferslach (beide hawwe in stim)",
        ),
        "response/text": (
            "persoansgegevens",
            "de eigen sjoch fan de meiwurker neist wat oaren skreaunen (korreksje)",
        ),
        "private_note/text": (
            "eigen oantekening fan wa't har skreau",
            "it eigen ûnthâld fan wa't har skreau",
        ),
        "sharing_choice": (
            "persoansgegevens (de eigen karren fan de meiwurker)",
            "it ferslach oan oaren sjen litte, op de betingsten fan de meiwurker",
        ),
        "audit_log": (
            "loggegevens (BIO2)",
            "ferantwurding: wa lies of feroare wat, en wêrom",
        ),
    },
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
    "fy": {
        "personal data": "persoansgegevens",
        "special": "mooglik bysûnder persoansgegeven (AVG art. 9; UAVG art. 30)",
        "normal": "gewoan",
        "special_risk": "mooglik bysûnder persoansgegeven: allinne de dielnimmers",
        "special_when": "gewoan; bysûnder persoansgegeven as it giet oer: {themes}",
        "talking_about": "prate oer {theme}",
        "answer_to": "it antwurd op: {label}",
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

#: The languages the cells are written in; in any other they are the inventory's English.
CELL_LANGUAGES = frozenset(_WORDS)

_SPECIAL_WHEN = "normal; special-category when about "


def regulation_cells(
    row: Mapping[str, str],
    language: str,
    *,
    theme_title: Callable[[str], str] | None = None,
    field_label: Callable[[str, str], str] | None = None,
) -> tuple[str, str, str]:
    """The category, purpose and sensitivity of inventory *row* (its JSON form) in *language*
    (``nl``, ``fy`` or ``en``: :data:`CELL_LANGUAGES`; any other gets the inventory's English).

    *theme_title* names a theme by its id in *language*; *field_label* names a form's field
    (form id, field name) as the form shows it. Without them the ids are used.
    """
    words = _WORDS.get(language)
    field = row["field"]
    if words is None:
        return row["category"], row["purpose"], row["sensitivity"]
    sensitivity = _sensitivity(row["sensitivity"], words, theme_title)
    if field in _FIXED["nl"]:
        if language in _FIXED:
            category, purpose = _FIXED[language][field]
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
