"""The fifteen plugins from the source documents, installed together, do not interfere.

Two variants: a fast one that registers the plugin modules in one plugin manager, and a slow one
(``install``) that installs magcore and each plugin into a fresh virtual environment with pip, as
a municipality would, and loads them through their entry points.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import sysconfig
import textwrap
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

import magcore
from magcore.app.workflows import contributed_workflows
from magcore.forms import FormDefinition
from magcore.testing import approve_cycle, generate_organisation
from tests.support.tools import require

ROOT = Path(__file__).resolve().parent.parent
NAMES = (
    "tilburg",
    "krimpen",
    "waalwijk",
    "centraal-gelderland",
    "rijswijk",
    "vitality",
    "vakmanschap",
    "midden-groningen",
    "wethouder",
    "dordrecht",
    "hybrido",
    "vnog",
    "dinkelland",
    "swop",
    "vlaardingen",
)
DISTRIBUTIONS = tuple(f"magcore-{name}" for name in NAMES)
YEAR = (date(2025, 1, 1), date(2026, 1, 1))


def _modules() -> list[tuple[str, object]]:
    plugins = []
    for name in NAMES:
        module = f"magcore_{name.replace('-', '_')}.plugin"
        try:
            plugins.append((f"magcore-{name}", importlib.import_module(module).plugin))
        except ImportError:  # pragma: no cover - only when a plugin is not installed
            require(f"magcore-{name} is not installed (make venv installs every plugin)")
    return plugins


@pytest.fixture(scope="module")
def host() -> magcore.PluginHost:
    return magcore.get_plugin_manager(load_entry_points=False, extra=_modules())


def test_every_cycle_arrives_once_and_nothing_is_refused(host: magcore.PluginHost) -> None:
    """Every plugin, one cycle each with distinct ids, no plugin problems."""
    assert host.load_problems == ()
    cycles = host.hooks.cycles()
    assert cycles.problems == ()
    assert set(cycles.by_plugin()) == set(DISTRIBUTIONS)
    ids = [c.id for c in cycles]
    assert len(ids) == len(set(ids)) == len(NAMES)


def test_theme_form_and_workflow_ids_never_collide(host: magcore.PluginHost) -> None:
    """Each theme, form and workflow id comes from exactly one plugin."""
    themes = host.hooks.themes()
    assert themes.problems == ()
    theme_ids = Counter(t.id for t in themes)
    assert [i for i, n in theme_ids.items() if n > 1] == []
    forms = host.hooks.contributions(
        "magcore_register_forms", lambda item, name: FormDefinition.from_json(item, source=name)
    )
    assert forms.problems == ()
    form_ids = Counter(f.id for f in forms)
    assert [i for i, n in form_ids.items() if n > 1] == []
    named = {
        form
        for cycle in host.hooks.cycles()
        for kind in cycle.kinds
        for form in (kind.preparation_form, kind.record_form)
        if form
    }
    assert named <= set(form_ids)
    workflows, problems = contributed_workflows(host)
    assert problems == ()
    assert len({w.id for w in workflows}) == len(workflows)


def test_the_vocabulary_of_one_municipality_is_the_only_change_to_the_catalogue(
    host: magcore.PluginHost,
) -> None:
    """Messages from Waalwijk and Rijswijk and Midden-Groningen's words all arrive together."""
    catalogue, problems = host.hooks.catalogue()
    assert problems == ()
    assert catalogue.term("customer", "nl") == "inwoner"
    assert "waalwijk.coach_observations_need_consent" in catalogue
    assert "rijswijk.goal_value_not_discussed" in catalogue


def test_one_service_holds_and_plans_every_cycle(tmp_path: Path, host: magcore.PluginHost) -> None:
    """One service holds every cycle, and each whose cadence obliges plans a non-empty year on
    one organisation."""
    clock = magcore.FixedClock(datetime(2025, 1, 1, tzinfo=UTC))
    svc = magcore.open_service(f"sqlite:///{tmp_path / 'all.db'}", clock=clock, host=host)
    org = generate_organisation(people=60, teams=6, seed=3, self_steering_share=0.34)
    svc.import_organisation(org, actor="hr")
    planned = {}
    for definition in host.hooks.cycles():
        assert svc.cycle(definition.id) == definition
        planned[definition.id] = svc.plan(org.id, definition.id, *YEAR)
    obliged = {
        d.id
        for d in host.hooks.cycles()
        if any(k.cadence.kind.value != "free" or k.cadence.quiet_days for k in d.kinds)
    }
    assert obliged
    assert all(planned[cycle] for cycle in obliged)
    assert {d.kind for d in planned["krimpen-gesprek-3"]} == {
        "peer-conversation",
        "team-evaluation",
    }
    assert all(d.prompt_only for d in planned["tilburg-continuous-dialogue"])
    svc.close()


def test_check_rules_only_look_at_their_own_cycle(host: magcore.PluginHost) -> None:
    """Rijswijk's goal rule and Waalwijk's consent rule ignore each other's conversations."""
    svc = magcore.open_service("memory://", host=host)
    org = generate_organisation(people=20, teams=2, seed=5, coaches=1)
    svc.import_organisation(org, actor="hr")
    for definition in host.hooks.cycles():
        approve_cycle(svc, definition)
    day = YEAR[0]
    person = next(p for p in org.people if org.manager_of(p, day) and p not in org.coaches(day))
    rijswijk = svc.cycle("rijswijk-growth-matrix")
    waalwijk = svc.cycle("waalwijk-stress-triangle")
    one_to_one = svc.request(
        cycle=rijswijk,
        kind="one-to-one",
        participants=svc.participants_for(org.id, rijswijk, "one-to-one", person, on=day),
        actor=person,
    )
    triangle = svc.request(
        cycle=waalwijk,
        kind="stress-triangle",
        participants=svc.participants_for(
            org.id, waalwijk, "stress-triangle", person, on=day, coach=org.coaches(day)[0]
        ),
        actor=person,
    )
    # The check hooks see the raw state (they run inside the library, before anything is kept).
    one_to_one, triangle = svc._load(one_to_one.id), svc._load(triangle.id)
    goal_record = {"values_discussed": [], "personal_goals": [{"value": "x", "goal": "y"}]}
    coach_record = {"in_the_work": "x", "coach_observations": "y"}
    assert [p.keyword for p in host.hooks.check_record(goal_record, None, one_to_one)] == [
        "rijswijk.goal_value_not_discussed"
    ]
    assert host.hooks.check_record(goal_record, None, triangle) == []
    assert [p.keyword for p in host.hooks.check_record(coach_record, None, triangle)] == [
        "waalwijk.coach_observations_need_consent"
    ]
    assert host.hooks.check_record(coach_record, None, one_to_one) == []


@pytest.mark.parametrize("name", NAMES)
def test_the_conformance_kit_passes_for_each_cycle_with_every_plugin_installed(name: str) -> None:
    """magcore's conformance kit runs every kind of each plugin's cycle through its paths while
    all the other plugins (their forms, check rules, vocabulary) are installed next to it."""
    from magcore.testing.conformance import run_cycle_conformance

    plugins = _modules()
    host = magcore.get_plugin_manager(load_entry_points=False, extra=plugins)
    (cycle,) = host.hooks.cycles().by_plugin()[f"magcore-{name}"]
    report = run_cycle_conformance(cycle, plugins=plugins)
    for kind in cycle.kinds:
        assert any(path.startswith(f"{kind.id}: requested by") for path in report.paths)
        assert f"{kind.id}: requested → cancelled" in report.paths


# -- installed with pip, as a municipality would ---------------------------------------------

_CHECK = textwrap.dedent(
    """
    import importlib.metadata, json, sys
    from magcore import get_plugin_manager
    wanted = set(sys.argv[1].split(","))
    found = {ep.name for ep in importlib.metadata.entry_points(group="magcore")}
    host = get_plugin_manager(only=wanted, strict=True)
    cycles = host.hooks.cycles()
    print(json.dumps({
        "entry_points": sorted(found),
        "cycles": sorted(c.key for c in cycles),
        "problems": [str(p) for p in cycles.problems],
    }))
    """
)


def _dependencies_without_magcore(target: Path) -> Path:
    """A folder linking every installed package of this environment except magcore's own."""
    site = Path(sysconfig.get_paths()["purelib"])
    target.mkdir()
    for entry in site.iterdir():
        if "magcore" in entry.name.lower() or entry.suffix == ".pth":
            continue
        (target / entry.name).symlink_to(entry)
    return target


@pytest.mark.install
@pytest.mark.slow
def test_each_plugin_installs_next_to_the_core_and_all_load_together(tmp_path: Path) -> None:
    """pip-install magcore, then each plugin on its own (checked, removed), then all of them."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    deps = _dependencies_without_magcore(tmp_path / "deps")
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(purelib) / "magcore-test-deps.pth").write_text(f"{deps}\n", encoding="utf-8")
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INDEX": "1"}
    env.pop("MAGCORE_LOAD_PLUGINS", None)
    env.pop("MAGCORE_DISABLE_PLUGINS", None)

    def pip(*args: str) -> None:
        subprocess.run(
            [str(python), "-m", "pip", "-q", *args], check=True, env=env, capture_output=True
        )

    def check(names: tuple[str, ...]) -> dict[str, list[str]]:
        out = subprocess.run(
            [str(python), "-c", _CHECK, ",".join(names)],
            check=True,
            env=env,
            capture_output=True,
            text=True,
            cwd=tmp_path,
        ).stdout
        result: dict[str, list[str]] = json.loads(out)
        return result

    pip("install", "--no-deps", "--no-build-isolation", "-e", str(ROOT))
    assert not [n for n in check(())["entry_points"] if n in DISTRIBUTIONS]
    for name in DISTRIBUTIONS:
        pip("install", "--no-deps", "--no-build-isolation", "-e", str(ROOT / "plugins" / name))
        alone = check((name,))
        assert name in alone["entry_points"]
        assert len(alone["cycles"]) == 1
        assert alone["problems"] == []
        pip("uninstall", "-y", name)
    for name in DISTRIBUTIONS:
        pip("install", "--no-deps", "--no-build-isolation", "-e", str(ROOT / "plugins" / name))
    together = check(DISTRIBUTIONS)
    assert set(DISTRIBUTIONS) <= set(together["entry_points"])
    assert len(together["cycles"]) == len(DISTRIBUTIONS)
    assert together["problems"] == []
