"""What the page handlers share: calling the tenant's service off the event loop, reading a
conversation only through the gateway, and the dates of "today"."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import TYPE_CHECKING, TypeVar

from starlette.concurrency import run_in_threadpool

from magcore.access.decision import PARTICIPATION
from magcore.model.days import local_day

from ..app import tenant_of
from .errors import NotYours

if TYPE_CHECKING:
    from starlette.requests import Request

    from magcore.access.reading import ConversationView
    from magcore.app.service import Service
    from magcore.model.cycle import CycleDefinition

__all__ = [
    "call",
    "form_value",
    "kind_names",
    "known_cycles",
    "manages",
    "my_view",
    "organisation_id",
    "today",
]

T = TypeVar("T")


async def call(request: Request, function: Callable[[Service], T]) -> T:
    """*function* with the request's tenant's service, in a worker thread."""
    tenant = tenant_of(request)
    result: T = await run_in_threadpool(tenant.call, function)
    return result


def today(service: Service) -> date:
    """Today in the municipality's time zone, by the service's clock."""
    return local_day(service.clock.now(), service.timezone)


def organisation_id(service: Service) -> str | None:
    """The organisation whose people the pages serve."""
    return service.access_organisation or service.organisation_id


def known_cycles(service: Service) -> dict[str, CycleDefinition]:
    """Every cycle definition by key: the plugins' and those kept in the store (added by an
    administrator; definitions, never content)."""
    from magcore.app.versions import definition_stream

    found = dict(service.cycles)
    prefix = definition_stream("")
    for stream in service.store.streams(prefix):
        key = stream[len(prefix) :]
        if key not in found:
            found[key] = service.cycle(key)
    return found


def kind_names(service: Service, language: str) -> dict[str, str]:
    """The name of every conversation kind, by ``cycle key|kind id``, in *language* (a name
    the cycle does not carry in *language*, nor a plugin's catalogue, inside ``<span lang>``
    naming the language it is shown in)."""
    from markupsafe import Markup

    from .texts import CATALOGUE

    names: dict[str, str] = {}
    for key, cycle in known_cycles(service).items():
        for kind in cycle.kinds:
            found = CATALOGUE.resolve(kind.name, language)
            names[f"{key}|{kind.id}"] = (
                found.text
                if found.language == language
                else Markup('<span lang="{}">{}</span>').format(found.language, found.text)
            )
    return names


def manages(service: Service, person: str) -> bool:
    """Whether *person* manages anyone today (shows the manager's pages)."""
    return bool(service.directory.reports_of(person, today(service)))


def my_view(service: Service, conversation_id: str, person: str) -> ConversationView:
    """What *person* may see of a conversation they take part in, through the gateway (the
    read is audited); someone else's conversation is :class:`NotYours` (a 404), after the
    gateway has written the refused read to the audit log."""
    view = service.view(conversation_id, actor=person, purpose=PARTICIPATION)
    if person not in view.people:
        raise NotYours(f"conversation {conversation_id} is not {person}'s")
    return view


def form_value(form: Mapping[str, str], name: str) -> str:
    """The trimmed text of field *name* ("" when absent)."""
    return form.get(name, "").strip()
