"""The English source of magcore's own texts, keyed by message id (the gettext context).

``pybabel extract`` reads the ``N_`` and ``NP_`` calls here (``make messages``; the keywords
are ``N_:1c,2`` and ``NP_:1c,2,3``) into ``locale/magcore.pot``; translators fill in one
``locale/<tag>/LC_MESSAGES/magcore.po`` per language (Weblate, Poedit), and the compiled ``.mo``
files are what magcore reads at run time. Vocabulary terms have the context ``term:<name>``.
"""

from __future__ import annotations

import attrs

__all__ = ["MESSAGES", "NP_", "N_", "TERMS", "Source"]


@attrs.frozen
class Source:
    """One source text: its id, the English text, and (for a plural) the English plural form and
    the parameter that counts."""

    key: str
    text: str
    plural: str | None = None
    count: str | None = None


def N_(key: str, text: str) -> Source:
    """Mark *text* (English) as the source of message *key*, for extraction."""
    return Source(key, text)


def NP_(key: str, text: str, plural: str, *, count: str) -> Source:
    """Mark a message with a singular and a plural form; *count* names the parameter that
    chooses the form (by the language's plural rule, from Babel's CLDR data)."""
    return Source(key, text, plural, count)


#: Every message magcore shows to people (English source; other languages in ``locale/``).
MESSAGES: tuple[Source, ...] = (
    N_("content.erased", "[erased]"),
    N_("validation.required", 'Fill in "{label}".'),
    N_("validation.type.string", 'Write a text in "{label}".'),
    N_("validation.type.number", 'Write a number in "{label}".'),
    N_("validation.type.integer", 'Write a whole number in "{label}", without a decimal point.'),
    N_("validation.type.boolean", 'Choose yes or no for "{label}".'),
    N_("validation.type.array", 'Choose one or more options for "{label}".'),
    N_("validation.type.object", '"{label}" is not filled in correctly.'),
    N_("validation.enum", 'Choose one of the options for "{label}".'),
    N_(
        "validation.enum.given",
        'Choose one of the options for "{label}": {choices}. "{given}" is not one of them.',
    ),
    N_(
        "validation.type.number.unit",
        'Write a number in "{label}" (in {unit}), without the unit. Now it says "{given}".',
    ),
    N_(
        "validation.type.integer.unit",
        'Write a whole number in "{label}" (in {unit}), without the unit or a decimal point. '
        'Now it says "{given}".',
    ),
    N_(
        "validation.minimum.unit",
        'Write a number of {limit} or more in "{label}" (in {unit}). Now it is {given}.',
    ),
    N_(
        "validation.maximum.unit",
        'Write a number of {limit} or less in "{label}" (in {unit}). Now it is {given}.',
    ),
    N_("validation.format.date", 'Write a date in "{label}", for example 2025-03-31.'),
    N_("validation.format", '"{label}" is not in the right form.'),
    N_("validation.min_length.empty", 'Fill in "{label}".'),
    NP_(
        "validation.min_length",
        'Write at least {limit} character in "{label}".',
        'Write at least {limit} characters in "{label}".',
        count="limit",
    ),
    NP_(
        "validation.max_length",
        'Write at most {limit} character in "{label}". Now there are {actual}.',
        'Write at most {limit} characters in "{label}". Now there are {actual}.',
        count="limit",
    ),
    N_(
        "validation.characters",
        '"{label}" holds a character that is not allowed ({detail}). Type the text again.',
    ),
    N_("validation.max_bytes", 'The text in "{label}" is too long (more than {limit} KiB).'),
    N_(
        "validation.max_depth",
        'The answers in "{label}" nest too deeply (more than {limit} levels).',
    ),
    N_("validation.minimum", 'Write a number of {limit} or more in "{label}".'),
    N_("validation.maximum", 'Write a number of {limit} or less in "{label}".'),
    N_("validation.min_items", 'Choose or write at least {limit} in "{label}".'),
    N_("validation.max_items", 'Choose or write at most {limit} in "{label}".'),
    N_("validation.unique_items", 'Something appears twice in "{label}".'),
    N_("validation.pattern", '"{label}" is not in the right form.'),
    N_("validation.additional", 'This form has no field called "{name}".'),
    N_("validation.invalid", '"{label}" is not filled in correctly.'),
    N_(
        "validation.free_text.text",
        'This conversation has no form: write the answer "{name}" as a text.',
    ),
    N_(
        "validation.free_text.name",
        "This conversation has no form: give answer {number} a name of small letters, digits "
        "and _ (for example wensen).",
    ),
    N_(
        "validation.free_text.score",
        'A conversation has no scores, and "{name}" names one. Write about it in words, under '
        "another name.",
    ),
    N_(
        "validation.only_if",
        '"{label}" is only for those who chose {answer} for "{question}". Leave it empty.',
    ),
    N_("validation.whole_form", "the form"),
    N_("form.required", "required"),
    N_("form.optional", "optional"),
    N_("form.error_summary_title", "Something is not filled in right"),
    N_("form.error_summary_intro", "Please change this. Select an item to go to the field."),
    N_("form.error_prefix", "Error:"),
    N_("form.submit", "Save"),
    N_("form.sensitive_hint", "Do not write medical information here."),
    N_("form.unit", "in {unit}"),
    N_("form.date_hint", "Write the date like this: year-month-day, for example 2025-03-31."),
    N_("form.item", "{label} {number}"),
    N_("form.choose", "Choose"),
    N_("form.only_if", 'Only fill this in if you chose {answer} for "{question}".'),
    N_("form.choose_none", "(no choice)"),
    N_("form.yes", "Yes"),
    N_("form.no", "No"),
    N_("form.version", "Form {id}, version {version}"),
    N_(
        "form.paper_intro",
        "Write in the boxes. Write clearly. Bring this form to the conversation.",
    ),
    N_("form.paper_choose", "Put a cross in the box next to what fits."),
    N_("form.signatures", "Signatures"),
    N_("form.signature_role", "Name of {role}"),
    N_("form.signature", "Signature"),
    N_("form.signature_date", "Date"),
    N_(
        "form.signature_note",
        "By signing you say: this is what we agreed. Do you disagree with something? Write it"
        " down. You may always do that.",
    ),
    N_("unit.minutes", "minutes"),
    N_("unit.hours", "hours"),
    N_("unit.days", "days"),
    N_("unit.weeks", "weeks"),
    N_("unit.months", "months"),
    N_("unit.years", "years"),
    N_("unit.year", "year"),
    N_("unit.count", "count"),
    N_("unit.euro", "euros"),
    N_("unit.fte", "FTE"),
    N_("record.title", "Record: {title}"),
    N_("record.not_answered", "Not filled in"),
    N_("record.on_paper", "The conversation took place. The agreements are on paper."),
    N_("record.medium.digital", "Recorded: digitally"),
    N_("record.medium.paper", "Recorded: on paper"),
    N_("role.employee", "{term:employee}"),
    N_("role.manager", "{term:manager}"),
    N_("role.peer", "colleague"),
    N_("role.coach", "coach"),
    N_("role.team_member", "team member"),
)

#: The vocabulary terms that messages refer to as ``{term:<name>}``.
TERMS: tuple[Source, ...] = (
    N_("term:customer", "customer"),
    N_("term:employee", "employee"),
    N_("term:manager", "manager"),
    N_("term:conversation", "conversation"),
    N_("term:agreement", "agreement"),
)
