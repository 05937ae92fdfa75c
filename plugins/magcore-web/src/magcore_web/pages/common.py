"""What the page handlers share: calling the tenant's service off the event loop, reading a
conversation only through the gateway, and the dates of "today"."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import TYPE_CHECKING, TypeVar

import attrs
from starlette.concurrency import run_in_threadpool

from magcore.access.decision import PARTICIPATION
from magcore.model.days import local_day

from ..app import tenant_of
from .errors import NotYours

if TYPE_CHECKING:
    from starlette.requests import Request

    from magcore.access.reading import ConversationView
    from magcore.app.service import Service
    from magcore.domain.approvals import ApprovalState
    from magcore.model.cycle import CycleDefinition

__all__ = [
    "Cycles",
    "call",
    "cycles_of",
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


@attrs.frozen
class Cycles:
    """The cycle definitions a page shows, and which cycles have approvals recorded: read
    once per request (:func:`cycles_of`), so a page reads the store a fixed number of times
    however many cycles the plugins install."""

    definitions: Mapping[str, CycleDefinition]
    """Every definition by key: the plugins' and those kept in the store."""
    with_approvals: frozenset[str]
    """The ids of the cycles whose approval stream has events (the others have none)."""

    def approvals(self, service: Service, cycle_id: str) -> ApprovalState:
        """The approvals of *cycle_id*: read from its stream only when it has one."""
        from magcore.app.versions import approval_state
        from magcore.domain.approvals import ApprovalState

        if cycle_id not in self.with_approvals:
            return ApprovalState(cycle=cycle_id)
        return approval_state(service.store, cycle_id)

    def requestable(self, service: Service) -> dict[str, CycleDefinition]:
        """The definitions under which a conversation may be requested now: every body the
        regulation names approved its current text. Each approval stream is read once."""
        states: dict[str, ApprovalState] = {}
        found = {}
        for key, cycle in sorted(self.definitions.items()):
            if cycle.approvals_required:
                if cycle.id not in self.with_approvals:
                    continue  # nothing approved yet: no need to read
                if cycle.id not in states:
                    states[cycle.id] = self.approvals(service, cycle.id)
                approved = states[cycle.id].approved(cycle.version, service.policy_hash(cycle))
                if any(body not in approved for body in cycle.approvals_required):
                    continue
            found[key] = cycle
        return found


def _shared_start(one: str, other: str) -> str:
    """The longest text both *one* and *other* start with."""
    length = 0
    while length < min(len(one), len(other)) and one[length] == other[length]:
        length += 1
    return one[:length]


def cycles_of(service: Service) -> Cycles:
    """The cycles of the tenant now, with one read of the store: the streams that keep
    definitions (``cycle-definition:``) and approvals (``cycle:``) share a prefix, so one
    index range lists both."""
    from magcore.app.versions import definition_stream
    from magcore.domain.approvals import cycle_stream

    kept, approvals = definition_stream(""), cycle_stream("")
    found = dict(service.cycles)
    with_approvals: set[str] = set()
    for stream in service.store.streams(_shared_start(kept, approvals)):
        if stream.startswith(kept):
            key = stream[len(kept) :]
            if key not in found:
                found[key] = service.cycle(key)
        elif stream.startswith(approvals):
            with_approvals.add(stream[len(approvals) :])
    return Cycles(definitions=found, with_approvals=frozenset(with_approvals))


def known_cycles(service: Service) -> dict[str, CycleDefinition]:
    """Every cycle definition by key: the plugins' and those kept in the store (added by an
    administrator; definitions, never content)."""
    return dict(cycles_of(service).definitions)


def kind_names(
    service: Service, language: str, cycles: Mapping[str, CycleDefinition] | None = None
) -> dict[str, str]:
    """The name of every conversation kind, by ``cycle key|kind id``, in *language* (a name
    the cycle does not carry in *language*, nor a plugin's catalogue, inside ``<span lang>``
    naming the language it is shown in). *cycles*: the definitions the page read already."""
    from markupsafe import Markup

    from .texts import CATALOGUE

    names: dict[str, str] = {}
    for key, cycle in (cycles if cycles is not None else known_cycles(service)).items():
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
