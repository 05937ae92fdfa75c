"""The plugin author's kit: pytest fixtures, registered(), and the cycle conformance suite."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from magcore import CycleDefinition, FixedClock, Organisation, hookimpl
from magcore.errors import PluginError
from magcore.plugins import PluginHost
from magcore.storage.base import Store
from magcore.testing import CycleDefinitionContract, registered, run_cycle_conformance

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "docs" / "examples" / "cycles").glob("*.json"))


class Contributor:
    """A tiny plugin that contributes one cycle."""

    @hookimpl
    def magcore_register_cycles(self, register) -> None:
        register(CycleDefinition.from_file(EXAMPLES[0]))


def test_fixtures_give_a_clock_an_organisation_and_an_empty_store(
    magcore_clock, magcore_org, magcore_store
) -> None:
    """The fixtures come from the pytest11 entry point, with no set-up in this project."""
    assert isinstance(magcore_clock, FixedClock)
    assert magcore_clock.now().tzinfo is not None
    assert isinstance(magcore_org, Organisation)
    assert len(magcore_org.people) == 60
    assert isinstance(magcore_store, Store)
    assert magcore_store.url.startswith("memory:")
    assert list(magcore_store.streams()) == []


def test_magcore_pm_has_only_the_builtins_by_default(magcore_pm: PluginHost) -> None:
    """Without magcore_plugin the host holds magcore's built-ins and nothing installed."""
    assert magcore_pm.plugins()
    assert all(info.builtin for info in magcore_pm.plugins())
    assert len(magcore_pm.hooks.cycles()) == 0


class TestWithAPluginUnderTest:
    """Overriding magcore_plugin puts exactly that plugin into magcore_pm."""

    @pytest.fixture
    def magcore_plugin(self):
        return Contributor()

    @pytest.fixture
    def magcore_plugin_name(self) -> str:
        return "magcore-contributor"

    def test_the_plugin_contributes(self, magcore_pm: PluginHost) -> None:
        """The host lists the plugin by name and its cycle arrives."""
        names = [info.name for info in magcore_pm.plugins(include_builtin=False)]
        assert names == ["magcore-contributor"]
        assert [c.id for c in magcore_pm.hooks.cycles()] == ["example-yearly"]

    def test_the_service_fixture_knows_the_cycle_and_the_organisation(
        self, magcore_service, magcore_org
    ) -> None:
        """magcore_service uses magcore_pm and has the organisation imported."""
        assert "example-yearly@1" in magcore_service.cycles
        assert magcore_service.organisation(magcore_org.id) == magcore_org


def test_registered_adds_and_removes_a_plugin(magcore_pm: PluginHost) -> None:
    """Inside the block the plugin contributes; after it, it is gone, even after an error."""
    plugin = Contributor()
    seen: list[int] = []

    def use() -> None:
        with registered(magcore_pm, plugin, "temporary"):
            seen.append(len(magcore_pm.hooks.cycles()))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        use()
    assert seen == [1]
    assert len(magcore_pm.hooks.cycles()) == 0
    assert not magcore_pm.pm.is_registered(plugin)


def test_registered_refuses_a_plugin_with_an_unknown_hook(magcore_pm: PluginHost) -> None:
    """A misspelt hook is a PluginError naming the plugin, and nothing stays registered."""

    class Typo:
        @hookimpl
        def magcore_register_cycle(self, register) -> None:  # missing "s"
            register(None)

    with pytest.raises(PluginError, match="typo"), registered(magcore_pm, Typo(), "typo"):
        pass
    assert "typo" not in [info.name for info in magcore_pm.plugins()]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_cycle_passes_conformance(path: Path) -> None:
    """Each example definition in docs/examples runs every path it allows."""
    definition = CycleDefinition.from_file(path)
    report = run_cycle_conformance(definition)
    for kind in definition.kinds:
        assert sum(p.startswith(f"{kind.id}: requested by") for p in report.paths) == len(
            kind.initiators
        )
    assert all(count > 0 for kind, count in report.planned if kind)


def test_a_return_after_a_long_absence_passes_conformance() -> None:
    """A kind started by ``returned`` with ``min_absent_days`` (the return example of
    writing-plugins.md): the kit tells the plan a return after an absence that long, so the
    plan obliges a conversation (before, it told one of unknown length and found none)."""
    definition = CycleDefinition.from_json(
        {
            "id": "example-changes",
            "version": 1,
            "name": {"nl": "Terugkeer", "en": "Return"},
            "kinds": [
                {
                    "id": "return",
                    "name": {"nl": "Terugkeergesprek", "en": "Return conversation"},
                    "pattern": "employee_manager",
                    "cadence": {
                        "kind": "on_event",
                        "event": "returned",
                        "min_absent_days": 28,
                        "window_days": 14,
                    },
                    "initiators": ["employee", "manager"],
                    "preparers": ["employee"],
                }
            ],
        }
    )
    report = run_cycle_conformance(definition)
    assert report.planned == (("return", 1),)


def test_conformance_fails_naming_the_kind_when_the_plan_is_empty(monkeypatch) -> None:
    """If the cadence obliges but nobody is planned, the failure names the kind and the period."""
    import magcore.testing.conformance as conformance
    from magcore.testing import generate_organisation

    data = CycleDefinition.from_file(EXAMPLES[0]).to_json()
    data["kinds"][0].update(
        applies_to="self_steering", pattern="peer", initiators=["employee"], preparers=["employee"]
    )
    definition = CycleDefinition.from_json(data)
    run_cycle_conformance(definition)  # passes with self-steering teams in the organisation
    monkeypatch.setattr(
        conformance,
        "_org",
        lambda _definition: generate_organisation(people=40, teams=3, self_steering_share=0),
    )
    with pytest.raises(AssertionError, match=r"yearly: planning 2026-01-01\.\.2027-01-01"):
        run_cycle_conformance(definition)


class TestExampleYearlyContract(CycleDefinitionContract):
    """The contract class runs as a plugin author would use it."""

    @pytest.fixture
    def cycle_definition(self) -> CycleDefinition:
        return CycleDefinition.from_file(EXAMPLES[0])


def test_a_plugin_project_gets_the_fixtures_without_set_up(tmp_path: Path) -> None:
    """A separate project's tests use magcore_pm and the contract with no conftest at all."""
    (tmp_path / "test_mine.py").write_text(
        textwrap.dedent(
            f"""
            import pytest
            from magcore import CycleDefinition, hookimpl
            from magcore.testing import CycleDefinitionContract

            PATH = {str(EXAMPLES[0])!r}

            class Mine:
                @hookimpl
                def magcore_register_cycles(self, register):
                    register(CycleDefinition.from_file(PATH))

            @pytest.fixture
            def magcore_plugin():
                return Mine()

            def test_mine(magcore_pm):
                assert [c.id for c in magcore_pm.hooks.cycles()] == ["example-yearly"]

            class TestContract(CycleDefinitionContract):
                @pytest.fixture
                def cycle_definition(self):
                    return CycleDefinition.from_file(PATH)
            """
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout
