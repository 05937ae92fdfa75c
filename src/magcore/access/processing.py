"""The register of processing activities (AVG art. 30), defined once and used by the log.

Every audit line is one action within a processing activity (*verwerkingsactiviteit*). The
activities are named here, once: the regulation prints them as the register the privacy officer
keeps, and the Logboek Dataverwerkingen export (:mod:`magcore.access.logboek`) refers to the
same ids in ``dpl.core.processing_activity_id``, so the register and the log cannot drift apart.

    >>> activity_for({"action": "read", "object": "conversation:c1/record",
    ...               "purpose": "subject_access"}).id
    'subject-access'
    >>> activity_for({"action": "conversation.requested", "object": "conversation:c1/1"}).id
    'conversations'
    >>> activity_uri(ACTIVITIES["goals"], "https://hr.example.nl/register")
    'https://hr.example.nl/register#goals'

The mapping is total: a line no rule names belongs to ``operations`` (keeping the system
working and secure), so no line is ever left out of the register.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from ..model.text import Text
from .decision import SUBJECT_ACCESS

__all__ = [
    "ACTIVITIES",
    "DEFAULT_REGISTER",
    "ProcessingActivity",
    "activity_for",
    "activity_uri",
    "register_json",
    "register_markdown",
    "stream_kind",
]

#: Where the register lives when the installation names no address of its own: the project's
#: documentation page of the default register. A municipality sets its own register's address.
DEFAULT_REGISTER = "https://magcore.github.io/magcore/register/v1"


@attrs.frozen
class ProcessingActivity:
    """One processing activity of the register: what is done with personal data, why, on
    which legal ground (AVG art. 6) and about whom."""

    id: str
    """Stable, kebab-case: the fragment of the activity's URI."""
    name: Text
    purpose: Text
    legal_basis: str
    """The AVG article the processing rests on."""
    data_subjects: Text
    categories: Text
    """The categories of personal data."""


def _activity(
    id: str,
    name: tuple[str, str],
    purpose: tuple[str, str],
    basis: str,
    categories: tuple[str, str],
    subjects: tuple[str, str] = ("medewerkers", "employees"),
) -> ProcessingActivity:
    def text(pair: tuple[str, str]) -> Text:
        return Text.coerce({"nl": pair[0], "en": pair[1]})

    return ProcessingActivity(
        id, text(name), text(purpose), basis, text(subjects), text(categories)
    )


_CONTRACT = "AVG art. 6 lid 1 sub b (arbeidsovereenkomst)"
_OBLIGATION = "AVG art. 6 lid 1 sub c (wettelijke plicht)"

#: Every processing activity magcore performs, by id.
ACTIVITIES: Mapping[str, ProcessingActivity] = {
    a.id: a
    for a in (
        _activity(
            "conversations",
            ("Gesprekken plannen, voeren en vastleggen", "Planning, holding and recording talks"),
            (
                "Het gesprek tussen medewerker en leidinggevende mogelijk maken en onthouden "
                "wat is afgesproken.",
                "Making the talk between employee and manager possible and remembering what "
                "was agreed.",
            ),
            _CONTRACT,
            (
                "wie, wanneer, welk soort gesprek; voorbereiding, verslag, afspraken",
                "who, when, which kind of talk; preparation, record, agreements",
            ),
        ),
        _activity(
            "goals",
            ("Doelen bijhouden", "Keeping goals"),
            (
                "Doelen en de voortgang die de medewerker zelf vastlegt.",
                "Goals and the progress the employee records.",
            ),
            _CONTRACT,
            ("doelen en voortgang", "goals and progress"),
        ),
        _activity(
            "sharing",
            ("Deelkeuzes van de medewerker", "The employee's sharing choices"),
            (
                "Vastleggen met wie de medewerker iets deelt, waarvoor en tot wanneer.",
                "Recording with whom the employee shares something, for what and until when.",
            ),
            _CONTRACT,
            ("deelkeuzes, beperkingen", "sharing choices, restrictions"),
        ),
        _activity(
            "disclosure",
            ("Inzien door anderen dan de deelnemers", "Disclosure beyond the participants"),
            (
                "Een ander (nieuwe leidinggevende, HR, coach) ziet alleen wat de medewerker "
                "deelt of wat een genoemde wettelijke grondslag toestaat.",
                "Someone else (a new manager, HR, a coach) sees only what the employee shares "
                "or what a named legal basis allows.",
            ),
            _CONTRACT,
            ("wat gedeeld is", "what is shared"),
        ),
        _activity(
            "subject-access",
            ("Inzage door de medewerker zelf", "The employee's own access"),
            (
                "De medewerker krijgt alles wat over hem of haar is vastgelegd (AVG art. 15).",
                "The employee gets everything recorded about them (AVG art. 15).",
            ),
            _OBLIGATION,
            ("alle vastgelegde gegevens", "everything recorded"),
        ),
        _activity(
            "participation-statistics",
            ("Cijfers over deelname", "Participation figures"),
            (
                "Tellen hoeveel gesprekken zijn gevoerd, nooit kleiner dan de minimale "
                "groepsgrootte, nooit over personen.",
                "Counting how many talks were held, never below the minimum group size, never "
                "about people.",
            ),
            _CONTRACT,
            ("aantallen, geen inhoud", "counts, no content"),
        ),
        _activity(
            "plugin-delivery",
            ("Doorgeven aan gekoppelde systemen", "Passing on to connected systems"),
            (
                "Een gekoppeld systeem (HR, e-mail) krijgt dat er iets gebeurde; inhoud alleen "
                "als de regeling dat noemt.",
                "A connected system (HR, e-mail) learns that something happened; content only "
                "where the regulation names it.",
            ),
            _CONTRACT,
            ("gebeurtenissen zonder inhoud", "events without content"),
        ),
        _activity(
            "notifications",
            ("Herinneringen en uitnodigingen", "Reminders and invitations"),
            (
                "Deelnemers laten weten dat er iets te doen is.",
                "Letting participants know there is something to do.",
            ),
            _CONTRACT,
            ("naam, e-mailadres, datum", "name, e-mail address, date"),
        ),
        _activity(
            "retention-and-erasure",
            ("Bewaren, beperken en vernietigen", "Keeping, restricting and destroying"),
            (
                "Gegevens niet langer bewaren dan de regeling zegt, en vernietigen op verzoek "
                "of na de termijn.",
                "Keeping data no longer than the regulation says, and destroying it on request "
                "or after the term.",
            ),
            _OBLIGATION,
            ("alle vastgelegde gegevens", "everything recorded"),
        ),
        _activity(
            "organisation",
            ("Organisatiegegevens bijhouden", "Keeping organisation data"),
            (
                "Weten wie bij welk team hoort en wie leidinggevende is.",
                "Knowing who belongs to which team and who manages it.",
            ),
            _CONTRACT,
            ("naam, team, functie, in- en uitdienst", "name, team, role, joining and leaving"),
        ),
        _activity(
            "regulation",
            ("De regeling en haar instemming", "The regulation and its approval"),
            (
                "Vastleggen welke versie van de regeling is goedgekeurd, door wie en wanneer.",
                "Recording which version of the regulation was approved, by whom and when.",
            ),
            _OBLIGATION,
            ("naam van wie goedkeurt, datum", "name of who approves, date"),
            ("leden van ondernemingsraad en bestuur", "members of works council and executive"),
        ),
        _activity(
            "operations",
            ("Beheer en beveiliging", "Operation and security"),
            (
                "Het systeem laten werken en aantonen dat het niet is aangetast.",
                "Keeping the system working and showing it was not tampered with.",
            ),
            _OBLIGATION,
            ("logregels, sleutels", "log lines, keys"),
        ),
    )
}

#: The activity of an event line, by the kind of stream the event belongs to.
_BY_STREAM = {
    "conversation": "conversations",
    "goal": "goals",
    "person": "sharing",
    "org": "organisation",
    "organisation": "organisation",
    "cycle": "regulation",
    "workflow": "conversations",
    "keys": "retention-and-erasure",
}

#: The activity of a non-event line, by its action.
_BY_ACTION = {
    "read": "disclosure",
    "list": "disclosure",
    "list-due": "conversations",  # a due list: planning the conversations
    "deliver": "plugin-delivery",
    "deliver-content": "plugin-delivery",
    "notify": "notifications",
    "report": "participation-statistics",
    "destroy": "retention-and-erasure",
    "erase": "retention-and-erasure",
    "restrict": "retention-and-erasure",
    "list-destruction-due": "retention-and-erasure",  # the privacy officer's retention list
    # refused privacy officer's commands (their done lines are destroy / erase / restrict)
    "DestroyConversation": "retention-and-erasure",
    "ErasePerson": "retention-and-erasure",
    "RestrictProcessing": "retention-and-erasure",
    "LiftRestriction": "retention-and-erasure",
    "approve": "regulation",
    "export": "operations",
}


def stream_kind(obj: str) -> str:
    """The kind of stream or object an audit line's ``object`` names (``conversation`` for
    ``conversation:c1/record``)."""
    head = obj.split("/", 1)[0]
    return head.split(":", 1)[0]


def activity_for(entry: Mapping[str, Any]) -> ProcessingActivity:
    """The processing activity an audit line (a stored entry or its fields) belongs to."""
    action = str(entry.get("action", ""))
    obj = str(entry.get("object", ""))
    if str(entry.get("purpose", "")) == SUBJECT_ACCESS:
        return ACTIVITIES["subject-access"]
    if action in _BY_ACTION:
        return ACTIVITIES[_BY_ACTION[action]]
    # an event's own line (``conversation:c1/3``), or a change of a stream (``append``)
    return ACTIVITIES[_BY_STREAM.get(stream_kind(obj), "operations")]


def activity_uri(activity: ProcessingActivity, register: str = DEFAULT_REGISTER) -> str:
    """The URI of *activity* in the *register* (``dpl.core.processing_activity_id``)."""
    return f"{register.rstrip('#')}#{activity.id}"


def register_json() -> list[dict[str, Any]]:
    """The register as plain JSON data (part of what a regulation's hash covers)."""
    return [
        {
            "id": a.id,
            "name": a.name.to_json(),
            "purpose": a.purpose.to_json(),
            "legal_basis": a.legal_basis,
            "data_subjects": a.data_subjects.to_json(),
            "categories": a.categories.to_json(),
        }
        for a in ACTIVITIES.values()
    ]


def register_markdown(language: str, say: Callable[[Text], str] | None = None) -> list[str]:
    """The register as a Markdown section of the regulation, in *language*: every activity
    with the id the log refers to (``dpl.core.processing_activity_id``). *say* writes an
    activity's texts (by default from magcore's catalogue: Frisian from ``locale/fy``)."""
    from ..i18n import DEFAULT_CATALOGUE, table

    headings = table("register")
    words = headings.get(language) or headings["nl"]
    write = say or (lambda text: DEFAULT_CATALOGUE.localise(text, language))
    lines = [f"## {words['title']}", ""]
    for a in ACTIVITIES.values():
        lines.append(
            f"- **{write(a.name)}** (`{a.id}`): {write(a.purpose)} "
            f"{words['basis']}: {a.legal_basis}. {words['whom']}: {write(a.data_subjects)}. "
            f"{words['which']}: {write(a.categories)}."
        )
    return [*lines, ""]
