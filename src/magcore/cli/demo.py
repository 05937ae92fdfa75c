"""``magcore demo``: a year of conversations on a generated organisation, written to a folder."""

from __future__ import annotations

from pathlib import Path

import click

from ._app import DEFAULT_CONFIG
from ._common import ID, get_app, json_option
from ._output import Steps, emit_json, say

__all__ = ["demo"]


@click.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("magcore-demo"),
    show_default=True,
    help="The folder to write to (empty, or an earlier demo's folder, which is replaced).",
)
@click.option(
    "--plugin",
    type=ID,
    default="magcore-amsterdam",
    show_default=True,
    help="The installed municipality plugin whose cycle to run ('tilburg' for magcore-tilburg).",
)
@click.option(
    "--seed",
    type=click.IntRange(0, 2**63 - 1),
    default=2025,
    show_default=True,
    help="Same seed, same year.",
)
@click.option(
    "--people", type=click.IntRange(40, 5000), default=300, show_default=True, help="How many."
)
@json_option
def demo(out: Path, plugin: str, seed: int, people: int, as_json: bool) -> None:
    """Run a year of a municipality's cycle on a generated organisation.

    Writes into --out: the participation report (HTML and CSV), one employee's subject-access
    export (JSON and HTML), one filled-in record form (HTML and PDF), the regulation for the
    works council, the SQLite store, a summary, and a magcore.toml naming the store, cycle and
    organisation, for every other command (--config). Needs no settings file.
    """
    from ..demo import run_demo

    app = get_app()
    with Steps("Running a year of conversations", 0, enabled=not as_json) as steps:

        def progress(done: int, total: int) -> None:
            steps.total = total
            steps.advance(done - steps.done)

        result = run_demo(
            out, plugin=plugin, seed=seed, people=people, host=app.host, progress=progress
        )
    store = result.out / "magcore.db"
    settings = _settings_beside(store, str(result.summary["cycle"])) if store.exists() else None
    if as_json:
        emit_json(
            {
                "out": result.out,
                "files": result.files,
                "settings": settings,
                "summary": result.summary,
            }
        )
        return
    s = result.summary
    states = s["conversations_by_state"]
    say(
        f"Ran {s['year']} of {s['cycle']} for {s['people']} people in {s['teams']} teams "
        f"({s['self_steering_teams']} self-steering, without a manager)."
    )
    say(
        f"  {s['conversations_held']} conversations held, {states.get('agreed', 0)} records "
        f"agreed by all who took part, {states.get('not_held', 0)} conversations did not happen."
    )
    if s["due"]:
        say(
            f"  {s['had_a_conversation']} of {s['due']} people due had every conversation due "
            f"({s['participation_rate']:.0%}; {s['conversations_held_of_those_due']} of "
            f"{s['conversations_due']} conversations due were held)."
        )
    else:
        say(
            "  Nobody was obliged to have a conversation of their own: this cycle prompts, "
            "or holds its conversations in teams."
        )
    story = s["story"]
    if story.get("team"):
        seen = story.get("new_manager_sees")
        handed = (
            f"; {story['handover_person']} shared their agreements with them "
            f"(they see {seen['agreements']} agreements and nothing else)"
            if story.get("handover_person") and seen
            else ""
        )
        say(f"  Team {story['team']} got a new manager on {story['manager_change_on']}{handed}.")
    if story.get("sharer"):
        say(f"  {story['sharer']} shared their agreements with an HR adviser for career advice.")
    goals = s["goals_from_records"]
    if goals["goals"]:
        linked = ", ".join(f"{n} to a {what}" for what, n in goals["linked_to"].items())
        say(
            f"  {goals['goals']} personal goals written in records became the employee's "
            f"agreements and goals ({linked})."
        )
    if s["agreements_carried_forward"]["team"]:
        closed = s["team_agreements_closed_from_a_later_team_conversation"]
        say(
            f"  {s['agreements_carried_forward']['team']} team agreements came back in the "
            f"team's next conversation; {closed} were marked done there."
        )
    say(
        f"  Audit log: {s['audit_log']['entries']} lines, "
        f"{'intact' if s['audit_log']['intact'] else 'BROKEN'}."
    )
    say(f"Wrote to {result.out}:")
    for name in sorted(result.files.values()):
        say(f"  {name.name}")
    if store.exists():
        say(
            f"  {store.name} (the demo's store); {store.name}.keys and {store.name}.keys.witness* "
            "(its keys and its audit log's witnessed head: keep them apart from any copy of the "
            "store)"
        )
    if settings is not None:
        say(f"  {settings.name} (its settings: store, cycle and organisation)")
        say(f"Explore it: magcore --config {settings} due --help")


def _settings_beside(store: Path, cycle: str) -> Path:
    """Write a ``magcore.toml`` naming the demo's store, cycle and organisation next to
    *store* (in the demo's own folder, which each run makes anew), so every command works on
    it with ``--config``."""
    from ..demo import DEMO_ORGANISATION
    from ._app import Config

    settings = store.parent / DEFAULT_CONFIG
    config = Config(store=f"sqlite:///{store.name}", cycle=cycle, organisation=DEMO_ORGANISATION)
    settings.write_text(config.to_toml(), encoding="utf-8")
    return settings
