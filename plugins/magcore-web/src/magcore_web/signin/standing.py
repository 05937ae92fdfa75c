"""Where a signed-in person stands now: still in the organisation, and with which roles.

A page session is checked against the tenant's store at every request
(:class:`~magcore_web.signin.sessions.SessionIdentity`), so that a person who left or was
taken out of the organisation cannot go on using a session made before, and a role the
tenant's directory no longer gives stops counting at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from magcore.errors import NotFoundError
from magcore.model.days import local_day

if TYPE_CHECKING:
    from magcore.app.service import Service

    from ..identity import Principal

__all__ = ["standing"]


def standing(service: Service, principal: Principal) -> Principal | None:
    """*principal* as they stand today at *service*'s tenant, or ``None`` when they are no
    longer employed in its organisation (left, or no longer in the imported organisation).

    The roles are the sign-in's and those the tenant's directory gives the person today
    (``TenantConfig.roles``, a coach's assignment), read again at every call. A tenant with no
    organisation in its store has nobody to check against: *principal* stands as they are
    (access is then decided without managers, by participation and sharing choices alone).
    """
    org_id = service.access_organisation or service.organisation_id
    if org_id is None:
        return principal
    try:
        org = service.organisation(org_id)
    except NotFoundError:
        return principal
    day = local_day(service.clock.now(), service.timezone)
    person = org.people.get(principal.person_id)
    if person is None or not person.employed_on(day):
        return None
    held = service.directory.roles_of(principal.person_id, day)
    if held <= principal.roles:
        return principal
    return attrs.evolve(principal, roles=principal.roles | held)
