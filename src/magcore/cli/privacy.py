"""``magcore privacy``: the privacy officer's decisions on a person's requests, and the list of
conversations due for destruction.

``restrict`` and ``lift`` (AVG art. 18) and ``erase`` (AVG art. 17) call the service's commands
(:mod:`magcore.app.privacy_requests`), and ``due`` its list of conversations whose retention
term has passed (:mod:`magcore.app.destruction`); each checks that ``--as`` names someone who
holds ``privacy_officer`` in the ``[roles]`` of ``magcore.toml``; anyone else is refused, with
an audit line, and nothing changes.
"""

from __future__ import annotations

import click

from ..access.erasure_grounds import REQUEST_GROUNDS, ErasureReason
from ..domain.sharing import Restrictions
from ..errors import AccessDenied, ConsentError, InputRefused
from ._common import ID, TEXT, get_app, json_option
from ._output import emit_json, print_table, say

__all__ = ["privacy"]

_AS = click.option(
    "--as",
    "actor",
    type=ID,
    required=True,
    metavar="PERSON",
    help="The privacy officer who decides (a person with privacy_officer in [roles]).",
)
_CONVERSATION = click.option(
    "--conversation",
    type=ID,
    default=None,
    help="One conversation about the person (default: their whole record).",
)


@click.group()
def privacy() -> None:
    """Restrict, lift or erase a person's record, list what is due for destruction: the
    privacy officer decides."""


#: The option or argument each field of a refusal stands for (the others are refused by their
#: option's type first).
_OPTIONS = {
    "/person": "PERSON",
    "/actor": "--as",
    "/reason": "--reason",
    "/reference": "--reference",
}


def _refused(exc: ConsentError | InputRefused) -> click.ClickException:
    """The refusal as the command line says it: naming the option at fault, and where the
    privacy officer is named when the asker is not them."""
    if isinstance(exc, InputRefused):
        problem = exc.problems[0]
        hint = _OPTIONS.get(problem.pointer, problem.pointer or "input")
        return click.BadParameter(problem.message, param_hint=hint)
    asker = exc.field == "actor" or isinstance(exc, AccessDenied)
    hint = " (--as must name a privacy officer in the [roles] table of magcore.toml)"
    return click.ClickException(f"{exc}{hint if asker else ''}")


def _show(person: str, held: Restrictions, as_json: bool, *, lifted: bool | None = None) -> None:
    conversations = sorted(held.conversations)
    if as_json:
        shown = {"person": person, "everything": held.everything, "conversations": conversations}
        emit_json(shown if lifted is None else {**shown, "lifted": lifted})
        return
    if held.everything:
        click.echo(f"{person}: the whole record is restricted")
    elif conversations:
        click.echo(f"{person}: restricted: {', '.join(conversations)}")
    else:
        click.echo(f"{person}: nothing is restricted")


@privacy.command(short_help="Restrict processing of a person's record (AVG art. 18).")
@click.argument("person", type=ID)
@_AS
@click.option("--reason", type=TEXT, required=True, help="Why (kept sealed with the person's key).")
@_CONVERSATION
@json_option
def restrict(person: str, actor: str, reason: str, conversation: str | None, as_json: bool) -> None:
    """Restrict processing of PERSON's record (AVG art. 18): only the privacy officer reads it."""
    service = get_app().service()
    try:
        held = service.restrict(person, actor=actor, reason=reason, conversation=conversation)
    except (ConsentError, InputRefused) as exc:
        raise _refused(exc) from None
    _show(person, held, as_json)


@privacy.command(short_help="Lift a restriction of a person's record.")
@click.argument("person", type=ID)
@_AS
@_CONVERSATION
@json_option
def lift(person: str, actor: str, conversation: str | None, as_json: bool) -> None:
    """Lift a restriction of PERSON's record (of one conversation, or of the whole record).

    Says whether a restriction was lifted; lifting what is not restricted changes nothing (and
    is no error)."""
    service = get_app().service()
    try:
        done = service.lift(person, actor=actor, conversation=conversation)
    except (ConsentError, InputRefused) as exc:
        raise _refused(exc) from None
    what = f"conversation {conversation}" if conversation else "the whole record"
    if not as_json:
        if done.lifted:
            click.echo(f"{person}: the restriction of {what} is lifted")
        else:
            click.echo(f"{person}: {what} was not restricted: nothing changed")
    _show(person, done.restrictions, as_json, lifted=done.lifted)


@privacy.command(short_help="Erase everything of a person (AVG art. 17): keys destroyed.")
@click.argument("person", type=ID)
@_AS
@click.option(
    "--ground",
    type=click.Choice([ground.value for ground in REQUEST_GROUNDS]),
    required=True,
    help="The ground of the erasure (AVG art. 17(1)), kept in the audit log.",
)
@click.option(
    "--reference",
    type=TEXT,
    default=None,
    help="The case or ticket number where the request is kept (ZAAK-2025-0012), never words.",
)
@click.option("--yes", is_flag=True, help="Do not ask to confirm: the erasure cannot be undone.")
@json_option
def erase(
    person: str, actor: str, ground: str, reference: str | None, yes: bool, as_json: bool
) -> None:
    """Erase everything that belongs to PERSON (AVG art. 17) by destroying its keys.

    This cannot be undone, also not from a backup: the content is unreadable everywhere.
    """
    try:
        reason = ErasureReason(ground, reference=reference)
    except InputRefused as refused:
        raise _refused(refused) from None
    if not yes:
        click.confirm(
            f"Erase everything that belongs to {person}? This cannot be undone", abort=True
        )
    service = get_app().service()
    try:
        done = service.erase(person, actor=actor, reason=reason)
    except (ConsentError, InputRefused) as exc:
        raise _refused(exc) from None
    if as_json:
        emit_json(
            {
                "person": person,
                "records": list(done.streams),
                "keys_destroyed": len(done.keys),
                "sharing_choices_ended": done.choices,
            }
        )
        return
    click.echo(
        f"{person}: {_count(len(done.streams), 'record')} erased, "
        f"{_count(len(done.keys), 'key')} destroyed, "
        f"{_count(done.choices, 'sharing choice')} ended"
    )


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}" if number == 1 else f"{number} {thing}s"


@privacy.command(short_help="List the conversations due for destruction (retention).")
@_AS
@json_option
def due(actor: str, as_json: bool) -> None:
    """List the conversations whose retention term has passed and that are not destroyed yet:
    their ids, retention profile and the day the term passed, never content. The listing is an
    audit line (a refused one too)."""
    service = get_app().service()
    try:
        listed = service.due_destructions(actor)
    except (ConsentError, InputRefused) as exc:
        raise _refused(exc) from None
    if as_json:
        emit_json(
            {
                "on": listed.today,
                "due": [
                    {"conversation": d.conversation, "profile": d.profile, "due": d.due}
                    for d in listed
                ],
            }
        )
        return
    if not listed:
        say(f"Nothing is due for destruction on {listed.today}.")
        return
    print_table(
        f"Due for destruction on {listed.today}",
        ["conversation", "profile", "due"],
        [(d.conversation, d.profile, d.due) for d in listed],
    )
