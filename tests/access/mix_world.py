"""The small world of the origin tests (``test_goal_origin``, ``test_carried_origin``): a cycle
"mix" with an ordinary and a special-category kind, a municipality of two teams, and an agreed
conversation."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from magcore import (
    Agreement,
    Assignment,
    ConfirmRecord,
    DraftRecord,
    FixedClock,
    MarkHeld,
    Organisation,
    Person,
    Team,
    open_service,
)
from magcore.app.service import Service

__all__ = ["ROLES", "T0", "agreed", "mix_cycle", "open_mix"]

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
ROLES = {"hr1": ("hr_adviser",), "po": ("privacy_officer",)}
_TEAMS = {"anna": ("balie", "member"), "bram": ("balie", "manager")}
_TEAMS |= {"carla": ("loket", "manager"), "erik": ("loket", "member")}


def mix_cycle(*, special_theme: bool = False) -> dict[str, Any]:
    """The cycle: kinds ``yearly`` and ``vitality`` (special-category as a whole), the theme
    ``work`` and, with *special_theme*, ``health`` (a special-category theme)."""
    themes = [{"id": "work", "title": {"nl": "Werk", "en": "Work"}}]
    if special_theme:
        themes.append(
            {
                "id": "health",
                "title": {"nl": "Gezondheid", "en": "Health"},
                "special_category": True,
            }
        )
    return {
        "id": "mix",
        "version": 1,
        "name": {"nl": "Gesprekken", "en": "Conversations"},
        "themes": themes,
        "kinds": [
            {
                "id": kind,
                "name": {"nl": kind, "en": kind},
                "pattern": "employee_manager",
                "cadence": {"kind": "per_year", "per_year": 1},
                "initiators": ["employee", "manager"],
                "preparers": ["employee"],
                "themes": [theme["id"] for theme in themes],
                **({"special_category": True} if kind == "vitality" else {}),
            }
            for kind in ("yearly", "vitality")
        ],
    }


def open_mix(
    url: str, host: Any, cycle: dict[str, Any], *, fresh: bool = True, **options: Any
) -> Service:
    """A service on *url* with *host*'s plugins; when *fresh*, the cycle approved and the
    organisation imported first (else the same store opened again)."""
    service = open_service(url, clock=FixedClock(T0), host=host, **options)
    added = service.add_cycle(cycle)
    if fresh:
        service.import_organisation(
            Organisation.build(
                id="gemeente",
                people=[Person(id=p) for p in (*_TEAMS, "dirk", "hr1", "po")],
                teams=[Team(id="balie"), Team(id="loket")],
                assignments=[
                    Assignment(person=p, team=team, role=role, start=date(2024, 1, 1))
                    for p, (team, role) in _TEAMS.items()
                ],
            ),
            actor="hr",
        )
        for body in added.approvals_required:
            service.approve_policy(
                added, body=body, reference="2025-1", on=date(2025, 2, 1), actor="or"
            )
    service.use_organisation("gemeente", ROLES)
    return service


def agreed(
    service: Service,
    kind: str,
    *,
    employee: str = "anna",
    manager: str = "bram",
    agreements: list[Agreement] | None = None,
) -> str:
    """A conversation of *kind* about *employee*, held, its record with *agreements* (one
    ordinary one by default) confirmed by both; its id."""
    day = service.clock.now().date()
    people = service.participants_for("gemeente", service.cycle("mix@1"), kind, employee, on=day)
    conv = service.request(cycle="mix@1", kind=kind, participants=people, actor=employee)
    service.execute(conv.id, MarkHeld(actor=manager, on=day))
    service.execute(
        conv.id,
        DraftRecord(
            actor=manager,
            summary="record",
            agreements=agreements or [Agreement(id="a1", text="agreed", owner="employee")],
        ),
    )
    for person in (manager, employee):
        service.execute(conv.id, ConfirmRecord(actor=person, revision=1))
    return conv.id
