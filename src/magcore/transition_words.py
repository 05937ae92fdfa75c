"""What a refused step is called in words people use, in Dutch and English.

A :class:`~magcore.errors.TransitionError` carries magcore's own ids (``add_dissent``,
``record_drafted``); its message, and :meth:`~magcore.errors.TransitionError.in_language`,
name the step and the state the way the person who tried it would::

    >>> from magcore.errors import TransitionError
    >>> error = TransitionError(conversation_id="c1", state="record_drafted",
    ...                         action="add_dissent")
    >>> print(error)  # doctest: +NORMALIZE_WHITESPACE
    Adding a note of disagreement is not possible in conversation c1 while its record is
    still a draft.
    >>> print(error.in_language("nl"))  # doctest: +NORMALIZE_WHITESPACE
    Een aantekening van onenigheid toevoegen kan niet in gesprek c1: het verslag is nog een
    concept.

The reasons the core gives are translated as well; a reason no table knows (a plugin's own) is
shown as it was given.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ._language_tags import default_closest

__all__ = ["ACTIONS", "STATES", "about_the_person", "describe_refusal", "reason_words"]

#: Each step a person can take: (Dutch, English), as the subject of a sentence.
ACTIONS: Mapping[str, tuple[str, str]] = {
    "act": ("Deze stap", "This step"),
    "request": ("Een gesprek aanvragen", "Requesting a conversation"),
    "schedule": ("Een datum plannen", "Scheduling the conversation"),
    "reschedule": ("Een nieuwe datum plannen", "Rescheduling the conversation"),
    "save_preparation": ("De voorbereiding opslaan", "Saving the preparation"),
    "publish_preparation": ("De voorbereiding delen", "Sharing the preparation"),
    "raise_topic": ("Een onderwerp inbrengen", "Raising a topic"),
    "mark_held": ("Vastleggen dat het gesprek gehouden is", "Recording the conversation as held"),
    "mark_not_held": (
        "Vastleggen dat het gesprek niet doorging",
        "Recording that the conversation did not take place",
    ),
    "draft_record": ("Het verslag schrijven", "Writing the record"),
    "confirm": ("Het verslag bevestigen", "Confirming the record"),
    "add_dissent": ("Een aantekening van onenigheid toevoegen", "Adding a note of disagreement"),
    "add_response": ("Een zienswijze toevoegen", "Adding a response"),
    "add_private_note": ("Een eigen aantekening toevoegen", "Adding a private note"),
    "cancel": ("Het gesprek afzeggen", "Cancelling the conversation"),
    "update_agreement": ("Een afspraak bijwerken", "Updating an agreement"),
    "register_paper": ("Een verslag op papier vastleggen", "Registering a paper record"),
    "link_conversation": ("Een gesprek koppelen", "Linking a conversation"),
    "set_goal": ("Een doel vastleggen", "Setting a goal"),
    "note_progress": ("Voortgang noteren", "Noting progress"),
    "close_goal": ("Een doel afsluiten", "Closing a goal"),
}

#: Each state of a conversation or goal as a clause: (Dutch, English); ``{it}`` is the
#: conversation or the goal.
STATES: Mapping[str, tuple[str, str]] = {
    "new": ("{it} is nog niet aangevraagd", "{it} is not yet requested"),
    "requested": (
        "{it} is aangevraagd, maar nog niet gepland",
        "{it} is requested but not yet scheduled",
    ),
    "scheduled": ("{it} is gepland", "{it} is scheduled"),
    "prepared": ("{it} is voorbereid", "{it} is prepared"),
    "held": ("{it} is gehouden", "{it} has been held"),
    "record_drafted": ("het verslag is nog een concept", "its record is still a draft"),
    "agreed": (
        "{it} is afgerond: iedereen heeft het verslag bevestigd",
        "{it} is agreed: everyone has confirmed the record",
    ),
    "not_held": ("{it} is niet doorgegaan", "{it} did not take place"),
    "cancelled": ("{it} is afgezegd", "{it} is cancelled"),
    "open": ("{it} is open", "{it} is open"),
    "closed": ("{it} is afgesloten", "{it} is closed"),
    "unknown": ("{it} is in een onbekende stand", "{it} is in an unknown state"),
}

#: The core's reasons, as patterns over the English text, with their Dutch.
_REASONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), dutch)
    for pattern, dutch in (
        (
            r"(?P<who>\S+) does not take part in this conversation",
            "{who} doet niet mee aan dit gesprek",
        ),
        (
            r"(?P<who>\S+) does not take part and cannot start it",
            "{who} doet niet mee en kan het gesprek dus niet aanvragen",
        ),
        (
            r"(?P<who>\S+) already confirmed this revision",
            "{who} heeft deze versie van het verslag al bevestigd",
        ),
        (r"(?P<who>\S+) does not work on this goal", "{who} werkt niet aan dit doel"),
        (r"a (?P<role>\S+) does not confirm this record", "een {role} bevestigt dit verslag niet"),
        (
            r"a (?P<role>\S+) does not prepare this conversation",
            "een {role} bereidt dit gesprek niet voor",
        ),
        (r"a (?P<role>\S+) does not write this record", "een {role} schrijft dit verslag niet"),
        (r"the preparation is already published", "de voorbereiding is al gedeeld"),
        (r"the conversation already exists", "het gesprek bestaat al"),
        (r"the conversation is already linked", "het gesprek is al gekoppeld"),
        (r"the conversation has not been requested", "het gesprek is nog niet aangevraagd"),
        (
            r"only the employee the record is about adds a response",
            "alleen de medewerker over wie het verslag gaat, voegt een zienswijze toe",
        ),
        (
            r"revision (?P<old>\d+) is not the current one \((?P<new>\d+)\)",
            "versie {old} van het verslag is niet de nieuwste (dat is versie {new})",
        ),
        (
            r"there is no record yet \(magcore record first\)",
            "er is nog geen verslag (eerst magcore record)",
        ),
        (r"it was already held on (?P<day>\S+)", "het is al gehouden op {day}"),
        (r"(?P<field>\S+) must not be empty", "{field} mag niet leeg zijn"),
        (
            r"(?P<field>\S+) must be a date \(YYYY-MM-DD\)",
            "{field} moet een datum zijn (JJJJ-MM-DD)",
        ),
        (
            r"(?P<field>\S+) (?P<day>\S+) is before the day it was planned for "
            r"\((?P<planned>\S+)\)",
            "{field} {day} ligt voor de geplande dag ({planned})",
        ),
        (r"the goal is closed", "het doel is afgesloten"),
        (r"the goal already exists", "het doel bestaat al"),
        (r"there is no such goal", "dat doel bestaat niet"),
        (r"only the owner closes their goal", "alleen wie het doel heeft, sluit het af"),
        (r"a progress note needs text", "een voortgangsnotitie heeft tekst nodig"),
    )
)


#: The core's reasons about who takes the step (their part or their role), not about the state
#: the conversation or goal is in: a refusal for one of these does not name the state, which
#: would read as if the step were possible in another.
_ABOUT_THE_PERSON: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern)
    for pattern in (
        r"\S+ does not take part in this conversation",
        r"\S+ does not take part and cannot start it",
        r"\S+ already confirmed this revision",
        r"\S+ does not work on this goal",
        r"an? \S+ does not (confirm this record|prepare this conversation|write this record)",
        r"only the employee the record is about adds a response",
        r"only the owner closes their goal",
    )
)


def about_the_person(reason: str | None) -> bool:
    """Whether *reason* (one of the core's) is about who takes the step, not about the state:
    :func:`describe_refusal` then leaves the state out."""
    return reason is not None and any(p.fullmatch(reason) for p in _ABOUT_THE_PERSON)


def _dutch(language: str) -> bool:
    """Whether *language* (any BCP 47 tag: ``nl``, ``NL``, ``nl-BE``, ``fy``) reads these words
    in Dutch rather than English: the first of the two in its chain
    (:func:`magcore.languages.closest`), as every text magcore shows falls back."""
    return default_closest(language, ("nl", "en")) == "nl"


def reason_words(reason: str, language: str) -> str:
    """*reason* (one of the core's English reasons) in *language*; unknown ones as given."""
    if not _dutch(language):
        return reason
    for pattern, dutch in _REASONS:
        found = pattern.fullmatch(reason)
        if found is not None:
            return dutch.format(**found.groupdict())
    return reason


def describe_refusal(
    *, conversation_id: str, state: str, action: str, reason: str | None, language: str
) -> str:
    """One sentence: which step was refused, where, in which state and why, in Dutch or
    English as *language*'s chain says (``nl-NL`` and ``fy`` read Dutch, ``en-GB`` English).
    When the reason is about who takes the step (:func:`about_the_person`: their role, their
    part), the state is left out: it is not why."""
    dutch = _dutch(language)
    index = 0 if dutch else 1
    step = ACTIONS.get(action, (action, action))[index]
    if conversation_id == "new" or state == "new":
        text = f"{step} kan niet" if dutch else f"{step} is not possible"
    elif about_the_person(reason):
        goal = conversation_id.startswith("goal ")
        name = conversation_id.removeprefix("goal ")
        if dutch:
            text = f"{step} kan niet {'bij doel' if goal else 'in gesprek'} {name}"
        else:
            text = f"{step} is not possible {'for goal' if goal else 'in conversation'} {name}"
    else:
        goal = conversation_id.startswith("goal ")
        name = conversation_id.removeprefix("goal ")
        it = ("het doel" if goal else "het gesprek") if dutch else "it"
        clause = STATES.get(state, (f"{{it}}: {state}", f"{{it}}: {state}"))[index]
        clause = clause.format(it=it)
        if dutch:
            where = f"bij doel {name}" if goal else f"in gesprek {name}"
            text = f"{step} kan niet {where}: {clause}"
        else:
            where = f"for goal {name}" if goal else f"in conversation {name}"
            text = f"{step} is not possible {where} while {clause}"
    if reason:
        with_state = not text.endswith(("niet", "possible")) and not about_the_person(reason)
        text += ("; " if with_state else ": ") + reason_words(reason, language)
    return text + "."
