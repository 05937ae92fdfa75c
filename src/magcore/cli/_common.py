"""Options and helpers shared by the command modules."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ..model.input_policy import default_period, period_problem
from ._app import App, operator

__all__ = [
    "ID",
    "MIN_GROUP",
    "TEXT",
    "Seconds",
    "actor_option",
    "get_app",
    "json_option",
    "known_person",
    "known_team",
    "operator",
    "period_of",
]

F = TypeVar("F", bound=Callable[..., Any])

if TYPE_CHECKING:
    _StrParam = click.ParamType[str]
else:  # click before 8.3 has no type parameters here
    _StrParam = click.ParamType


class _IdType(_StrParam):
    """An id by the input policy (:data:`magcore.model.input_policy.ID_PATTERN`)."""

    name = "id"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from ..model.input_policy import id_problem

        problem = id_problem(value, pointer="")
        if problem is not None:
            self.fail(problem.message, param, ctx)
        return str(value)


class _TextType(_StrParam):
    """A text by the input policy: NFC, no control or bidirectional characters, at most 64 KiB."""

    name = "text"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from ..model.input_policy import normalise, text_problem

        value = normalise(value)
        problem = text_problem(value, pointer="")
        if problem is not None:
            self.fail(problem.message, param, ctx)
        return str(value)


#: Option types that apply the input policy as the command line is read.
ID = _IdType()
TEXT = _TextType()

#: The largest minimum group size an option takes (more people than any municipality has).
MAX_MIN_GROUP = 1_000_000
#: ``--min-group``: a whole number from 1 (the regulation's minimum is checked after) to
#: :data:`MAX_MIN_GROUP`.
MIN_GROUP = click.IntRange(1, MAX_MIN_GROUP)


class Seconds(click.FloatRange):
    """A number of seconds within a range: also refuses ``nan`` and ``inf``, which
    :class:`click.FloatRange` lets through (``nan`` is neither below nor above a bound)."""

    name = "number of seconds"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        seconds = super().convert(value, param, ctx)
        if not math.isfinite(seconds):
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        return seconds


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
        type=ID,
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


def _language(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from ..languages import LanguageError, language_tag

    if value is None:
        return None
    try:
        return language_tag(value)
    except LanguageError as exc:
        raise click.BadParameter(exc.message) from None


def language_option(default: str | None = "nl") -> Callable[[F], F]:
    """``--language``: any BCP 47 tag (nl, en, fy...); a language a text is not written in
    falls back along the installation's chain, and the output says which one it used."""
    return click.option(
        "--language",
        default=default,
        show_default=default is not None,
        callback=_language,
        help="A language tag: nl, en, fy, ... (falls back along the chain: fy → nl → en).",
    )


def period_of(start: date | None, end: date | None, *, today: date) -> tuple[date, date]:
    """The days ``[--from, --to)`` a command asked for: from 1 January of *today*'s year and a
    year long by default (:func:`~magcore.model.input_policy.default_period`); ``--to`` after
    ``--from`` and at most 50 years on (:func:`~magcore.model.input_policy.period_problem`),
    else an error naming it."""
    start, end = default_period(start, end, today=today)
    if end <= start:
        raise click.BadParameter(f"--to {end} must be after --from {start}", param_hint="--to")
    problem = period_problem(start, end)
    if problem is not None:
        raise click.BadParameter(problem.message, param_hint="--to")
    return start, end
