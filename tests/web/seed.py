"""A small municipality for the web tests: an approved cycle, a team, and people in roles.

Anna works in Burgerzaken, Bram manages it; Carla is in the same team (so Bram has a team of
two and a stranger to Anna's conversations exists); Hanna is HR adviser, Pieter privacy
officer, Olga sits on the works council. The same people sign in at the test OpenID provider
(tests/web/oidc/provider.mjs) with their magcore id in the ``employee_id`` claim.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from magcore_web.testing import EXAMPLE_CYCLE

from magcore import Assignment, Organisation, Person, Team

__all__ = ["CYCLE", "ORG", "ROLES", "ROLE_GROUPS", "seed"]

ORG = "gemeente"
ROLES = {
    "hanna": ("hr_adviser",),
    "pieter": ("privacy_officer",),
    "olga": ("works_council",),
}
ROLE_GROUPS = {
    "gemeente-hr": "hr_adviser",
    "gemeente-privacy": "privacy_officer",
    "gemeente-or": "works_council",
}
#: The front end's example cycle (``magcore_web.testing``) under the id the pages use.
CYCLE = {**EXAMPLE_CYCLE, "id": "jaargesprek"}


def organisation() -> Organisation:
    start = date(2024, 1, 1)
    people = ["anna", "bram", "carla", "hanna", "pieter", "olga"]
    return Organisation.build(
        id=ORG,
        name="Gemeente Voorbeeld",
        people=[Person(id=p, hired_on=date(2021, 5, 1)) for p in people],
        teams=[Team(id="burgerzaken", name="Burgerzaken"), Team(id="staf", name="Staf")],
        assignments=[
            Assignment(person="bram", team="burgerzaken", role="manager", start=start),
            Assignment(person="anna", team="burgerzaken", role="member", start=start),
            Assignment(person="carla", team="burgerzaken", role="member", start=start),
            Assignment(person="hanna", team="staf", role="member", start=start),
            Assignment(person="pieter", team="staf", role="member", start=start),
            Assignment(person="olga", team="staf", role="member", start=start),
            # Organisation roles beyond the built-in ones: the pages read past them.
            Assignment(person="hanna", team="staf", role="hr_adviser", start=start),
            Assignment(person="bram", team="staf", role="exit_interviewer", start=start),
        ],
    )


def seed(url: str, *, approve: bool = True) -> None:
    """Fill the store at *url*: organisation, cycle and (by default) its approvals."""
    from magcore import open_service

    service = open_service(url, dispatch="sync", organisation=ORG)
    try:
        cycle = service.add_cycle(CYCLE)
        service.import_organisation(organisation(), actor="hr")
        if approve:
            on = datetime(2025, 1, 6, tzinfo=UTC).date()
            service.approve_policy(
                cycle, body="works_council", reference="OR-1", on=on, actor="olga"
            )
            service.approve_policy(cycle, body="executive", reference="BW-1", on=on, actor="hr")
    finally:
        service.close()
