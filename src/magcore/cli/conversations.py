"""``magcore schedule``, ``prepare``, ``record``, ``agree`` and ``dissent``: one conversation at
a time.

These commands show where a conversation stands, never its content: reading content goes through
the access policy (``magcore export``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..errors import MagcoreError, TransitionError
from ._common import ID, TEXT, actor_option, get_app, json_option
from ._output import DATE, emit_json, say

__all__ = [
    "agree",
    "dissent",
    "form_answers",
    "parse_agreement",
    "prepare",
    "record",
    "schedule",
]


def _show(conv: Any, as_json: bool, message: str) -> None:
    if as_json:
        emit_json(
            {
                "conversation": conv.id,
                "state": conv.state,
                "version": conv.version,
                "revision": conv.revision,
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
        from ..model.input_policy import date_problem

        problem = date_problem(moment, pointer="")
        if problem is not None:
            self.fail(problem.message, param, ctx)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=_installation_zone())
        return moment


def _installation_zone() -> Any:
    """The time zone of the installation (``timezone`` in magcore.toml; Amsterdam if unset)."""
    from ..model.days import timezone

    try:
        name = get_app().config.timezone
    except MagcoreError:
        name = None
    return timezone(name)


@click.command()
@click.argument("conversation", type=ID)
@click.option(
    "--on",
    "moment",
    type=_DateTimeType(),
    required=True,
    help="When (YYYY-MM-DDTHH:MM, the installation's time zone unless a zone is given).",
)
@click.option("--place", default=None, type=TEXT, help="Where, e.g. a room or 'online'.")
@click.option(
    "--minutes",
    type=click.IntRange(5, 480),
    default=None,
    help="How long it lasts (default: the kind's duration); goes into the invitation.",
)
@actor_option
@json_option
def schedule(
    conversation: str,
    moment: datetime,
    place: str | None,
    minutes: int | None,
    actor: str,
    as_json: bool,
) -> None:
    """Put a requested CONVERSATION on a date (or move it), with its place and duration."""
    from ..domain.conversation import Reschedule, Schedule, State

    service = get_app().service()
    conv = service.view(conversation, actor=actor)
    command: Schedule | Reschedule
    if conv.state is State.REQUESTED:
        command = Schedule(actor=actor, on=moment, place=place or "", minutes=minutes)
    else:
        command = Reschedule(actor=actor, on=moment, place=place, minutes=minutes)
    conv = service.execute(conversation, command)
    _show(conv, as_json, f"Conversation {conv.id} is planned for {moment.isoformat()}.")


@click.command()
@click.argument("conversation", type=ID)
@click.option(
    "--answer",
    "answer_pairs",
    multiple=True,
    type=TEXT,
    metavar="FIELD=TEXT",
    help="The answer to one question of the preparation form; repeat for more.",
)
@click.option(
    "--answers",
    "answers_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A JSON file with answers to the preparation form (--answer adds to it).",
)
@click.option(
    "--publish",
    is_flag=True,
    help="Publish it too: the other side sees it once they published theirs (or it was held).",
)
@actor_option
@json_option
def prepare(
    conversation: str,
    answer_pairs: tuple[str, ...],
    answers_file: Path | None,
    publish: bool,
    actor: str,
    as_json: bool,
) -> None:
    """Save your preparation of CONVERSATION (and, with --publish, publish it).

    Both sides prepare; each sees the other's preparation only once both published theirs or
    the conversation was held. The answers are checked against the kind's preparation form
    before anything is stored; a refused preparation changes nothing. Saving again replaces
    your earlier answers.
    """
    from ..domain.conversation import PublishPreparation, SavePreparation
    from ._answers import typed_answer

    answers = _read_answers(answers_file)
    pairs: list[tuple[str, str]] = []
    for pair in answer_pairs:  # their form first, before any store is opened
        name, sep, text = pair.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(
                f"{pair!r} is not FIELD=TEXT (the name of a question, '=', your answer)",
                param_hint="--answer",
            )
        pairs.append((name.strip(), text))
    if not answers and not pairs:
        raise click.UsageError("give your answers with --answer FIELD=TEXT or --answers FILE")
    service = get_app().service()
    schema = _preparation_schema(service, conversation, actor) if pairs else None
    answers.update((name, typed_answer(schema, name, text)) for name, text in pairs)
    conv = service.execute(conversation, SavePreparation(actor=actor, answers=answers))
    if publish:
        conv = service.execute(conversation, PublishPreparation(actor=actor))
    done = "saved and published" if publish else "saved (not published yet: --publish)"
    _show(conv, as_json, f"Your preparation of {conv.id} is {done}.")


def parse_agreement(index: int, value: str, due: date | None) -> Any:
    """An agreement from ``--agreement "[OWNER:] text"`` (owner: employee, manager, both...)."""
    from ..model.records import Agreement, AgreementOwner

    owner, sep, rest = value.partition(":")
    if sep and owner.strip().lower() in {o.value for o in AgreementOwner}:
        return Agreement(id=f"a{index}", text=rest.strip(), owner=owner.strip().lower(), due=due)
    return Agreement(id=f"a{index}", text=value.strip(), owner=AgreementOwner.BOTH, due=due)


@click.command()
@click.argument("conversation", type=ID)
@click.option("--summary", default="", type=TEXT, help="A short summary both sides can recognise.")
@click.option(
    "--agreement",
    "agreements",
    multiple=True,
    type=TEXT,
    metavar="[OWNER:]TEXT",
    help="An agreement; repeat for more. OWNER is employee, manager or both (default both).",
)
@click.option("--due", "agreement_due", type=DATE, help="When the agreements are due.")
@click.option(
    "--theme", "themes", multiple=True, type=ID, help="A theme (card) that was discussed."
)
@click.option("--held-on", type=DATE, help="The day it was held (default: today).")
@click.option("--paper", is_flag=True, help="The agreements are on a signed paper form.")
@click.option(
    "--answers",
    "answers_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A JSON file with answers to the cycle's record form (for its other fields).",
)
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
    answers_file: Path | None,
    actor: str,
    as_json: bool,
) -> None:
    """Write the record of CONVERSATION (marking it held first if needed).

    When the cycle has a record form, --summary, --held-on, --theme and --agreement also fill
    its fields of those names; --answers FILE.json gives the form's other fields. Both sides
    then confirm it with 'magcore agree'; a new record revision needs new confirmations. With
    --paper, only the fact that it was held on paper is registered. A bad record changes
    nothing.
    """
    from ..domain.conversation import DraftRecord, RegisterPaper

    app = get_app()
    service = app.service()
    # Which form: from the read model of the actor's own conversations (no content, so nothing
    # is read or audited before the record is checked; a refused record changes nothing).
    row = next(
        (r for r in service.store.conversations(participant=actor) if r.id == conversation), None
    )
    now = app.clock().now()
    day = held_on or now.date()
    if day > now.date():
        raise click.BadParameter(
            f"{day} is in the future: record a conversation once it was held",
            param_hint="--held-on",
        )
    if paper:
        if agreements or summary or answers_file:
            raise click.UsageError(
                "--paper records no text: leave out --summary, --agreement and --answers"
            )
        conv = service.execute(conversation, RegisterPaper(actor=actor, held_on=day))
        _show(conv, as_json, f"Registered {conv.id} as held on {day} with a paper record.")
        return
    parsed = tuple(parse_agreement(i, text, agreement_due) for i, text in enumerate(agreements, 1))
    # Someone who does not take part gets no form help: the service refuses them.
    form_id = service.cycle(row.cycle).kind(row.kind).record_form if row is not None else None
    answers: dict[str, Any] = {}
    if form_id is not None:
        answers = form_answers(
            service.form(form_id).json_schema(),
            _read_answers(answers_file),
            summary=summary,
            held_on=(row.held_on if row is not None else None) or day,
            themes=themes,
            agreements=parsed,
        )
    elif answers_file is not None:
        raise click.UsageError(
            f"conversation kind {row.kind if row else '?'!r} has no record form: "
            "leave out --answers"
        )
    draft = DraftRecord(
        actor=actor, summary=summary, agreements=parsed, themes=themes, answers=answers
    )
    # Marks an open conversation held (on --held-on or today) in the same transaction.
    conv = service.record(conversation, draft, held_on=held_on)
    _recorded(conv, as_json)


def _recorded(conv: Any, as_json: bool) -> None:
    count = len(conv.agreements)
    _show(
        conv,
        as_json,
        f"Recorded revision {conv.revision} of {conv.id} with {count} "
        f"{'agreement' if count == 1 else 'agreements'}; each participant now confirms it "
        f"(magcore agree {conv.id} --as PERSON).",
    )


def _preparation_schema(service: Any, conversation: str, actor: str) -> Mapping[str, Any] | None:
    """The JSON Schema of the preparation form of *actor*'s own *conversation* (from the read
    model: no content is read), or ``None`` (no such conversation of theirs, or no form)."""
    row = next(
        (r for r in service.store.conversations(participant=actor) if r.id == conversation), None
    )
    if row is None:
        return None
    form_id = service.cycle(row.cycle).kind(row.kind).preparation_form
    schema: Mapping[str, Any] | None = service.form(form_id).json_schema() if form_id else None
    return schema


def _read_answers(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    from ..errors import InputRefused
    from ..model.input_policy import MAX_JSON_BYTES, load_json, read_limited

    try:
        what = f"--answers {path.name}"
        value = load_json(read_limited(path, MAX_JSON_BYTES, what=what), what=what)
    except OSError as exc:
        message = f"{path} is not a JSON file: {exc}"
        raise click.BadParameter(message, param_hint="--answers") from None
    except InputRefused as exc:
        problems = "; ".join(str(p) for p in exc.problems[:3])
        if any(p.keyword in ("json", "encoding") for p in exc.problems):
            message = f"{path} is not a JSON file: {problems}"
        else:
            message = f"{path} is refused by the input policy: {problems}"
        raise click.BadParameter(message, param_hint="--answers") from None
    if not isinstance(value, dict):
        raise click.BadParameter(
            f'{path} must hold one JSON object, {{"field": answer, ...}}',
            param_hint="--answers",
        )
    return value


def form_answers(
    schema: Mapping[str, Any],
    given: Mapping[str, Any],
    *,
    summary: str,
    held_on: date,
    themes: Sequence[str],
    agreements: Sequence[Any],
) -> dict[str, Any]:
    """The answers to a record form: *given*, plus the command-line flags for fields of the
    same name (``summary``, ``held_on``, ``themes``, ``agreements``) that *given* leaves out.

    Why: a cycle's record form may require a summary or the day it was held; the flags the
    user already typed should fill those, not fail with "fill in the summary".
    """
    properties = schema.get("properties") or {}
    answers = dict(given)

    def offer(name: str, value: Any) -> None:
        if name in properties and name not in answers and value not in ("", (), []):
            answers[name] = value

    offer("summary", summary)
    if (properties.get("held_on") or {}).get("format") == "date":
        offer("held_on", held_on.isoformat())
    offer("themes", list(themes))
    items = (properties.get("agreements") or {}).get("items") or {}
    fields = set(items.get("properties") or ()) if isinstance(items, Mapping) else set()
    if {"text", "owner"} <= fields:
        offer(
            "agreements",
            [
                {
                    k: v
                    for k, v in {
                        "text": a.text,
                        "owner": a.owner.value,
                        "due": a.due.isoformat() if a.due else None,
                        "theme": a.theme,
                    }.items()
                    if k in fields and v is not None
                }
                for a in agreements
            ],
        )
    return answers


@click.command()
@click.argument("conversation", type=ID)
@actor_option
@json_option
def agree(conversation: str, actor: str, as_json: bool) -> None:
    """Confirm the current record of CONVERSATION as what was agreed."""
    from ..domain.conversation import ConfirmRecord, State

    service = get_app().service()
    conv = service.view(conversation, actor=actor)
    if conv.revision is None or conv.state is None:
        raise TransitionError(
            conversation_id=conv.id,
            state=conv.state.value if conv.state is not None else "unknown",
            action="confirm",
            reason="there is no record yet (magcore record first)",
        )
    conv = service.execute(conversation, ConfirmRecord(actor=actor, revision=conv.revision))
    waiting = sorted(set(conv.people) - conv.confirmed_by)
    if conv.state is State.AGREED:
        message = f"Everyone confirmed {conv.id}: the record is agreed."
    else:
        message = f"{actor} confirmed {conv.id}; still to confirm: {', '.join(waiting)}."
    _show(conv, as_json, message)


@click.command()
@click.argument("conversation", type=ID)
@click.argument("text", type=TEXT)
@actor_option
@json_option
def dissent(conversation: str, text: str, actor: str, as_json: bool) -> None:
    """Add TEXT as a note of disagreement to the record of CONVERSATION.

    A dissent never blocks and is never erased; it stays next to the record.
    """
    from ..domain.conversation import AddDissent

    service = get_app().service()
    conv = service.execute(conversation, AddDissent(actor=actor, text=text))
    _show(conv, as_json, f"Added {actor}'s note of disagreement to {conv.id}.")
