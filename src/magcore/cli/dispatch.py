"""``magcore dispatch``: deliver the outbox to the observing plugins, as a worker of its own."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import click

from ._common import Seconds, get_app
from ._output import say

__all__ = ["dispatch"]

F = TypeVar("F", bound=Callable[..., Any])


def _number(name: str, kind: click.ParamType[Any], default: float, help: str) -> Callable[[F], F]:
    """A numeric option with its default shown in ``--help``."""
    return click.option(name, type=kind, default=default, show_default=True, help=help)


@click.command()
@click.option("--once", is_flag=True, help="Deliver what is pending (with retries), then stop.")
@_number("--poll", Seconds(0.05, 3600), 1.0, "Seconds between looks at the outbox.")
@_number(
    "--attempts",
    click.IntRange(1, 1000),
    5,
    "Calls per batch before it goes to the dead-letter list.",
)
@_number(
    "--backoff",
    Seconds(0.0, 3600),
    0.5,
    "Seconds before the first retry; doubled each time (with jitter, at most 30 s).",
)
def dispatch(once: bool, poll: float, attempts: int, backoff: float) -> None:
    """Deliver committed batches to the observing plugins (at least once, in commit order).

    Runs until stopped (Ctrl+C), or with --once until nothing is pending. Batches a plugin
    cannot take after every retry go to the dead-letter list (see `magcore plugins`).
    """
    from ..app.dispatcher import DeliveryPolicy

    service = get_app().service()
    dispatcher = service.dispatcher
    dispatcher.policy = DeliveryPolicy(attempts=attempts, base=backoff, cap=max(backoff, 30.0))
    if not dispatcher.observers:
        say("No plugin observes committed batches; nothing to deliver.")
        return
    if once:
        count = dispatcher.drain(wait=True)
        say(f"Delivered {count} batches.")
        return
    say(f"Delivering to {', '.join(n for n, _ in dispatcher.observers)}; stop with Ctrl+C.")
    try:
        while True:
            dispatcher.drain()
            time.sleep(poll)
    except KeyboardInterrupt:
        say("Stopped; what is pending stays in the outbox.")
