"""Options and helpers shared by the command modules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from ._app import App

__all__ = ["actor_option", "get_app", "json_option", "known_person", "known_team"]

F = TypeVar("F", bound=Callable[..., Any])


def json_option(function: F) -> F:
    """The ``--json`` flag every command has: print machine-readable output instead."""
    return click.option(
        "--json", "as_json", is_flag=True, help="Print JSON for scripts instead of a table."
    )(function)


def actor_option(function: F) -> F:
    """``--as PERSON``: who does this (recorded in the event and the audit log)."""
    return click.option(
        "--as",
        "actor",
        required=True,
        metavar="PERSON",
        help="The person id of who does this (it is recorded with the change).",
    )(function)


def get_app() -> App:
    """The :class:`App` of the running command."""
    return click.get_current_context().find_root().ensure_object(App)


def known_person(org: Any, person: str | None, option: str) -> None:
    """Refuse *person* (given with *option*) if the organisation does not know them: an unknown
    id is a typo to point out, not an empty result."""
    if person is not None and person not in org.people:
        raise click.BadParameter(
            f"there is no person {person!r} in organisation {org.id!r}", param_hint=option
        )


def known_team(org: Any, team: str | None, option: str) -> None:
    """Refuse *team* (given with *option*) if the organisation does not know it."""
    if team is not None and team not in org.teams:
        raise click.BadParameter(
            f"there is no team {team!r} in organisation {org.id!r}", param_hint=option
        )
