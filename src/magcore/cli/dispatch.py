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
@click.option(
    "--retry-dead",
    is_flag=True,
    help="Offer each dead-lettered batch to its plugin once more, then stop.",
)
def dispatch(once: bool, poll: float, attempts: int, backoff: float, retry_dead: bool) -> None:
    """Deliver committed batches to the observing plugins (at least once, in commit order).

    Runs until stopped (Ctrl+C), or with --once until nothing is pending. Batches a plugin
    cannot take after every retry go to the dead-letter list (see `magcore plugins`); --once
    then says how many and exits with status 1. Once the plugin is fixed, --retry-dead offers
    each of them once more (audited like any delivery) and exits with status 1 if one fails
    again.
    """
    from ..app.dispatcher import DeliveryPolicy

    service = get_app().service()
    dispatcher = service.dispatcher
    dispatcher.policy = DeliveryPolicy(attempts=attempts, base=backoff, cap=max(backoff, 30.0))
    if not dispatcher.observers:
        say("No plugin observes committed batches; nothing to deliver.")
        return
    if retry_dead:
        _retry_dead(dispatcher)
        return
    if once:
        before = len(dispatcher.store.dead_letters())
        count = dispatcher.drain(wait=True)
        dead = len(dispatcher.store.dead_letters()) - before
        say(f"Delivered {count} batch{'es' if count != 1 else ''}.")
        if dead:
            click.echo(
                f"error: {dead} batch{'es' if dead != 1 else ''} went to the dead-letter list "
                "after every retry ('magcore plugins' shows why); once the plugin is fixed, "
                "'magcore dispatch --retry-dead' delivers them",
                err=True,
            )
            click.get_current_context().exit(1)
        return
    say(f"Delivering to {', '.join(n for n, _ in dispatcher.observers)}; stop with Ctrl+C.")
    try:
        while True:
            dispatcher.drain()
            time.sleep(poll)
    except KeyboardInterrupt:
        say("Stopped; what is pending stays in the outbox.")


def _retry_dead(dispatcher: Any) -> None:
    """Offer the dead letters once more; say what was delivered, and exit 1 if one failed."""
    from ..app.redelivery import redeliver_dead_letters

    done = redeliver_dead_letters(dispatcher)
    if not (done.delivered or done.failed or done.left):
        say("The dead-letter list is empty; nothing to deliver again.")
        return
    count = len(done.delivered)
    say(f"Delivered {count} dead-lettered batch{'es' if count != 1 else ''} again.")
    for dead in done.left:
        say(f"Left batch {dead.seq} of {dead.consumer}: no plugin of that name observes now.")
    for dead, error in done.failed:
        click.echo(f"problem: batch {dead.seq}: {error}", err=True)
    if done.failed:
        failed = len(done.failed)
        click.echo(
            f"error: {failed} batch{'es' if failed != 1 else ''} failed again and stay on the "
            "dead-letter list",
            err=True,
        )
        click.get_current_context().exit(1)
