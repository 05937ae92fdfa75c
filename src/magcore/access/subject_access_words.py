"""The words a subject-access page uses for magcore's own ids: roles, states, parts, actions.

A person who asks for their data reads a page, not a data dump: ``next_manager`` is "uw volgende
leidinggevende", ``conversation.requested`` is "gesprek aangevraagd", ``record/answers/wellbeing``
is "verslag (antwoord: Welzijn)". Every table is complete for the ids the core writes; an id
no table knows (a plugin's own) is shown as it is, never left out.

    >>> word("role", "next_manager", "nl")
    'volgende leidinggevende'
    >>> action_words("conversation.requested", "en")
    'conversation requested'
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["action_words", "part_words", "word"]

_NL, _EN = 0, 1

_WORDS: Mapping[str, Mapping[str, tuple[str, str]]] = {
    "role": {
        "employee": ("medewerker", "employee"),
        "manager": ("leidinggevende", "manager"),
        "peer": ("collega", "peer"),
        "coach": ("coach", "coach"),
        "team_member": ("teamlid", "team member"),
        "next_manager": ("volgende leidinggevende", "next manager"),
        "hr": ("HR", "HR"),
        "hr_adviser": ("HR-adviseur", "HR adviser"),
        "researcher": ("onderzoeker", "researcher"),
        "works_council": ("ondernemingsraad", "works council"),
        "privacy_officer": ("functionaris gegevensbescherming", "privacy officer"),
        "company_doctor": ("bedrijfsarts", "company doctor"),
        "career_coach": ("loopbaancoach", "career coach"),
    },
    "state": {
        "requested": ("aangevraagd", "requested"),
        "scheduled": ("gepland", "scheduled"),
        "prepared": ("voorbereid", "prepared"),
        "held": ("gehouden", "held"),
        "record_drafted": ("verslag in concept", "record drafted"),
        "agreed": ("afgerond: het verslag is door iedereen bevestigd", "agreed by everyone"),
        "not_held": ("niet gehouden", "not held"),
        "cancelled": ("afgezegd", "cancelled"),
        "open": ("open", "open"),
        "done": ("gedaan", "done"),
        "dropped": ("vervallen", "dropped"),
        "closed": ("afgesloten", "closed"),
        "achieved": ("bereikt", "achieved"),
    },
    "what": {
        "whole_record": ("het hele verslag", "the whole record"),
        "agreements": ("de afspraken", "the agreements"),
        "goals": ("de doelen", "the goals"),
    },
    "purpose": {
        "handover": ("overdracht aan een nieuwe leidinggevende", "handover to a new manager"),
        "development": ("ontwikkeling", "development"),
        "advice": ("advies", "advice"),
        "reintegration": ("re-integratie", "reintegration"),
        "conversation": ("het gesprek zelf", "the conversation itself"),
        "subject_access": ("inzage (AVG art. 15)", "subject access (GDPR art. 15)"),
        "hr_overview": ("HR-overzicht", "HR overview"),
        "research": ("onderzoek", "research"),
        "privacy_officer": ("toezicht op privacy", "privacy supervision"),
        "notification": ("bericht of uitnodiging", "message or invitation"),
    },
    "owner": {
        "employee": ("de medewerker", "the employee"),
        "manager": ("de leidinggevende", "the manager"),
        "both": ("samen", "together"),
    },
    "result": {
        "done": ("gedaan", "done"),
        "allowed": ("toegestaan", "allowed"),
        "denied": ("geweigerd", "refused"),
    },
    "part": {
        "metadata": ("dat het gesprek er is (wie, wanneer, welk soort)", "that the talk exists"),
        "record": ("verslag", "record"),
        "answers": ("antwoord", "answer"),
        "preparation": ("voorbereiding", "preparation"),
        "agreement": ("afspraken", "agreements"),
        "agreements": ("afspraken", "agreements"),
        "topic": ("onderwerpen", "topics"),
        "dissent": ("aantekening van onenigheid", "note of disagreement"),
        "note": ("privé-aantekening", "private note"),
        "conversation": ("gesprek", "conversation"),
        "goal": ("doel", "goal"),
        "person": ("uw deelkeuzes en beperkingen", "your sharing choices and restrictions"),
    },
    "action": {
        "read": ("gelezen", "read"),
        "list": ("in een lijst getoond", "listed"),
        "notify": ("bericht gestuurd", "message sent"),
        "deliver": ("doorgegeven aan een gekoppeld systeem", "passed to a connected system"),
        "deliver-content": (
            "inhoud doorgegeven aan een gekoppeld systeem",
            "content passed to a connected system",
        ),
        "destroy": ("vernietigd", "destroyed"),
        "erase": ("gewist", "erased"),
        "export": ("uitgevoerd", "exported"),
        "report": ("geteld voor een rapport", "counted for a report"),
        "conversation.requested": ("gesprek aangevraagd", "conversation requested"),
        "conversation.scheduled": ("gesprek gepland", "conversation scheduled"),
        "conversation.rescheduled": ("gesprek verzet", "conversation rescheduled"),
        "preparation.saved": ("voorbereiding bewaard", "preparation saved"),
        "preparation.published": ("voorbereiding gedeeld", "preparation shared"),
        "topic.raised": ("onderwerp ingebracht", "topic raised"),
        "conversation.held": ("gesprek gehouden", "conversation held"),
        "conversation.not_held": ("gesprek niet gehouden", "conversation not held"),
        "conversation.cancelled": ("gesprek afgezegd", "conversation cancelled"),
        "record.drafted": ("verslag geschreven", "record written"),
        "record.confirmed": ("verslag bevestigd", "record confirmed"),
        "conversation.agreed": ("verslag door iedereen bevestigd", "record agreed by everyone"),
        "dissent.added": ("aantekening van onenigheid toegevoegd", "note of disagreement added"),
        "note.private_added": ("privé-aantekening geschreven", "private note written"),
        "response.added": ("zienswijze toegevoegd", "response added"),
        "agreement.updated": ("afspraak bijgewerkt", "agreement updated"),
        "goal.set": ("doel gesteld", "goal set"),
        "goal.progress_noted": ("voortgang van een doel genoteerd", "goal progress noted"),
        "goal.linked": ("doel gekoppeld", "goal linked"),
        "goal.closed": ("doel afgesloten", "goal closed"),
        "sharing.granted": ("deelkeuze gemaakt", "sharing choice made"),
        "sharing.revoked": ("deelkeuze ingetrokken", "sharing choice withdrawn"),
        "privacy.restricted": ("verwerking beperkt", "processing restricted"),
        "privacy.restriction_lifted": ("beperking opgeheven", "restriction lifted"),
    },
}


def word(table: str, value: object, language: str) -> str:
    """The word for *value* in *table* (``role``, ``state``, ``what``, ``purpose``, ``owner``,
    ``result``, ``part``, ``action``) in ``nl`` or ``en``; an unknown value as it is."""
    text = "" if value is None else str(value)
    pair = _WORDS[table].get(text)
    if pair is None:
        return text
    return pair[_EN] if language == "en" else pair[_NL]


def action_words(action: str, language: str) -> str:
    """What an audit line's action means, in words."""
    return word("action", action, language)


def part_words(obj: str, language: str, labels: Mapping[str, str] | None = None) -> str:
    """What an audit line's object names, in words: ``conversation:c1/record/answers/wellbeing``
    is "gesprek c1: verslag, antwoord Welzijn" (*labels*: field labels by field id)."""
    head, _, rest = obj.partition("/")
    kind, _, ident = head.partition(":")
    out = f"{word('part', kind, language)} {ident}".strip()
    pieces: list[str] = []
    for piece in (p for p in rest.split("/") if p):
        if piece.isdigit():  # an event's number in its stream
            pieces.append(("wijziging " if language != "en" else "change ") + piece)
            continue
        name, _, who = piece.partition(":")
        known = _WORDS["part"].get(name)
        text = word("part", name, language) if known else (labels or {}).get(name, name)
        pieces.append(f"{text} ({who})" if who else text)
    return out + (": " + ", ".join(pieces) if pieces else "")
