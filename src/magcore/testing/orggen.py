"""Generate realistic organisations for tests, demos and benchmarks (seeded, deterministic).

Defaults follow the public figures in the project's domain notes: about 16 staff per manager,
departments of several teams, some self-steering teams without a manager, a few coaches.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date, timedelta

from ..model.organisation import Assignment, Organisation, Person, Role, Team

__all__ = ["generate_organisation"]


def generate_organisation(
    *,
    people: int = 300,
    teams: int = 20,
    seed: int = 0,
    start: date = date(2020, 1, 1),
    self_steering_share: float = 0.1,
    coaches: int = 2,
    teams_per_department: int = 8,
    org_id: str = "org",
    roles: Mapping[str, int] | None = None,
) -> Organisation:
    """An organisation of *people* employees in *teams* teams, grouped into departments.

    Every team but the self-steering ones has a manager (counted among *people*); departments
    are teams of their own whose manager manages the team managers. Managers and coaches are
    there from five years before *start*; everyone else is hired somewhere in those five years
    and is in their team from their hire date. Nobody has left yet.

    *roles* maps other organisation roles to how many people hold each (``{"hr_adviser": 2}``):
    they are counted among *people*, are there as long as the coaches, and hold their role in
    the first department, of which they are members (as the coaches are).
    """
    if teams < 1 or people < teams * 2:
        raise ValueError("need at least one team and two people per team")
    rng = random.Random(seed)
    departments = max(1, -(-teams // teams_per_department))
    persons: list[Person] = []
    team_list: list[Team] = []
    assignments: list[Assignment] = []
    counter = 0

    founded = start - timedelta(days=5 * 365)

    def new_person(*, lead: bool = False) -> Person:
        nonlocal counter
        counter += 1
        hired = founded if lead else start - timedelta(days=rng.randrange(0, 5 * 365))
        person = Person(id=f"p{counter:06d}", hired_on=hired)
        persons.append(person)
        return person

    for d in range(departments):
        department = Team(id=f"d{d:03d}", name=f"Afdeling {d + 1}")
        team_list.append(department)
        head = new_person(lead=True)
        assignments.append(
            Assignment(person=head.id, team=department.id, role=Role.MANAGER, start=founded)
        )
    steering_every = round(1 / self_steering_share) if self_steering_share > 0 else 0
    for t in range(teams):
        self_steering = steering_every > 0 and t % steering_every == steering_every - 1
        team = Team(
            id=f"t{t:04d}",
            name=f"Team {t + 1}",
            department=f"d{t % departments:03d}",
            parent=f"d{t % departments:03d}",
            self_steering=self_steering,
        )
        team_list.append(team)
        if not self_steering:
            manager = new_person(lead=True)
            assignments.append(
                Assignment(person=manager.id, team=team.id, role=Role.MANAGER, start=founded)
            )
    team_ids = [t.id for t in team_list if t.id.startswith("t")]
    holders = [(role, n) for role, n in sorted((roles or {}).items()) if n > 0]
    remaining = people - len(persons) - coaches - sum(n for _, n in holders)
    for i in range(max(remaining, 0)):
        member = new_person()
        team_id = team_ids[i % len(team_ids)] if i < len(team_ids) * 2 else rng.choice(team_ids)
        assignments.append(
            Assignment(
                person=member.id,
                team=team_id,
                role=Role.MEMBER,
                start=member.hired_on or start,
            )
        )
    for _ in range(coaches):
        coach = new_person(lead=True)
        for role in (Role.COACH, Role.MEMBER):
            assignments.append(
                Assignment(person=coach.id, team=team_list[0].id, role=role, start=founded)
            )
    for other, count in holders:
        for _ in range(count):
            holder = new_person(lead=True)
            for held in (other, Role.MEMBER):
                assignments.append(
                    Assignment(person=holder.id, team=team_list[0].id, role=held, start=founded)
                )
    return Organisation.build(
        id=org_id,
        name="Gemeente Voorbeeld",
        people=persons,
        teams=team_list,
        assignments=assignments,
    )
