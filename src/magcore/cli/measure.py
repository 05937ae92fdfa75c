"""``magcore measure``: anonymous team measurements (open a round, answer, close, compare).

Thin over :mod:`magcore.app.measurement`: who may answer comes from the organisation in the
store, never from an option; the codes to hand out are written once to a file the operator
gives out and deletes; the comparison shows no number below the minimum group size.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from ._common import ID, MIN_GROUP, get_app, json_option, language_option
from ._output import emit_json, say

__all__ = ["measure"]


@click.group()
def measure() -> None:
    """Anonymous team measurements: a baseline and follow-ups, counted, never per person."""


@measure.command("open")
@click.option("--series", required=True, type=ID, help="The series the rounds belong to.")
@click.option("--unit", required=True, type=ID, help="The team whose members take part.")
@click.option("--below", is_flag=True, help="Include the members of every team under it.")
@click.option(
    "--phase",
    type=click.Choice(["baseline", "follow_up"]),
    required=True,
    help="The first measurement (baseline) or a later one (follow_up).",
)
@click.option(
    "--questionnaire", required=True, type=ID, help="The id of an installed questionnaire."
)
@click.option("--round", "round_id", type=ID, default=None, help="The round's id (optional).")
@click.option("--label", default=None, help="How people call this round ('0-meting').")
@click.option(
    "--min-group",
    "k",
    type=MIN_GROUP,
    default=None,
    help="The minimum group size: the regulation's (5) or higher, never lower.",
)
@click.option(
    "--codes",
    "codes",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="New file for the one-time codes (one line per person): hand them out, then delete it.",
)
@click.option("--as", "actor", required=True, type=ID, metavar="PERSON", help="Who opens it.")
@json_option
def open_(
    series: str,
    unit: str,
    below: bool,
    phase: str,
    questionnaire: str,
    round_id: str | None,
    label: str | None,
    k: int | None,
    codes: Path,
    actor: str,
    as_json: bool,
) -> None:
    """Open a round for the people the organisation has in UNIT today (never fewer than k)."""
    from ..app.measurement import open_round

    if codes.exists():
        raise click.BadParameter(f"{codes} exists; choose a new file", param_hint="--codes")
    app = get_app()
    opened = open_round(
        app.service(),
        series=series,
        unit=unit,
        below=below,
        phase=phase,
        questionnaire=questionnaire,
        actor=actor,
        round_id=round_id,
        label=label,
        k=k,
        organisation=app.config.organisation,
    )
    descriptor = os.open(codes, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        for handout in opened.handouts:
            out.write(f"{handout.person},{handout.token}\n")
    result = {
        "round": opened.round.id,
        "series": series,
        "unit": unit,
        "eligible": opened.round.eligible,
        "k": opened.round.k,
        "codes": str(codes),
    }
    if as_json:
        emit_json(result)
        return
    say(
        f"Opened round {opened.round.id} for {opened.round.eligible} people in {unit}. "
        f"Their codes are in {codes}: give each person their own code, then delete the file."
    )


@measure.command("answer")
@click.argument("round_id", type=ID)
@click.option(
    "--token",
    prompt="Code",
    hide_input=True,
    help="The one-time code (asked for, unseen, when left out: keeps it out of the history).",
)
@click.option(
    "--answers",
    required=True,
    help='The answers as JSON, e.g. \'{"help-when-busy": "often"}\', or @FILE.',
)
def answer_(round_id: str, token: str, answers: str) -> None:
    """Answer a round with a one-time code (nothing about who answered is kept)."""
    from ..app.measurement import answer
    from ..model.input_policy import MAX_JSON_BYTES, load_json, read_limited

    what = "measurement answers"
    if answers.startswith("@"):
        try:
            raw: str | bytes = read_limited(answers[1:], MAX_JSON_BYTES, what=f"--answers {what}")
        except OSError as exc:
            raise click.BadParameter(
                f"cannot read {answers[1:]}: {exc}", param_hint="--answers"
            ) from None
    else:
        raw = answers
    data: Any = load_json(raw, pointer="/answers", what=what)
    answer(get_app().service(), round_id, token, data)
    say("Thank you: your answers are counted. / Bedankt: je antwoorden zijn geteld.")


@measure.command("close")
@click.argument("round_id", type=ID)
@click.option("--as", "actor", required=True, type=ID, metavar="PERSON", help="Who closes it.")
@json_option
def close_(round_id: str, actor: str, as_json: bool) -> None:
    """Close a round: unused codes stop working; below k answers nothing is ever shown."""
    from ..app.measurement import close_round

    closed = close_round(get_app().service(), round_id, actor=actor)
    if as_json:
        emit_json({"round": closed.id, "respondents": closed.respondents})
        return
    if closed.respondents is None:
        say(f"Closed round {closed.id}: fewer than {closed.k} people answered; nothing is shown.")
    else:
        say(f"Closed round {closed.id}: {closed.respondents} people answered.")


@measure.command("compare")
@click.argument("series", type=ID)
@click.option(
    "--min-group",
    "k",
    type=MIN_GROUP,
    default=None,
    help="The minimum group size: the regulation's (5) or higher, never lower.",
)
@click.option("--as", "asker", required=True, type=ID, metavar="PERSON", help="Who asks.")
@click.option(
    "--html",
    "html_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the report page here (with the plot beside it, if matplotlib is there).",
)
@language_option()
@json_option
def compare_(
    series: str,
    k: int | None,
    asker: str,
    html_file: Path | None,
    language: str,
    as_json: bool,
) -> None:
    """The closed rounds of SERIES side by side: counts only, none below the group size."""
    from ..access.measurement_html import comparison_html, comparison_plot, comparison_text
    from ..access.statistics import MinimumGroupError
    from ..app.measurement import comparison
    from ..extras import missing

    try:
        result = comparison(get_app().service(), series, asker=asker, k=k)
    except MinimumGroupError as exc:
        raise click.BadParameter(str(exc), param_hint="--min-group") from None
    if html_file is not None:
        image = None
        if not missing("plots"):
            image = comparison_plot(result, html_file.with_suffix(".png"), language).name
        html_file.write_text(comparison_html(result, language, image=image), encoding="utf-8")
    if as_json:
        emit_json(result.to_json())
        return
    for line in comparison_text(result, language):
        say(line)
