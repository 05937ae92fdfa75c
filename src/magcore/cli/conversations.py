"""``magcore schedule``, ``record``, ``agree`` and ``dissent``: one conversation at a time.

These commands show where a conversation stands, never its content: reading content goes through
the access policy (``magcore export``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import click

from ..errors import TransitionError
from ._common import actor_option, get_app, json_option
from ._output import DATE, emit_json, say

__all__ = ["agree", "dissent", "parse_agreement", "record", "schedule"]


def _show(conv: Any, as_json: bool, message: str) -> None:
    if as_json:
        emit_json(
            {
                "conversation": conv.id,
                "state": conv.state,
                "version": conv.version,
                "revision": conv.record.revision if conv.record else None,
                "confirmed_by": sorted(conv.confirmed_by),
                "participants": list(conv.people),
            }
        )
    else:
        say(message)


if TYPE_CHECKING:
    _DatetimeParam = click.ParamType[datetime]
else:  # click before 8.3 has no type parameters here
    _DatetimeParam = click.ParamType


class _DateTimeType(_DatetimeParam):
    name = "datetime"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a date and time: write YYYY-MM-DDTHH:MM", param, ctx)
        if moment.tzinfo is None:
            from zoneinfo import ZoneInfo

            moment = moment.replace(tzinfo=ZoneInfo("Europe/Amsterdam"))
        return moment


@click.command()
@click.argument("conversation")
@click.option(
    "--on",
    "moment",
    type=_DateTimeType(),
    required=True,
    help="When (YYYY-MM-DDTHH:MM, Amsterdam time unless a zone is given).",
)
@click.option("--place", default="", help="Where, e.g. a room or 'online'.")
@actor_option
@json_option
def schedule(conversation: str, moment: datetime, place: str, actor: str, as_json: bool) -> None:
    """Put a requested CONVERSATION on a date (or move it)."""
    from ..conversation import Reschedule, Schedule, State

    service = get_app().service()
    conv = service.load(conversation)
    command: Schedule | Reschedule
    if conv.state is State.REQUESTED:
        command = Schedule(actor=actor, on=moment, place=place)
    else:
        command = Reschedule(actor=actor, on=moment)
    conv = service.execute(conversation, command)
    _show(conv, as_json, f"Conversation {conv.id} is planned for {moment.isoformat()}.")


def parse_agreement(index: int, value: str, due: date | None) -> Any:
    """An agreement from ``--agreement "[OWNER:] text"`` (owner: employee, manager, both...)."""
    from ..model.records import Agreement, AgreementOwner

    owner, sep, rest = value.partition(":")
    if sep and owner.strip().lower() in {o.value for o in AgreementOwner}:
        return Agreement(id=f"a{index}", text=rest.strip(), owner=owner.strip().lower(), due=due)
    return Agreement(id=f"a{index}", text=value.strip(), owner=AgreementOwner.BOTH, due=due)


@click.command()
@click.argument("conversation")
@click.option("--summary", default="", help="A short summary both sides can recognise.")
@click.option(
    "--agreement",
    "agreements",
    multiple=True,
    metavar="[OWNER:]TEXT",
    help="An agreement; repeat for more. OWNER is employee, manager or both (default both).",
)
@click.option("--due", "agreement_due", type=DATE, help="When the agreements are due.")
@click.option("--theme", "themes", multiple=True, help="A theme (card) that was discussed.")
@click.option("--held-on", type=DATE, help="The day it was held (default: today).")
@click.option("--paper", is_flag=True, help="The agreements are on a signed paper form.")
@actor_option
@json_option
def record(
    conversation: str,
    summary: str,
    agreements: tuple[str, ...],
    agreement_due: date | None,
    themes: tuple[str, ...],
    held_on: date | None,
    paper: bool,
    actor: str,
    as_json: bool,
) -> None:
    """Write the record of CONVERSATION (marking it held first if needed).

    Both sides then confirm it with 'magcore agree'; a new record revision needs new
    confirmations. With --paper, only the fact that it was held on paper is registered.
    """
    from ..conversation import (
        OPEN_STATES,
        DraftRecord,
        MarkHeld,
        RegisterPaper,
        apply,
        decide,
    )

    app = get_app()
    service = app.service()
    conv = service.load(conversation)
    day = held_on or app.clock().now().date()
    now = app.clock().now()
    if paper:
        if agreements or summary:
            raise click.UsageError("--paper records no text: leave out --summary and --agreement")
        conv = service.execute(conversation, RegisterPaper(actor=actor, held_on=day))
        _show(conv, as_json, f"Registered {conv.id} as held on {day} with a paper record.")
        return
    draft = DraftRecord(
        actor=actor,
        summary=summary,
        agreements=tuple(
            parse_agreement(i, text, agreement_due) for i, text in enumerate(agreements, 1)
        ),
        themes=themes,
    )
    if conv.state in OPEN_STATES:
        held = MarkHeld(actor=actor, on=day)
        # Check both steps before writing either, so a bad record leaves the store unchanged.
        after = conv
        for event in decide(conv, held, now=now):
            after = apply(event, after)
        decide(after, draft, now=now)
        service.execute(conversation, held)
    elif held_on is not None and conv.held_on != held_on:
        raise TransitionError(
            conversation_id=conv.id,
            state=conv.state.value,
            action="mark_held",
            reason=f"it was already held on {conv.held_on}",
        )
    conv = service.execute(conversation, draft)
    assert conv.record is not None
    _show(
        conv,
        as_json,
        f"Recorded revision {conv.record.revision} of {conv.id} with "
        f"{len(conv.record.agreements)} agreements; each participant now confirms it "
        f"(magcore agree {conv.id} --as PERSON).",
    )


@click.command()
@click.argument("conversation")
@actor_option
@json_option
def agree(conversation: str, actor: str, as_json: bool) -> None:
    """Confirm the current record of CONVERSATION as what was agreed."""
    from ..conversation import ConfirmRecord, State

    service = get_app().service()
    conv = service.load(conversation)
    if conv.record is None:
        raise TransitionError(
            conversation_id=conv.id,
            state=conv.state.value,
            action="confirm",
            reason="there is no record yet (magcore record first)",
        )
    conv = service.execute(conversation, ConfirmRecord(actor=actor, revision=conv.record.revision))
    waiting = sorted(set(conv.people) - conv.confirmed_by)
    if conv.state is State.AGREED:
        message = f"Everyone confirmed {conv.id}: the record is agreed."
    else:
        message = f"{actor} confirmed {conv.id}; still to confirm: {', '.join(waiting)}."
    _show(conv, as_json, message)


@click.command()
@click.argument("conversation")
@click.argument("text")
@actor_option
@json_option
def dissent(conversation: str, text: str, actor: str, as_json: bool) -> None:
    """Add TEXT as a note of disagreement to the record of CONVERSATION.

    A dissent never blocks and is never erased; it stays next to the record.
    """
    from ..conversation import AddDissent

    service = get_app().service()
    conv = service.execute(conversation, AddDissent(actor=actor, text=text))
    _show(conv, as_json, f"Added {actor}'s note of disagreement to {conv.id}.")
