"""Over the API, nobody joins a colleague's conversation by naming themselves for a party.

A kind whose exit interviewer may start the conversation and is chosen by the caller: with an
open pool any employee could start a colleague's exit conversation naming themselves as the
interviewer. The party holds the organisation role ``hr_adviser`` (membership ``holds_role``):
someone who does not hold it gets the same 404 as any other refused choice, and nothing is
stored; hanna, an HR adviser in the organisation, may start it.
"""

from __future__ import annotations

from datetime import date

import attrs
from magcore_web.testing import HOST_A as A

from magcore.model.organisation import Assignment

WITH_EXIT = {
    "id": "web-exit",
    "version": 1,
    "name": {"nl": "Vertrek", "en": "Leaving"},
    "roles": [
        {
            "id": "exit_interviewer",
            "name": {"nl": "vertrekgesprekvoerder", "en": "exit interviewer"},
            "description": {"nl": "Iemand van P&O.", "en": "Someone from HR."},
        }
    ],
    "kinds": [
        {
            "id": "exit",
            "name": {"nl": "Vertrekgesprek", "en": "Exit conversation"},
            "parties": [
                {"role": "employee"},
                {"role": "exit_interviewer", "membership": "holds_role", "holds": "hr_adviser"},
            ],
            "cadence": {"kind": "free"},
            "initiators": ["employee", "exit_interviewer"],
            "preparers": ["employee"],
        }
    ],
}


def _with_exit(services) -> None:
    """The cycle approved, and hanna an HR adviser in the organisation from 2024."""
    service = services[A]
    cycle = service.add_cycle(WITH_EXIT)
    for body, day in (("works_council", date(2026, 1, 10)), ("executive", date(2026, 1, 20))):
        service.approve_policy(cycle, body=body, reference="X-1", on=day, actor="hr")
    org = service.organisation(service.organisation_id)
    adviser = Assignment(person="hanna", team="sport", role="hr_adviser", start=date(2024, 1, 1))
    service.import_organisation(
        attrs.evolve(org, assignments=(*org.assignments, adviser)), actor="hr"
    )


def _start(api, person, interviewer, employee="ben"):
    return api.post(
        "/api/v1/conversations",
        person,
        json={
            "cycle": "web-exit@1",
            "kind": "exit",
            "employee": employee,
            "chosen": [{"role": "exit_interviewer", "person": interviewer}],
        },
    )


def test_a_colleague_naming_themselves_as_the_interviewer_is_refused(api, services):
    _with_exit(services)
    before = len(services[A].store.conversations())
    for intruder in ("olga", "carla", "dirk"):  # other team, same team, another manager
        refused = _start(api, intruder, intruder)
        assert refused.status_code == 404, refused.text
        assert refused.json()["detail"] == "there is no person with this id that you may see"
    assert len(services[A].store.conversations()) == before


def test_an_hr_adviser_may_start_it_and_the_employee_may_choose_them(api, services):
    _with_exit(services)
    started = _start(api, "hanna", "hanna")
    assert started.status_code == 201, started.text
    people = {(p["person"], p["role"]) for p in started.json()["participants"]}
    assert people == {("ben", "employee"), ("hanna", "exit_interviewer")}
    chosen = _start(api, "anna", "hanna", employee="anna")
    assert chosen.status_code == 201, chosen.text
    # The employee is told why someone who is no HR adviser cannot be chosen.
    told = _start(api, "anna", "olga", employee="anna")
    assert told.status_code == 409, told.text
    assert "hr_adviser" in told.json()["detail"]
