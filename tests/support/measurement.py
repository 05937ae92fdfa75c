"""A small questionnaire and a service with an organisation, for the measurement tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import magcore
from magcore import FixedClock
from magcore.model.measurement import Questionnaire
from magcore.model.organisation import Assignment, Organisation, Person, Role, Team

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
DAY = date(2026, 1, 5)

QUESTIONNAIRE_JSON: dict[str, Any] = {
    "id": "team-q",
    "title": {"nl": "Teammeting", "en": "Team measurement"},
    "description": {"nl": "Over het team, niet over jou.", "en": "About the team, not you."},
    "statements": [
        {"id": "help", "text": {"nl": "We helpen elkaar.", "en": "We help each other."}},
        {"id": "share", "text": {"nl": "We delen kennis.", "en": "We share knowledge."}},
    ],
    "options": [
        {"id": "rarely", "text": {"nl": "Zelden", "en": "Rarely"}},
        {"id": "sometimes", "text": {"nl": "Soms", "en": "Sometimes"}},
        {"id": "often", "text": {"nl": "Vaak", "en": "Often"}},
    ],
}
QUESTIONNAIRE = Questionnaire.from_json(QUESTIONNAIRE_JSON)


def organisation(sizes: dict[str, int], *, org_id: str = "org") -> Organisation:
    """Teams of the given sizes (members ``<team>-p<n>``), under one department ``dept``."""
    people = {}
    assignments = []
    teams = {"dept": Team(id="dept", name="Afdeling")}
    for team, size in sizes.items():
        teams[team] = Team(id=team, name=f"Team {team}", parent="dept")
        for n in range(size):
            person = f"{team}-p{n}"
            people[person] = Person(id=person)
            assignments.append(
                Assignment(person=person, team=team, role=Role.MEMBER, start=date(2024, 1, 1))
            )
    return Organisation(
        id=org_id, name="Gemeente", people=people, teams=teams, assignments=assignments
    )


def service(url: str = "memory://", sizes: dict[str, int] | None = None) -> magcore.Service:
    """A service over *url* with an organisation of *sizes* imported (if given)."""
    svc = magcore.open_service(url, clock=FixedClock(T0), organisation="org", dispatch="off")
    if sizes is not None:
        svc.import_organisation(organisation(sizes), actor="hr")
    return svc
