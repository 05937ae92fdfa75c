"""A ready tenant for tests, examples and benchmarks: an organisation, an approved cycle.

:func:`prepare_service` fills a service with a small organisation (or a generated one of any
size), the example yearly cycle and both approvals, so conversations can be requested at
once. :func:`make_test_app` makes an app over such services with fixed bearer tokens.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from .config import TenantConfig, WebConfig
from .identity import Principal, StaticTokens

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from magcore.app.service import Service
    from magcore.clock import Clock

__all__ = [
    "EXAMPLE_CYCLE",
    "HOST_A",
    "HOST_B",
    "NOW",
    "SECRET",
    "make_test_app",
    "prepare_service",
    "take_out",
]

#: Two municipalities' host names for tests.
HOST_A = "gesprekken.amsterdam.example"
HOST_B = "gesprekken.tilburg.example"
#: The fixed time of the examples.
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
#: A session secret for tests only.
SECRET = "test-secret-" + "x" * 32

#: A yearly employee-manager conversation, both prepare.
EXAMPLE_CYCLE: dict[str, Any] = {
    "id": "web-example",
    "version": 1,
    "name": {"nl": "Jaargesprek", "en": "Yearly conversation"},
    "themes": [
        {"id": "work", "title": {"nl": "Werk", "en": "Work"}},
        {"id": "development", "title": {"nl": "Ontwikkeling", "en": "Development"}},
    ],
    "kinds": [
        {
            "id": "yearly",
            "name": {"nl": "Jaargesprek", "en": "Yearly conversation"},
            "pattern": "employee_manager",
            "cadence": {"kind": "per_year", "per_year": 1},
            "initiators": ["employee", "manager"],
            "preparers": ["employee", "manager"],
            "themes": ["work", "development"],
        }
    ],
}


def prepare_service(
    service: Service,
    *,
    org_id: str = "gemeente",
    people: int | None = None,
    roles: Mapping[str, Sequence[str]] | None = None,
) -> Service:
    """Import an organisation into *service*, add :data:`EXAMPLE_CYCLE` and approve it.

    Without *people*: anna, ben and carla work in team *burgerzaken* under bram; dirk manages
    team *sport* with eva. With *people*: a generated organisation of that size (ids
    ``p000001``...). *roles* maps a person to roles (``hr_adviser``, ``privacy_officer``...).
    """
    from magcore.model.organisation import Assignment, Organisation, Person, Team

    if people is None:
        start = date(2024, 1, 1)
        organisation = Organisation.build(
            id=org_id,
            name="Gemeente Voorbeeld",
            people=[
                Person(id=p, hired_on=date(2021, 5, 1))
                for p in ("anna", "ben", "carla", "bram", "dirk", "eva", "hanna", "piet", "olga")
            ],
            teams=[Team(id="burgerzaken", name="Burgerzaken"), Team(id="sport", name="Sport")],
            assignments=[
                Assignment(person="bram", team="burgerzaken", role="manager", start=start),
                Assignment(person="anna", team="burgerzaken", role="member", start=start),
                Assignment(person="ben", team="burgerzaken", role="member", start=start),
                Assignment(person="carla", team="burgerzaken", role="member", start=start),
                Assignment(person="dirk", team="sport", role="manager", start=start),
                Assignment(person="eva", team="sport", role="member", start=start),
                Assignment(person="hanna", team="sport", role="member", start=start),
                Assignment(person="piet", team="sport", role="member", start=start),
                Assignment(person="olga", team="sport", role="member", start=start),
            ],
        )
    else:
        from magcore.testing.orggen import generate_organisation

        organisation = generate_organisation(
            people=people, teams=max(1, people // 16), org_id=org_id
        )
    service.import_organisation(organisation, actor="hr")
    cycle = service.add_cycle(EXAMPLE_CYCLE)
    service.approve_policy(
        cycle, body="works_council", reference="OR-1", on=date(2026, 1, 10), actor="or"
    )
    service.approve_policy(
        cycle, body="executive", reference="BW-1", on=date(2026, 1, 20), actor="hr"
    )
    service.organisation_id = org_id
    service.use_organisation(org_id, {p: tuple(r) for p, r in (roles or {}).items()})
    return service


def make_test_app(
    tenants: Mapping[str, Mapping[str, Sequence[str]]],
    *,
    clock: Clock | None = None,
    people: int | None = None,
    store: str = "memory://",
    web: Mapping[str, Any] | None = None,
) -> tuple[Starlette, dict[str, Service]]:
    """An app serving one prepared tenant per host in *tenants* (host → person → roles), in
    memory, with the bearer token ``<person>@<host>`` for every person of the small
    organisation. *web* holds ``[web]`` settings (``roles_fresh_for``...). Returns the app
    and the services by host."""
    from magcore.app.service import open_service
    from magcore.clock import FixedClock

    from .app import create_app

    clock = clock or FixedClock(NOW)
    services: dict[str, Service] = {}

    def opener(host: str, config: TenantConfig) -> Service:
        service = open_service(config.store, clock=clock, dispatch="off", origin="web")
        prepare_service(service, people=people, roles=tenants[host])
        services[host] = service
        return service

    people_ids = ("anna", "ben", "carla", "bram", "dirk", "eva", "hanna", "piet", "olga")
    tokens = {
        f"{person}@{host}": Principal(
            person_id=person, roles=frozenset(roles.get(person, ())), tenant=host
        )
        for host, roles in tenants.items()
        for person in people_ids
    }
    config = WebConfig(
        tenants={
            host: TenantConfig(
                store=store if len(tenants) == 1 else f"{store}{host}",
                cycle="web-example@1",
            )
            for host in tenants
        },
        session_secret=SECRET,
        identity=StaticTokens(tokens),
        extra=dict(web or {}),
    )
    app = create_app(config, open_service=opener, clock=clock)
    for host in tenants:  # open every tenant now, so tests can reach its service
        app.state.tenants.resolve(host).service  # noqa: B018
    return app, services


def take_out(service: Service, organisation: str, person: str, *, leaves: bool) -> None:
    """Import *organisation* again with *person* leaving today (*leaves*), or taken out of it
    altogether (an import that no longer lists them): to try what someone who is no longer
    there can still do."""
    import attrs

    from magcore.model.days import local_day

    org = service.organisation(organisation)
    if leaves:
        today = local_day(service.clock.now(), service.timezone)
        people = {**org.people, person: attrs.evolve(org.people[person], left_on=today)}
        changed = attrs.evolve(org, people=people)
    else:
        people = {p: v for p, v in org.people.items() if p != person}
        kept = [a for a in org.assignments if a.person != person]
        changed = attrs.evolve(org, people=people, assignments=kept)
    service.import_organisation(changed, actor="hr")
