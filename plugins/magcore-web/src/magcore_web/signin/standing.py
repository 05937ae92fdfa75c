"""Where a signed-in person stands now: still in the organisation, and with which roles.

A page session is checked against the tenant's store at every request
(:class:`~magcore_web.signin.sessions.SessionIdentity`), so that a person who left or was
taken out of the organisation cannot go on using a session made before, and a role the
tenant's directory no longer gives stops counting at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from magcore.app.service import Service

    from ..identity import Principal

__all__ = ["standing"]


def standing(service: Service, principal: Principal) -> Principal | None:
    """*principal* as they stand today at *service*'s tenant (:meth:`Service.standing
    <magcore.app.access.AccessMixin.standing>`), or ``None`` when they are no longer someone
    there (left, taken out of the organisation, or never in it and holding no role).

    The roles are the sign-in's and those the tenant's directory gives the person today
    (``TenantConfig.roles``, a coach's assignment), read again at every call. A tenant with no
    organisation in its store has nobody to check against: *principal* stands as they are
    (access is then decided without managers, by participation and sharing choices alone).
    """
    held = service.standing(principal.person_id)
    if held is None:
        return None
    if held <= principal.roles:
        return principal
    return attrs.evolve(principal, roles=principal.roles | held)
