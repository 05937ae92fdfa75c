"""The demo's profiles: "last time you wrote", and a manager's team overview by choice.

When the demoed cycle has a kind that declares a profile (:mod:`magcore.model.profiles`),
every other employee chooses at the start of the year to show their profile to their manager
for the team overview (``profile`` for ``profile_overview``). After the year the demo writes,
through the service (decided and audited like every read):

* ``profile-last-time.json``: one employee's later conversation with what they wrote last time
  as they see it, and whether the manager of that conversation sees it too (and why);
* ``profile-overview.json``: one manager's overview: only the people who chose to show their
  profile, in order of id, each with what they last wrote. No count, no score, no ranking.

Nothing here knows the plugin's name.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .._private_files import write_private
from ..access.profiles import PROFILE_OVERVIEW, ProfileView
from ..domain.sharing import WHAT_PROFILE, GrantSharing
from ..model.cycle import ParticipantRole
from .base import _Run

__all__ = ["finish_profiles", "start_profiles"]

_NOTE = {
    "nl": "Alleen medewerkers die zelf kozen om hun profiel aan hun leidinggevende te laten "
    "zien, staan in dit overzicht. Het zijn hun eigen woorden: geen score, geen niveau, geen "
    "rangorde. Elke keer dat iemand dit leest, staat in het logboek.",
    "en": "Only employees who chose to show their profile to their manager are in this "
    "overview. These are their own words: no score, no level, no ranking. Every read is in the "
    "audit log.",
}


def _has_profile(run: _Run) -> bool:
    return any(k.profile is not None for k in run.cycle.kinds)


def start_profiles(run: _Run) -> list[str]:
    """Every other employee with a manager chooses to show their profile for the team overview;
    returns who chose (nothing when the cycle carries no profile)."""
    if not _has_profile(run):
        return []
    org = run.service.organisation(run.org_id)
    today = run.clock.now().date()
    chose = []
    for index, person in enumerate(
        p for p in sorted(org.people) if org.manager_of(p, today) not in (None, p)
    ):
        if index % 2:
            continue
        run.service.share(
            GrantSharing(
                actor=person,
                person=person,
                to="next_manager",
                what=WHAT_PROFILE,
                purpose=PROFILE_OVERVIEW,
            )
        )
        chose.append(person)
    return chose


def _shown(view: ProfileView) -> dict[str, Any]:
    return {
        "person": view.person,
        "written_in": view.origin,
        "written_on": view.written_on.isoformat() if view.written_on else None,
        "answers": view.prefill(),
    }


def finish_profiles(
    run: _Run, chose: list[str], out: Path
) -> tuple[dict[str, Path], dict[str, Any]]:
    """Write the two profile files (see the module docstring) and a summary without content."""
    if not _has_profile(run):
        return {}, {}
    service = run.service
    # who manages whom decides who may see what: the installation's organisation
    service.use_organisation(run.org_id)
    kinds = {k.id for k in run.cycle.kinds if k.profile is not None}
    files: dict[str, Path] = {}
    shown_again = 0
    example: dict[str, Any] | None = None
    for row in sorted(service.store.conversations(), key=lambda r: r.id):
        if row.kind not in kinds or row.subject is None:
            continue
        mine = service.profile(row.id, actor=row.subject)
        if not mine.shown:
            continue
        shown_again += 1
        if example is None or not example["manager"]["sees_it"]:
            conv = service._load(row.id)
            others = [p.person for p in conv.participants if p.role == ParticipantRole.MANAGER]
            manager = service.profile(row.id, actor=others[0]) if others else None
            example = {
                "conversation": row.id,
                "kind": row.kind,
                "last_time": _shown(mine),
                "manager": {
                    "person": manager.viewer if manager is not None else None,
                    "sees_it": manager is not None and manager.shown,
                    "why": manager.decisions[0][1].reason
                    if manager is not None and manager.decisions
                    else None,
                },
            }
    if example is not None:
        files["profile_last_time"] = out / "profile-last-time.json"
        write_private(  # a person's answers: for the one who ran the demo only
            files["profile_last_time"], json.dumps(example, indent=2, ensure_ascii=False) + "\n"
        )
    overview_people = 0
    org = service.organisation(run.org_id)
    today = run.clock.now().date()
    teams: dict[str, int] = {}
    for person in chose:
        boss = org.manager_of(person, today)
        if boss is not None:
            teams[boss] = teams.get(boss, 0) + 1
    if teams:
        # the manager with the most people who chose (the demo shows a full overview)
        boss = min(teams, key=lambda m: (-teams[m], m))
        overview = service.profile_overview(actor=boss, cycle=run.cycle.id)
        overview_people = len(overview)
        files["profile_overview"] = out / "profile-overview.json"
        write_private(
            files["profile_overview"],
            json.dumps(
                {
                    "manager": overview.viewer,
                    "purpose": overview.purpose,
                    "profile": overview.profile,
                    "note": _NOTE,
                    "people": [_shown(entry) for entry in overview],
                },
                indent=2,
                ensure_ascii=False,
            )
            + "\n",
        )
    summary = {
        "chose_to_show_profile": len(chose),
        "conversations_showing_last_time": shown_again,
        "people_in_one_overview": overview_people,
    }
    return files, summary
