"""Helpers a plugin's own tests share: its host alone, a SQLite service with an organisation and
the approved cycle, and one conversation held from request to the last confirmation.

    >>> from magcore.testing.plugin_year import hold_conversation, plugin_host, plugin_service
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from ..clock import FixedClock
from ..domain.conversation.commands import ConfirmRecord, DraftRecord, MarkHeld, Schedule
from ..domain.conversation.state import State
from ..model.cycle import CycleDefinition
from ..model.organisation import Organisation
from ..model.records import Participant

__all__ = ["hold_conversation", "plugin_host", "plugin_service"]


def plugin_host(name: str, plugin: object) -> Any:
    """A plugin host with the built-ins and *plugin* (registered as *name*) only."""
    from ..plugins import get_plugin_manager

    return get_plugin_manager(load_entry_points=False, extra=[(name, plugin)])


def plugin_service(
    folder: Path,
    host: Any,
    cycle: CycleDefinition,
    *,
    people: int = 30,
    teams: int = 3,
    seed: int = 7,
) -> tuple[Any, Organisation]:
    """A SQLite service in *folder* on 1 December 2024 with a generated organisation imported
    (and named, so every request's parties are checked against it) and *cycle* approved by
    every body it names. The organisation has two holders of each organisation role the
    cycle's ``holds_role`` parties name."""
    from .. import open_service
    from ..model.parties import roles_to_hold
    from .approval import approve_cycle
    from .orggen import generate_organisation

    clock = FixedClock(datetime(2024, 12, 1, tzinfo=UTC))
    held = dict.fromkeys(roles_to_hold(cycle.kinds), 2)
    org = generate_organisation(people=people, teams=teams, seed=seed, roles=held)
    service = open_service(
        f"sqlite:///{folder / 'town.db'}", clock=clock, host=host, organisation=org.id
    )
    service.import_organisation(org, actor="hr")
    approve_cycle(service, cycle)
    return service, org


def hold_conversation(
    service: Any,
    cycle: CycleDefinition,
    kind: str,
    people: Sequence[Participant],
    on: date,
    answers: Mapping[str, Any] | None = None,
    *,
    place: str = "buiten",
) -> State:
    """Request, schedule, hold and record one conversation of *kind* with *people*; every party
    that confirms confirms. Returns the state it ends in."""
    definition = cycle.kind(kind)
    starter = next(p.person for p in people if p.role in definition.initiators)
    conv = service.request(cycle=cycle, kind=kind, participants=tuple(people), actor=starter)
    when = datetime.combine(on, time(10), tzinfo=UTC)
    service.execute(conv.id, Schedule(actor=starter, on=when, place=place))
    service.clock.set(when + timedelta(hours=2))
    service.execute(conv.id, MarkHeld(actor=starter, on=on))
    recorder = next(p.person for p in people if p.role in definition.recorder_roles)
    drafted = service.execute(conv.id, DraftRecord(actor=recorder, answers=dict(answers or {})))
    assert drafted.revision is not None
    state = drafted
    for p in people:
        if p.role in definition.confirmer_roles:
            state = service.execute(
                conv.id, ConfirmRecord(actor=p.person, revision=drafted.revision)
            )
    result: State = state.state
    return result
