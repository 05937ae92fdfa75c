"""Which stored organisation a service checks requests and sharing choices against.

The one it was opened with (``organisation=``), else the one it decides access with
(:meth:`~magcore.app.access.AccessMixin.use_organisation`), else the only organisation the
store holds. A service that imported an organisation without naming it used to check nothing
(who may be a conversation's manager, coach or peer; which people exist): now it checks
against that organisation. With several organisations stored and none named, the service
cannot tell which one applies, and says so.
"""

from __future__ import annotations

from itertools import islice

from ..domain.organisation import org_stream
from ..errors import MagcoreError
from ..storage.base import Store

__all__ = ["checked_organisation"]


def checked_organisation(store: Store, named: str | None, access: str | None) -> str | None:
    """The id of the organisation to check against (``None``: none is stored yet)."""
    for org_id in (named, access):
        if org_id is not None:
            return org_id if store.version(org_stream(org_id)) > 0 else None
    stored = [
        stream.partition(":")[2]
        for stream in islice(store.streams(org_stream("")), 2)
        if store.version(stream) > 0
    ]
    if len(stored) > 1:
        raise MagcoreError(
            "the store holds several organisations and the service names none: open it with "
            "organisation=<id> (magcore.toml: organisation), so who may take part can be checked"
        )
    return stored[0] if stored else None
