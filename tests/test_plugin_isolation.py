"""Broken plugins, loaded through (faked) entry points: each fails on its own, the rest works."""

from __future__ import annotations

import importlib.metadata
from datetime import UTC, datetime
from typing import Any

import pytest

from magcore import FixedClock, Participant, Service, get_plugin_manager, open_service
from magcore.app.workflows import contributed_workflows
from magcore.errors import (
    DefinitionError,
    PluginError,
    ScoringNotAllowedError,
    StorageError,
)
from magcore.plugins import PluginHost
from magcore.testing import approve_cycle, generate_organisation
from tests.plugins import good

SAMPLES = {
    "magcore-good": "tests.plugins.good",
    "magcore-import-error": "tests.plugins.import_error",
    "magcore-raises": "tests.plugins.raises_in_hook",
    "magcore-wrong-return": "tests.plugins.wrong_return",
    "magcore-adds-score": "tests.plugins.adds_score",
    "magcore-typo": "tests.plugins.typo_hook",
}


@pytest.fixture
def installed(monkeypatch):
    """Pretend that exactly the named sample distributions are installed."""

    def install(*names: str) -> None:
        points = [
            importlib.metadata.EntryPoint(name=name, value=SAMPLES[name], group="magcore")
            for name in names
        ]

        def entry_points(**params: Any) -> list[importlib.metadata.EntryPoint]:
            assert params == {"group": "magcore"}
            return points

        monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)

    monkeypatch.delenv("MAGCORE_DISABLE_PLUGINS", raising=False)
    monkeypatch.delenv("MAGCORE_LOAD_PLUGINS", raising=False)
    good.BATCHES.clear()
    return install


def _assert_system_works(host: PluginHost) -> Service:
    """The good plugin still contributes and observes; the store still stores."""
    assert "good-cycle@1" in {c.key for c in host.hooks.cycles()}
    clock = FixedClock(datetime(2025, 1, 6, 9, tzinfo=UTC))
    svc = open_service("memory://", clock=clock, host=host, dispatch="sync")
    org = generate_organisation(people=12, teams=2, self_steering_share=0)
    svc.import_organisation(org, actor="hr")
    approve_cycle(svc, "good-cycle")
    day = clock.now().date()
    employee = next(p for p in sorted(org.people) if org.manager_of(p, day) not in (None, p))
    manager = org.manager_of(employee, day)
    svc.request(
        cycle="good-cycle",
        kind="talk",
        participants=[Participant(employee, "employee"), Participant(manager, "manager")],
        actor=employee,
        conversation_id="c1",
    )
    assert svc._load("c1").kind == "talk"
    assert good.BATCHES[-1] == 1
    return svc


def test_an_import_error_names_the_distribution_and_the_rest_loads(installed) -> None:
    """A plugin that cannot be imported is a load problem; the good one is loaded and works."""
    installed("magcore-good", "magcore-import-error")
    host = get_plugin_manager()
    (problem,) = host.load_problems
    assert isinstance(problem, PluginError)
    assert (problem.distribution, problem.hook) == ("magcore-import-error", None)
    assert isinstance(problem.__cause__, ModuleNotFoundError)
    assert "magcore_dependency_that_does_not_exist" in str(problem)
    assert [i.name for i in host.plugins(include_builtin=False)] == ["magcore-good"]
    _assert_system_works(host)


def test_strict_loading_raises_every_problem_at_once(installed) -> None:
    """strict=True turns the load problems into one ExceptionGroup of PluginErrors."""
    installed("magcore-good", "magcore-import-error", "magcore-typo")
    with pytest.raises(ExceptionGroup) as info:
        get_plugin_manager(strict=True)
    assert {e.distribution for e in info.value.exceptions} == {
        "magcore-import-error",
        "magcore-typo",
    }


def test_a_misspelt_hook_drops_only_that_plugin(installed) -> None:
    """An unknown hook name is a PluginError naming the plugin; it is not registered."""
    installed("magcore-good", "magcore-typo")
    host = get_plugin_manager()
    (problem,) = host.load_problems
    assert problem.distribution == "magcore-typo"
    assert "magcore_register_cylces" in str(problem)
    _assert_system_works(host)


def test_an_exception_in_a_contribution_hook_is_isolated(installed) -> None:
    """A crashing hook is a PluginError with hook name and cause; other plugins contribute."""
    installed("magcore-good", "magcore-raises")
    host = get_plugin_manager()
    cycles = host.hooks.cycles()
    (problem,) = cycles.problems
    assert (problem.distribution, problem.hook) == ("magcore-raises", "magcore_register_cycles")
    assert isinstance(problem.__cause__, RuntimeError)
    assert [c.id for c in cycles] == ["good-cycle"]


def test_a_crashing_observer_cannot_undo_a_commit_or_silence_others(installed) -> None:
    """The batch stays stored, the good observer hears it, the failure is recorded."""
    installed("magcore-good", "magcore-raises")
    svc = _assert_system_works(get_plugin_manager())
    failures = [f for f in svc.plugin_failures if f.hook == "magcore_events_committed"]
    assert failures
    assert {f.distribution for f in failures} == {"magcore-raises"}
    assert all(isinstance(f.__cause__, RuntimeError) for f in failures)
    assert svc.store.version("conversation:c1") == 1


def test_wrong_return_types_are_plugin_errors(installed) -> None:
    """A non-cycle, a non-theme, a non-list of problems, a non-store: each a named PluginError."""
    installed("magcore-good", "magcore-wrong-return")
    host = get_plugin_manager()
    (cycle_problem,) = host.hooks.cycles().problems
    assert cycle_problem.distribution == "magcore-wrong-return"
    assert isinstance(cycle_problem.__cause__, DefinitionError)
    assert "int" in str(cycle_problem)
    (theme_problem,) = host.hooks.themes().problems
    assert theme_problem.hook == "magcore_register_themes"
    assert [t.id for t in host.hooks.themes()] == ["good-theme"]
    with pytest.raises(PluginError) as info:
        host.hooks.check_record({}, None, None)
    assert (info.value.distribution, info.value.hook) == (
        "magcore-wrong-return",
        "magcore_check_record",
    )
    with pytest.raises(PluginError) as info:
        host.hooks.open_store("wrong://x")
    assert (info.value.distribution, info.value.hook) == (
        "magcore-wrong-return",
        "magcore_open_store",
    )
    _assert_system_works(host)


def test_a_cycle_that_adds_a_score_is_refused_with_the_scoring_error_as_cause(installed) -> None:
    """The PluginError's cause is ScoringNotAllowedError; nothing from that call is kept."""
    installed("magcore-good", "magcore-adds-score")
    host = get_plugin_manager()
    cycles = host.hooks.cycles()
    (problem,) = cycles.problems
    assert problem.distribution == "magcore-adds-score"
    assert isinstance(problem.__cause__, ScoringNotAllowedError)
    assert problem.__cause__.field == "/kinds/0/id"
    assert {c.id for c in cycles} == {"good-cycle"}  # "fine-cycle" from the same call is dropped
    _assert_system_works(host)


def test_a_form_that_adds_a_score_is_refused(installed) -> None:
    """A number without a unit reads as a scale: ScoringNotAllowedError inside a PluginError."""
    installed("magcore-good", "magcore-adds-score")
    forms = get_plugin_manager().hooks.forms()
    assert list(forms) == []
    (problem,) = forms.problems
    assert problem.hook == "magcore_register_forms"
    assert isinstance(problem.__cause__, ScoringNotAllowedError)
    assert "performance" in problem.__cause__.field


def test_a_workflow_that_reads_a_score_is_refused(installed) -> None:
    """A condition on a score is a ScoringNotAllowedError inside a PluginError."""
    installed("magcore-good", "magcore-adds-score")
    workflows, problems = contributed_workflows(get_plugin_manager())
    assert workflows == ()
    (problem,) = problems
    assert isinstance(problem.__cause__, ScoringNotAllowedError)


def test_magcore_disable_plugins_switches_a_plugin_off_by_name(installed, monkeypatch) -> None:
    """MAGCORE_DISABLE_PLUGINS names distributions that are installed but not loaded."""
    installed("magcore-good", "magcore-raises")
    monkeypatch.setenv("MAGCORE_DISABLE_PLUGINS", "magcore-raises, magcore-adds-score")
    host = get_plugin_manager()
    assert [i.name for i in host.plugins(include_builtin=False)] == ["magcore-good"]
    assert host.hooks.cycles().problems == ()
    monkeypatch.setenv("MAGCORE_DISABLE_PLUGINS", "magcore-good,magcore-raises")
    host = get_plugin_manager()
    assert host.plugins(include_builtin=False) == []
    assert len(host.hooks.cycles()) == 0


def test_magcore_disable_plugins_also_switches_off_a_builtin(installed, monkeypatch) -> None:
    """Built-ins are plugins too: disabling the memory store leaves memory:// unopenable."""
    installed()
    monkeypatch.setenv("MAGCORE_DISABLE_PLUGINS", "magcore.defaults.storage_memory")
    host = get_plugin_manager()
    assert "magcore.defaults.storage_memory" not in [i.name for i in host.plugins()]
    with pytest.raises(StorageError, match="memory"):
        host.hooks.open_store("memory://")
