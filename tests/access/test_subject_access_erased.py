"""The subject-access export says that a destroyed or erased record existed, when and why.

Found by a review: a conversation destroyed at the end of its retention term, or erased with
the person it is about, was in the export as an empty entry marked ``destroyed`` (the page
said "destroyed under the retention term" for an erasure on request too), and a goal erased
with its owner was left out without a word. The export now says plainly that each existed,
when it was destroyed and on which ground (``retention``, with its profile, or ``request``),
in the JSON and on the page in Dutch and English, and holds nothing of the content: not the
words, nor the key ids the tombstone lists.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from magcore import (
    AddPrivateNote,
    Agreement,
    ConfirmRecord,
    DraftRecord,
    GrantSharing,
    MarkHeld,
    RaiseTopic,
    get_plugin_manager,
    schemas,
)
from magcore.access.erasure import destroy_conversation
from magcore.access.erasure_grounds import ErasureGround, ErasureReason
from magcore.access.policy import DESTROYED_EVENT
from magcore.access.retention import SELECTIELIJST_2020
from magcore.access.subject_access_html import export_html
from magcore.app.service import Service
from magcore.domain.goals import NoteProgress, SetGoal

from .mix_world import T0, mix_cycle, open_mix

#: Every text written into the records that go: none may be in an export afterwards.
MARKERS = (
    "ZEGEL-VERSLAG",
    "ZEGEL-AFSPRAAK",
    "ZEGEL-ONDERWERP",
    "ZEGEL-NOTITIE",
    "ZEGEL-DOEL",
    "ZEGEL-VOORTGANG",
)


@pytest.fixture(params=["memory", "sqlite"])
def service(request: Any, tmp_path: Any) -> Any:
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path}/inzage.db"
    service = open_mix(url, get_plugin_manager(load_entry_points=False), mix_cycle())
    yield service
    service.close()


def _conversation(service: Service) -> str:
    """Anna's agreed conversation with bram, every kind of content in it marked."""
    day = service.clock.now().date()
    people = service.participants_for("gemeente", service.cycle("mix@1"), "yearly", "anna", on=day)
    conv = service.request(cycle="mix@1", kind="yearly", participants=people, actor="anna").id
    service.execute(conv, RaiseTopic(actor="anna", text="ZEGEL-ONDERWERP"))
    service.execute(conv, MarkHeld(actor="bram", on=day))
    service.execute(
        conv,
        DraftRecord(
            actor="bram",
            summary="ZEGEL-VERSLAG",
            agreements=[Agreement(id="a1", text="ZEGEL-AFSPRAAK", owner="employee")],
        ),
    )
    for person in ("bram", "anna"):
        service.execute(conv, ConfirmRecord(actor=person, revision=1))
    service.execute(conv, AddPrivateNote(actor="bram", text="ZEGEL-NOTITIE"))
    return conv


def _tombstone_keys(service: Service, conversation: str) -> list[str]:
    last = service.store.read(f"conversation:{conversation}")[-1]
    assert last.type == DESTROYED_EVENT
    return [str(k) for k in last.data.get("keys", ())]


def _nothing_of(export: dict[str, Any], *also: str) -> None:
    """Neither the JSON nor the page in either language holds a marker or any of *also*."""
    texts = [json.dumps(export, ensure_ascii=False)]
    texts += [export_html(export, language=language) for language in ("nl", "en")]
    for text in texts:
        for gone in (*MARKERS, *also):
            assert gone not in text


def test_a_conversation_destroyed_by_retention_is_named_with_its_date_and_ground(
    service: Service,
) -> None:
    """Anna's conversation is destroyed by the retention run; her export has it marked
    destroyed with when (the service's time), the ground ``retention`` and the profile, its
    cycle, kind and the day it was held, and nothing of what was written; the page says so in
    Dutch and English. The export validates against its schema."""
    conv = _conversation(service)
    destroy_conversation(
        service.store, conv, profile=SELECTIELIJST_2020, due=T0.date(), clock=service.clock
    )
    export = service.gateway.export("anna", requester="anna")
    assert schemas.problems("subject-access-export", export) == []
    [entry] = export["conversations_about_you"]
    assert entry["destroyed"] is True
    assert entry["erased"] == {
        "at": T0.isoformat(),
        "ground": "retention",
        "profile": "selectielijst-2020",
        "cycle": "mix@1",
        "kind": "yearly",
        "held_on": T0.date().isoformat(),
    }
    assert entry["metadata"] is None
    assert entry["record"] is None
    assert entry["agreements"] == entry["topics"] == entry["private_notes"] == []
    _nothing_of(export, *_tombstone_keys(service, conv))
    nl = export_html(export, language="nl")
    assert "Vernietigd op 3 maart 2025: de bewaartermijn was verstreken." in nl
    assert "Dit dossier bestond, maar niets van wat erin stond is bewaard" in nl
    assert "selectielijst-2020" in nl
    en = export_html(export, language="en")
    assert "Destroyed on March 3, 2025: its retention term had ended." in en
    assert "nothing of what was written in it is kept" in en


def test_an_erasure_on_request_is_named_for_conversations_and_goals(service: Service) -> None:
    """The privacy officer erases anna: her conversation is marked erased with the ground
    ``request`` (no profile), and her goal, left out before, is in ``erased_goals`` with the
    same; the page names both, in Dutch and English, and holds none of their words."""
    conv = _conversation(service)
    service.execute_goal(
        SetGoal(actor="anna", owner="anna", goal_id="g1", title="ZEGEL-DOEL", agreed_in=conv)
    )
    service.execute_goal(NoteProgress(actor="anna", goal_id="g1", text="ZEGEL-VOORTGANG"))
    service.erase("anna", actor="po", reason=ErasureReason(ErasureGround.OBJECTION))
    for requester in ("anna", "po"):
        export = service.gateway.export("anna", requester=requester)
        assert schemas.problems("subject-access-export", export) == []
        [entry] = export["conversations_about_you"]
        assert entry["destroyed"] is True
        erased = {"at": T0.isoformat(), "ground": "request", "profile": None}
        assert entry["erased"] == {
            **erased,
            "cycle": "mix@1",
            "kind": "yearly",
            "held_on": T0.date().isoformat(),
        }
        assert export["goals"] == []
        assert export["erased_goals"] == [{"id": "g1", "erased": erased}]
        _nothing_of(export)
        nl = export_html(export, language="nl")
        assert nl.count("Gewist op 3 maart 2025 na een verzoek om wissing (AVG artikel 17).") == 2
        assert "Uw doelen die zijn gewist" in nl
        assert "Doel g1" in nl
        en = export_html(export, language="en")
        assert en.count("Erased on March 3, 2025 on a request for erasure (GDPR article 17).") == 2


def test_a_live_conversation_carries_no_erasure_and_an_old_export_still_renders(
    service: Service,
) -> None:
    """A conversation that was not destroyed has no ``erased``; an export made before the
    field (a destroyed entry without it) still renders, with the old words."""
    _conversation(service)
    export = service.gateway.export("anna", requester="anna")
    [entry] = export["conversations_about_you"]
    assert "erased" not in entry
    assert export["erased_goals"] == []
    old = {**export, "conversations_about_you": [{**entry, "destroyed": True}]}
    old.pop("erased_goals")
    assert "Vernietigd volgens de bewaartermijn." in export_html(old, language="nl")


def test_the_access_log_does_not_say_what_a_destroyed_record_was_about() -> None:
    """A record about the special-category theme ``health`` was read (its theme is decided on
    its own, so its audit line names it), then destroyed: the export's access log still says
    the record and its themes were read, but not which theme; a live record's lines keep it."""
    service, day, gone, live = _two_health_records(view=True)
    destroy_conversation(
        service.store, gone, profile=SELECTIELIJST_2020, due=day, clock=service.clock
    )
    export = service.gateway.export("anna", requester="anna")
    objects = {line["object"] for line in export["access_log"]}
    assert f"conversation:{gone}/record/themes/erased" in objects
    assert f"conversation:{live}/record/themes/health" in objects
    assert not [o for o in objects if o.startswith(f"conversation:{gone}") and "health" in o]
    assert schemas.problems("subject-access-export", export) == []
    service.close()


def test_a_sharing_choice_about_a_destroyed_conversation_does_not_name_its_theme() -> None:
    """Anna showed the special theme ``health`` of two records to the coach, and her whole
    first record to carla; the first record is destroyed. Her export keeps those choices (to
    whom, purpose, dates, the conversation's id) marked ``conversation_destroyed``, but the
    theme choice says ``theme:erased``, not which theme; the choice about the live record keeps
    it. The page says "a theme, of conversation …, since destroyed" in Dutch and English."""
    service, day, gone, live = _two_health_records(view=False)
    for conv, what, to in ((gone, "theme:health", "coach"), (live, "theme:health", "coach")):
        service.share(
            GrantSharing(
                actor="anna",
                person="anna",
                to=to,
                what=what,
                purpose="reintegration",
                until=day.replace(year=day.year + 1),
                conversation=conv,
            )
        )
    service.share(
        GrantSharing(
            actor="anna",
            person="anna",
            to="carla",
            what="whole_record",
            purpose="advice",
            conversation=gone,
        )
    )
    destroy_conversation(
        service.store, gone, profile=SELECTIELIJST_2020, due=day, clock=service.clock
    )
    export = service.gateway.export("anna", requester="anna")
    assert schemas.problems("subject-access-export", export) == []
    first, second, third = export["sharing_choices"]
    until = day.replace(year=day.year + 1).isoformat()
    assert first == {
        "choice": 1,
        "person": "anna",
        "to": "coach",
        "what": "theme:erased",
        "purpose": "reintegration",
        "until": until,
        "conversation": gone,
        "granted_at": T0.isoformat(),
        "revoked_at": None,
        "conversation_destroyed": True,
    }
    assert second["what"] == "theme:health"
    assert second["conversation"] == live
    assert "conversation_destroyed" not in second
    assert third["what"] == "whole_record"
    assert third["to"] == "carla"
    assert third["conversation_destroyed"] is True
    assert "health" not in json.dumps([first, third])
    nl = export_html(export, language="nl")
    assert f"een thema, van gesprek {gone}, dat inmiddels is vernietigd" in nl
    assert f"het hele verslag, van gesprek {gone}, dat inmiddels is vernietigd" in nl
    assert nl.count("theme:health") == 1  # the live record's choice
    assert "theme:erased" not in nl
    en = export_html(export, language="en")
    assert f"a theme, of conversation {gone}, since destroyed" in en
    assert en.count("theme:health") == 1
    service.close()


def _two_health_records(*, view: bool) -> tuple[Any, date, str, str]:
    """A service with two of anna's records about the special theme ``health`` (each read by
    her when *view*): the service, today, and the two conversations' ids."""
    service = open_mix(
        "memory://", get_plugin_manager(load_entry_points=False), mix_cycle(special_theme=True)
    )
    day = service.clock.now().date()
    people = service.participants_for("gemeente", service.cycle("mix@1"), "yearly", "anna", on=day)
    convs = []
    for _ in range(2):
        conv = service.request(cycle="mix@1", kind="yearly", participants=people, actor="anna").id
        service.execute(conv, MarkHeld(actor="bram", on=day))
        service.execute(conv, DraftRecord(actor="bram", summary="s", themes=["health"]))
        if view:
            service.view(conv, actor="anna")
        convs.append(conv)
    return service, day, convs[0], convs[1]
