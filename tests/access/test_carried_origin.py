"""A carried agreement is decided under where it was agreed, as the events say.

Two attacks: an agreement of a special-category kind (vitality) carried into the employee's
next ordinary conversation must stay special there (no ``agreements`` choice, ``handover``
choice or legal basis opens it, as none opens the vitality conversation itself); and a database
writer without keys who edits the read-model tables (an agreement's or a conversation's
``subject``, its ``participants``) must not get one employee's agreement carried into another's
conversation, nor read as a participant of a conversation they were never in.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

from magcore import (
    Agreement,
    get_plugin_manager,
    hookimpl,
)
from magcore.access.decision import LegalBasis, Part
from magcore.app.service import Service
from magcore.domain.sharing import GrantSharing

from .mix_world import agreed, mix_cycle, open_mix

SECRET = "VITALITY-burn-out"
CYCLE = mix_cycle()


class _Basis:
    @hookimpl
    def magcore_register_legal_bases(self, register: Any) -> None:
        register(
            LegalBasis(
                name="hr-overzicht",
                article="AVG art. 6(1)(b)",
                roles={"hr_adviser"},
                parts={Part.METADATA, Part.AGREEMENT},
                purpose="hr_overview",
            )
        )


def _service(url: str = "memory://", *, fresh: bool = True) -> Service:
    host = get_plugin_manager(load_entry_points=False, extra=[("basis", _Basis())])
    return open_mix(url, host, CYCLE, fresh=fresh)


def _agreed(service: Service, kind: str, employee: str, manager: str, text: str) -> str:
    mine = [Agreement(id="a1", text=text, owner="employee")]
    return agreed(service, kind, employee=employee, manager=manager, agreements=mine)


def _next(service: Service, employee: str, actor: str) -> str:
    service.clock.current += timedelta(days=30)  # type: ignore[attr-defined]
    day = service.clock.now().date()
    people = service.participants_for(
        "gemeente", service.cycle("mix@1"), "yearly", employee, on=day
    )
    return service.request(cycle="mix@1", kind="yearly", participants=people, actor=actor).id


def _texts(agreements: Any) -> list[str]:
    return [a.text for a in agreements]


def test_a_special_kinds_agreement_stays_special_where_it_is_carried() -> None:
    service = _service()
    vitality = _agreed(service, "vitality", "anna", "bram", SECRET)
    service.share(
        GrantSharing(actor="anna", person="anna", to="carla", what="agreements", purpose="advice")
    )
    assert _texts(service.view(vitality, actor="carla", purpose="advice").agreements) == []
    yearly = _next(service, "anna", "anna")
    # the agreement was carried, and its participants still read it there
    assert _texts(service.view(yearly, actor="bram").carried_forward) == [SECRET]
    assert _texts(service.view(yearly, actor="anna").carried_forward) == [SECRET]
    # an 'agreements' choice opens no special-category content, carried or not
    view = service.view(yearly, actor="carla", purpose="advice")
    assert _texts(view.carried_forward) == []
    (decision,) = [d for obj, d in view.decisions if "/carried:" in obj]
    assert not decision.allowed
    assert "special-category" in decision.reason
    # nor does a legal basis, which never opens special-category content
    assert _texts(service.view(yearly, actor="hr1", purpose="hr_overview").carried_forward) == []
    service.close()


def test_a_handover_choice_for_agreements_does_not_open_a_special_carried_copy() -> None:
    service = _service()
    _agreed(service, "vitality", "anna", "bram", SECRET)
    service.share(
        GrantSharing(
            actor="anna", person="anna", to="next_manager", what="agreements", purpose="handover"
        )
    )
    service.clock.current += timedelta(days=30)  # type: ignore[attr-defined]
    service.change_manager("gemeente", "balie", "carla", service.clock.now().date(), actor="hr")
    yearly = _next(service, "anna", "carla")
    assert _texts(service.view(yearly, actor="carla").carried_forward) == []
    # an ordinary agreement handed over the same way still opens: the rule is the origin's
    ordinary = _agreed(service, "yearly", "anna", "carla", "ORDINARY")
    assert ordinary
    service.clock.current += timedelta(days=30)  # type: ignore[attr-defined]
    service.change_manager("gemeente", "balie", "dirk", service.clock.now().date(), actor="hr")
    again = _next(service, "anna", "dirk")
    assert _texts(service.view(again, actor="dirk").carried_forward) == ["ORDINARY"]
    service.close()


def _tamper(path: Path, conversation: str, subject: str, participants: list[str]) -> None:
    db = sqlite3.connect(path)
    db.execute("UPDATE agreements SET subject = ? WHERE conversation = ?", (subject, conversation))
    db.execute(
        "UPDATE conversations SET subject = ?, participants = ? WHERE id = ?",
        (subject, json.dumps(participants), conversation),
    )
    db.commit()
    db.close()


def test_an_edited_read_model_carries_nobodys_agreement_to_another(tmp_path: Path) -> None:
    path = tmp_path / "magcore.db"
    service = _service(f"sqlite:///{path}")
    annas = _agreed(service, "yearly", "anna", "bram", "ANNA-PRIVATE")
    service.close()
    _tamper(path, annas, "erik", ["erik", "carla"])
    service = _service(f"sqlite:///{path}", fresh=False)
    eriks = _next(service, "erik", "carla")
    assert _texts(service.view(eriks, actor="carla").carried_forward) == []
    assert _texts(service.view(eriks, actor="erik").carried_forward) == []
    service.close()


def test_an_edited_participants_row_makes_nobody_a_participant_of_the_origin(
    tmp_path: Path,
) -> None:
    """Even with the copy carried honestly, who took part where it was agreed comes from the
    origin's events: a row naming carla does not let her read anna's carried agreement."""
    path = tmp_path / "magcore.db"
    service = _service(f"sqlite:///{path}")
    annas = _agreed(service, "yearly", "anna", "bram", "ANNA-PRIVATE")
    yearly = _next(service, "anna", "anna")
    service.close()
    _tamper(path, annas, "anna", ["anna", "bram", "carla"])
    service = _service(f"sqlite:///{path}", fresh=False)
    assert _texts(service.view(yearly, actor="bram").carried_forward) == ["ANNA-PRIVATE"]
    assert _texts(service.view(yearly, actor="carla").carried_forward) == []
    service.close()
