"""The demo: a year of a municipality's conversation cycle on a generated organisation.

:func:`run_demo` (and ``magcore demo``) builds an organisation of a few hundred people — teams
with a manager and self-steering teams without one, and a few coaches — and runs one year of an
installed plugin's cycle (Amsterdam's MAG by default) through the real API on an embedded SQLite
store with a fixed clock. Everything it does follows from the cycle definition and the plugin's
forms, never from the plugin's name:

* conversations that a cadence obliges come from the plan; a free cadence's gentle prompts are
  moments to talk that a share of people take up; kinds that are only held on request (no
  cadence) are requested a few times so the demo shows them;
* the participants follow the kind's pattern (employee and manager, two peers, a three-party
  conversation with a coach, or all members of a team), the conversation is started by one of
  the kind's initiators, prepared by its preparers, the record is written by one of its
  recorders, and everyone confirms;
* preparations and records are answers to the kind's forms, varied from the form's own schema
  and checked by the service (the form and every plugin's check hook) — when a check hook
  refuses varied answers, the form's example answers are used;
* most conversations are held and their record confirmed by all, some are recorded on paper
  (when the cycle allows paper), some do not happen, one record gets a note of disagreement,
  one employee shares their agreements with an HR adviser, and a team gets a new manager, to
  whom one employee hands over their agreements (the parts a cycle has no room for are left out,
  and the summary says so).

It then writes, into the output folder: the participation report (groups under five people
suppressed), one person's subject-access export, one filled-in record form as HTML and as PDF,
the regulation for the works council, and a summary; for a plugin that contributes a
questionnaire, also its anonymous team measurement (a baseline in January, a follow-up in
December) as a comparison page in Dutch and English with a plot (:mod:`.measurement`); for a
cycle that carries a profile, what one employee wrote last time as shown in their next
conversation, and one manager's team overview of the people who chose to show theirs
(:mod:`.profiles`). The same seed gives the same folder.
"""

from __future__ import annotations

import heapq
import json
import random
import shutil
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from ..app.service import Service
from ..clock import FixedClock
from ..model.cycle import (
    CycleDefinition,
)
from ..plugins import PluginHost, get_plugin_manager
from ..storage.base import StoreSettings
from .base import (
    DEMO_MARKER,
    SUMMARY_FILE,
    DemoError,
    DemoResult,
    _Run,
)
from .measurement import finish_measurement, measurement_summary, start_measurement
from .organisation import _hires_until, _self_steering_share, _with_hr_adviser
from .outputs import _summary, _write_outputs
from .profiles import finish_profiles, start_profiles
from .story import _plan_year

__all__ = [
    "DEMO_MARKER",
    "DEMO_ORGANISATION",
    "SUMMARY_FILE",
    "DemoError",
    "DemoResult",
    "run_demo",
]

#: The id of the demo's generated organisation (its store's ``magcore.toml`` names it).
DEMO_ORGANISATION = "demo"


def _pick_cycle(host: PluginHost, plugin: str) -> tuple[str, CycleDefinition]:
    """The plugin's full name and its newest cycle; a short name works ('tilburg')."""
    contributed = {name: d for name, d in host.hooks.cycles().by_plugin().items() if d}
    if plugin not in contributed and f"magcore-{plugin}" in contributed:
        plugin = f"magcore-{plugin}"  # 'tilburg' for 'magcore-tilburg'
    if plugin not in contributed:
        import difflib

        installed = ", ".join(sorted(contributed)) or "none"
        close = difflib.get_close_matches(plugin, list(contributed), n=1, cutoff=0.75)
        hint = (
            f"did you mean {close[0]!r}?"
            if close
            else "is it installed? 'magcore plugins' lists what is"
        )
        raise DemoError(
            f"plugin {plugin!r} contributes no cycle: {hint} (plugins with cycles: {installed})"
        )
    return plugin, max(contributed[plugin], key=lambda d: d.version)


def _prepare_out(out: Path) -> None:
    if out.exists():
        if not out.is_dir():
            raise DemoError(f"{out} is a file, not a folder")
        if any(out.iterdir()):
            if not (out / DEMO_MARKER).exists():
                raise DemoError(
                    f"{out} is not empty and holds no earlier demo: choose another --out folder"
                )
            shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / DEMO_MARKER).write_text("made by magcore demo; a next demo may replace it\n")


#: Who records each body's approval in the story, and the decision's reference.
_APPROVERS = {
    "works_council": ("or-secretaris", "OR-{year}-07"),
    "executive": ("hr", "B&W-{year}-112"),
}


def _approve(service: Service, cycle: CycleDefinition, year: int) -> None:
    """The story starts with the regulation approved: the works council consents (WOR art.
    27) in November, the executive decides in December of the year before."""
    for index, body in enumerate(cycle.approvals_required):
        actor, reference = _APPROVERS.get(body, ("hr", "{year}-" + body))
        service.approve_policy(
            cycle,
            body=body,
            reference=reference.format(year=year - 1),
            on=date(year - 1, 11 + min(index, 1), 14),
            actor=actor,
        )


def run_demo(
    out: str | Path,
    *,
    plugin: str = "magcore-amsterdam",
    seed: int = 2025,
    people: int = 300,
    year: int = 2025,
    host: PluginHost | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DemoResult:
    """Run a year of *plugin*'s cycle on a generated organisation and write the results to *out*.

    *out* must be empty, missing, or an earlier demo's folder (which is replaced). *progress*
    is called with (done, total) as the year's steps are run; the total grows as conversations
    that were requested queue their next steps.
    """
    from ..extras import require
    from ..model.parties import roles_to_hold
    from ..testing import generate_organisation

    # Before anything is written: the record form is rendered as HTML and PDF.
    require("pdf", feature="the demo", load=True)
    host = host or get_plugin_manager()
    plugin, cycle = _pick_cycle(host, plugin)
    out = Path(out).resolve()
    _prepare_out(out)
    url = f"sqlite:///{out / 'magcore.db'}"
    store = host.hooks.open_store(url, StoreSettings(create=True))
    clock = FixedClock(datetime(year, 1, 2, 8, 0, tzinfo=UTC))
    ids = iter(range(1, 1_000_000))
    # Named, so every request's parties are checked against the organisation (a party whose
    # people hold an organisation role cannot be taken without one).
    service = Service(
        store,
        host=host,
        clock=clock,
        new_id=lambda: f"c{next(ids):05d}",
        origin="demo",
        organisation=DEMO_ORGANISATION,
    )
    try:
        teams = max(2, people // 15)
        # Two holders of each organisation role the cycle's parties need (an HR adviser...).
        held = dict.fromkeys(roles_to_hold(cycle.kinds), 2)
        org = generate_organisation(
            people=people,
            teams=teams,
            seed=seed,
            start=_hires_until(cycle, year),
            self_steering_share=_self_steering_share(cycle, teams),
            org_id=DEMO_ORGANISATION,
            roles=held,
        )
        org = _with_hr_adviser(org)
        service.import_organisation(org, actor="hr")
        _approve(service, cycle, year)
        run = _Run(
            service=service,
            clock=clock,
            rng=random.Random(seed),
            cycle=cycle,
            org_id=org.id,
            plugin=plugin,
            year=year,
        )
        measured = start_measurement(run)
        chose = start_profiles(run)
        story = _plan_year(run)
        while run.queue:
            moment, _, action = heapq.heappop(run.queue)
            if moment > clock.now():
                clock.set(moment)
            action()
            run.done += 1
            if progress is not None:
                progress(run.done, run.done + len(run.queue))
        measured_files = finish_measurement(run, measured, out) if measured else {}
        clock.set(max(clock.now(), datetime(year + 1, 1, 5, 9, 0, tzinfo=UTC)))
        files = {**_write_outputs(run, out, year, story), **measured_files}
        profile_files, profiles = finish_profiles(run, chose, out)
        files = {**files, **profile_files}
        summary = _summary(run, year, story, files, url)
        summary["measurement"] = measurement_summary(measured, run)
        if profiles:
            summary["profiles"] = profiles
        (out / SUMMARY_FILE).write_text(
            json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        files = {**files, "summary": out / SUMMARY_FILE}
        return DemoResult(out=out, store_url=url, files=files, summary=summary)
    finally:
        service.close()
