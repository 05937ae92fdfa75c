"""A small story with distinctive content, for tests that search raw bytes after erasure.

:func:`write_story` writes, through a service, a conversation ``c1`` whose summary, agreement,
record answers, preparation, topic, dissent, response and private note each hold a marker
string, and a later conversation ``c2`` that carries ``c1``'s agreement forward and holds a
topic of its own. Erasing ``c1`` must make every marker of :attr:`Story.erased` unreadable
(the carried copy in ``c2`` included) and leave :attr:`Story.kept` readable.
"""

from __future__ import annotations

from datetime import date, datetime

import attrs

from ..app.service import Service
from ..domain.conversation import (
    AddDissent,
    AddPrivateNote,
    AddResponse,
    ConfirmRecord,
    DraftRecord,
    MarkHeld,
    PublishPreparation,
    RaiseTopic,
    SavePreparation,
    Schedule,
)
from ..model.cycle import CycleDefinition
from ..model.records import Agreement, Participant

__all__ = ["MARKERS", "Story", "write_story"]

#: One distinctive string per kind of content (none is a substring of another).
MARKERS = {
    "summary": "Zq7SummaryMarkerWolkenkrabber",
    "agreement": "Zq7AgreementMarkerVuurtoren",
    "answer": "Zq7AnswerMarkerSchaatsbaan",
    "preparation": "Zq7PreparationMarkerKnikkerbaan",
    "topic": "Zq7TopicMarkerZonnebloem",
    "dissent": "Zq7DissentMarkerRegenboog",
    "response": "Zq7ResponseMarkerMolenwiek",
    "note": "Zq7NoteMarkerTulpenveld",
    "place": "Zq7PlaceMarkerStadhuiszaal",
}
#: Content of the later conversation, which erasing ``c1`` must leave readable.
KEPT = "Zq7KeptMarkerFietspad"


@attrs.frozen
class Story:
    """What :func:`write_story` wrote: the people and the markers."""

    employee: str
    manager: str
    erased: tuple[str, ...]
    kept: tuple[str, ...]


def write_story(
    service: Service, cycle: CycleDefinition, employee: str, manager: str, *, on: date
) -> Story:
    """Write ``c1`` (agreed, full of markers) and ``c2`` (carrying ``c1``'s agreement), after
    approving *cycle*'s regulation (:func:`~magcore.testing.approval.approve_cycle`)."""
    from .approval import approve_cycle

    approve_cycle(service, cycle)
    people = (Participant(employee, "employee"), Participant(manager, "manager"))
    m = MARKERS
    service.request(
        cycle=cycle, kind="yearly", participants=people, actor=manager, conversation_id="c1"
    )
    when = datetime(on.year, on.month, on.day, 10, tzinfo=service.clock.now().tzinfo)
    service.execute("c1", Schedule(actor=manager, on=when, place=m["place"]))
    service.execute("c1", SavePreparation(actor=employee, answers={"wish": m["preparation"]}))
    service.execute("c1", PublishPreparation(actor=employee))
    service.execute("c1", RaiseTopic(actor=employee, text=m["topic"]))
    service.execute("c1", MarkHeld(actor=manager, on=on))
    agreement = Agreement(id="a1", text=m["agreement"], owner="employee")
    service.execute(
        "c1",
        DraftRecord(
            actor=manager,
            summary=m["summary"],
            agreements=(agreement,),
            answers={"growth": m["answer"]},
        ),
    )
    service.execute("c1", AddPrivateNote(actor=manager, text=m["note"]))
    service.execute("c1", AddDissent(actor=employee, text=m["dissent"]))
    service.execute("c1", AddResponse(actor=employee, about="record", text=m["response"]))
    service.execute("c1", ConfirmRecord(actor=employee, revision=1))
    service.execute("c1", ConfirmRecord(actor=manager, revision=1))
    service.request(
        cycle=cycle, kind="yearly", participants=people, actor=manager, conversation_id="c2"
    )
    service.execute("c2", RaiseTopic(actor=employee, text=KEPT))
    return Story(employee, manager, tuple(m.values()), (KEPT,))
