"""PackagedPlugin: a plugin made of the data files its package ships, through the ordinary hooks."""

from __future__ import annotations

import copy
import importlib
import importlib.metadata
import itertools
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from magcore import get_plugin_manager
from magcore.app.workflows import load_workflow
from magcore.errors import DefinitionError, PluginError, Problem, ScoringNotAllowedError
from magcore.forms import FormDefinition
from magcore.hookspecs import hookimpl
from magcore.i18n import MessageBundle
from magcore.model.cycle import CycleDefinition
from magcore.packaged import PackagedPlugin
from tests.support.tools import require

_counter = itertools.count()

CYCLE: dict[str, Any] = {
    "id": "town",
    "version": 1,
    "name": {"nl": "Gesprekscyclus Dorp", "en": "Town conversation cycle"},
    "themes": [
        {"id": "work", "title": {"nl": "Werk", "en": "Work"}},
        {
            "id": "wellbeing",
            "title": {"nl": "Welzijn", "en": "Wellbeing"},
            "special_category": True,
        },
    ],
    "kinds": [
        {
            "id": "yearly",
            "name": {"nl": "Jaargesprek", "en": "Yearly conversation"},
            "pattern": "employee_manager",
            "cadence": {"kind": "per_year", "per_year": 1},
            "initiators": ["employee", "manager"],
            "preparers": ["employee", "manager"],
            "themes": ["work", "wellbeing"],
            "applies_to": "with_manager",
        }
    ],
}
FORM: dict[str, Any] = {
    "id": "town-record",
    "version": 1,
    "title": {"nl": "Verslag", "en": "Record"},
    "purpose": "record",
    "schema": {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {"notes": {"type": "string"}},
    },
    "ui": {"fields": {"notes": {"label": {"nl": "Wat spraken jullie af?", "en": "Agreed?"}}}},
}
WORKFLOW: dict[str, Any] = {
    "id": "town-plan",
    "name": {"nl": "Plan je gesprek", "en": "Plan your conversation"},
    "trigger": {"type": "cadence", "cycle": "town", "kind": "yearly", "days_before_due": 30},
    "actions": [{"do": "remind", "to": "employee", "message": "workflow.plan_conversation"}],
}


def _package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, Any]) -> str:
    """A fresh importable package holding *files* (path → JSON data, or raw text)."""
    name = f"magcore_town{next(_counter)}"
    root = tmp_path / name
    root.mkdir()
    (root / "__init__.py").write_text("")
    for path, content in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        text = content if isinstance(content, str) else json.dumps(content)
        target.write_text(text, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    return name


def _host(plugin: object, name: str = "magcore-town") -> Any:
    return get_plugin_manager(load_entry_points=False, extra=[(name, plugin)])


def _hooks(host: Any, name: str = "magcore-town") -> tuple[str, ...]:
    (info,) = [i for i in host.plugins(include_builtin=False) if i.name == name]
    return tuple(info.hooks)


def test_a_full_package_contributes_every_kind_of_data(tmp_path, monkeypatch) -> None:
    """Cycle, themes, forms, workflows and messages all arrive through the hooks, unchanged."""
    package = _package(
        tmp_path,
        monkeypatch,
        {
            "cycle.json": CYCLE,
            "themes/extra.json": {"id": "extra", "title": {"nl": "Extra", "en": "Extra"}},
            "forms/record.json": FORM,
            "workflows/plan.json": WORKFLOW,
            "messages/nl.json": {"messages": {"town.hello": "Hoi"}, "vocabulary": {"klant": "x"}},
            "messages/en.json": {"messages": {"town.hello": "Hi"}},
        },
    )
    host = _host(PackagedPlugin(package))
    assert _hooks(host) == (
        "magcore_register_cycles",
        "magcore_register_forms",
        "magcore_register_messages",
        "magcore_register_themes",
        "magcore_register_workflows",
    )
    hooks = host.hooks
    assert tuple(hooks.cycles()) == (CycleDefinition.from_json(CYCLE),)
    assert [t.id for t in hooks.themes()] == ["work", "wellbeing", "extra"]
    assert [f.to_json() for f in hooks.forms()] == [FORM]
    assert list(hooks.workflows()) == [load_workflow(WORKFLOW)]
    bundles = hooks.contributions("magcore_register_messages", lambda item, _: item)
    assert list(bundles) == [
        MessageBundle(language="nl", messages={"town.hello": "Hoi"}, vocabulary={"klant": "x"}),
        MessageBundle(language="en", messages={"town.hello": "Hi"}),
    ]
    catalogue, problems = hooks.catalogue()
    assert problems == ()
    assert catalogue.message("town.hello", "en") == "Hi"


def test_a_plugin_claims_only_the_hooks_it_has_files_for(tmp_path, monkeypatch) -> None:
    """Without workflows or messages, those hooks are not implemented (magcore plugins says so)."""
    package = _package(tmp_path, monkeypatch, {"cycle.json": CYCLE, "forms/record.json": FORM})
    assert _hooks(_host(PackagedPlugin(package))) == (
        "magcore_register_cycles",
        "magcore_register_forms",
        "magcore_register_themes",
    )
    only_forms = _package(tmp_path, monkeypatch, {"forms/record.json": FORM})
    assert _hooks(_host(PackagedPlugin(only_forms))) == ("magcore_register_forms",)


def test_cycles_come_from_cycle_json_and_the_cycles_folder(tmp_path, monkeypatch) -> None:
    """cycle.json first, then cycles/*.json in file-name order; a shared theme is a card once."""
    second = {**copy.deepcopy(CYCLE), "id": "town-b"}
    third = {**copy.deepcopy(CYCLE), "id": "town-a"}
    package = _package(
        tmp_path,
        monkeypatch,
        {"cycle.json": CYCLE, "cycles/b.json": second, "cycles/a.json": third},
    )
    plugin = PackagedPlugin(package)
    assert [c.id for c in plugin.cycles()] == ["town", "town-a", "town-b"]
    assert [t.id for t in _host(plugin).hooks.themes()] == ["work", "wellbeing"]
    with pytest.raises(DefinitionError, match="ships 3 cycle definitions"):
        plugin.definition()


def test_the_default_name_is_the_distribution_name(tmp_path, monkeypatch) -> None:
    """magcore_town0 → magcore-town0; a given name wins; a missing package is refused."""
    package = _package(tmp_path, monkeypatch, {"cycle.json": CYCLE})
    assert PackagedPlugin(package).name == package.replace("_", "-")
    assert PackagedPlugin(package, name="magcore-dorp").name == "magcore-dorp"
    with pytest.raises(ValueError, match="__package__"):
        PackagedPlugin(None)


def test_forms_and_workflows_are_fresh_copies(tmp_path, monkeypatch) -> None:
    """Changing what the plugin handed out never changes what it hands out next."""
    package = _package(
        tmp_path, monkeypatch, {"forms/record.json": FORM, "workflows/plan.json": WORKFLOW}
    )
    plugin = PackagedPlugin(package)
    (form,) = plugin.forms()
    form["id"] = "changed"
    form["schema"]["properties"].clear()
    (workflow,) = plugin.workflows()
    workflow["actions"].clear()
    assert plugin.forms() == (FORM,)
    assert plugin.workflows() == (WORKFLOW,)


def test_files_are_read_once(tmp_path, monkeypatch) -> None:
    """The results are cached: a file changed after the first load is not read again."""
    package = _package(tmp_path, monkeypatch, {"cycle.json": CYCLE, "forms/record.json": FORM})
    plugin = PackagedPlugin(package)
    first = plugin.definition()
    forms = plugin.forms()
    changed = {**copy.deepcopy(CYCLE), "version": 2}
    (tmp_path / package / "cycle.json").write_text(json.dumps(changed))
    (tmp_path / package / "forms" / "record.json").write_text("not json")
    assert plugin.definition() is first
    assert plugin.forms() == forms
    assert PackagedPlugin(package).definition().version == 2


@pytest.mark.parametrize(
    ("path", "content", "hook", "error", "pointer"),
    [
        ("cycle.json", "{not json", "magcore_register_cycles", DefinitionError, ""),
        (
            "cycle.json",
            {**CYCLE, "kinds": [{**CYCLE["kinds"][0], "themes": ["nope"]}]},
            "magcore_register_cycles",
            DefinitionError,
            None,
        ),
        ("forms/record.json", {**FORM, "title": "Verslag"}, "magcore_register_forms", None, None),
        ("forms/record.json", [FORM], "magcore_register_forms", DefinitionError, ""),
        (
            "workflows/plan.json",
            {**WORKFLOW, "actions": []},
            "magcore_register_workflows",
            DefinitionError,
            "/actions",
        ),
        (
            "messages/nl.json",
            {"messages": {"town.hello": 3}},
            "magcore_register_messages",
            DefinitionError,
            "/messages",
        ),
        (
            "messages/en.json",
            {"words": {}},
            "magcore_register_messages",
            DefinitionError,
            "/words",
        ),
        (
            "themes/x.json",
            {"id": "x", "title": {"nl": "X"}},
            "magcore_register_themes",
            DefinitionError,
            None,
        ),
    ],
)
def test_a_bad_file_is_named_and_the_host_names_the_distribution(
    tmp_path, monkeypatch, path, content, hook, error, pointer
) -> None:
    """A DefinitionError names the file; through the host it is a PluginError for the plugin."""
    package = _package(tmp_path, monkeypatch, {path: content})
    plugin = PackagedPlugin(package, name="magcore-town")
    with pytest.raises(error or DefinitionError) as caught:
        plugin.check()
    # A cycle also names the id@version it claims, so a refused cycle is named as asked for.
    claimed = (
        f", cycle {content['id']}@{content['version']}"
        if path == "cycle.json" and isinstance(content, dict)
        else ""
    )
    assert caught.value.source == f"magcore-town:{path}{claimed}"
    if pointer is not None:
        assert caught.value.pointer == pointer
    host = _host(plugin)
    contributed = {
        "magcore_register_cycles": host.hooks.cycles,
        "magcore_register_themes": host.hooks.themes,
        "magcore_register_forms": host.hooks.forms,
        "magcore_register_workflows": host.hooks.workflows,
        "magcore_register_messages": lambda: host.hooks.contributions(hook, lambda i, _: i),
    }[hook]()
    assert len(contributed) == 0
    (problem,) = contributed.problems
    assert isinstance(problem, PluginError)
    assert (problem.distribution, problem.hook) == ("magcore-town", hook)
    assert f"magcore-town:{path}" in str(problem)


def test_a_score_in_a_shipped_cycle_is_refused_naming_the_file(tmp_path, monkeypatch) -> None:
    """A cycle file that introduces a score never reaches magcore."""
    scored = copy.deepcopy(CYCLE)
    scored["kinds"][0]["rating_scale"] = [1, 2, 3, 4, 5]
    package = _package(tmp_path, monkeypatch, {"cycle.json": scored})
    with pytest.raises(ScoringNotAllowedError) as caught:
        PackagedPlugin(package, name="magcore-town").cycles()
    assert caught.value.source == f"magcore-town:cycle.json, cycle {CYCLE['id']}@{CYCLE['version']}"


class _Checked(PackagedPlugin):
    """A plugin with a rule in code and a form built in code, next to its files."""

    @hookimpl
    def magcore_check_record(self, record: Any) -> list[Problem]:
        if record.get("notes") == "":
            return [Problem("/notes", "Vul iets in.", keyword="town.empty")]
        return []

    @hookimpl
    def magcore_register_forms(self, register: Any) -> None:
        super().magcore_register_forms(register)
        register({**copy.deepcopy(FORM), "id": "town-extra"})

    @hookimpl
    def magcore_register_messages(self, register: Any) -> None:
        register(MessageBundle(language="nl", messages={"town.empty": "Vul iets in."}))


def test_a_subclass_adds_hooks_of_its_own(tmp_path, monkeypatch) -> None:
    """Extra @hookimpl methods are found, and an overridden data hook is claimed without files."""
    package = _package(tmp_path, monkeypatch, {"cycle.json": CYCLE, "forms/record.json": FORM})
    host = _host(_Checked(package))
    assert _hooks(host) == (
        "magcore_check_record",
        "magcore_register_cycles",
        "magcore_register_forms",
        "magcore_register_messages",
        "magcore_register_themes",
    )
    assert [f.id for f in host.hooks.forms()] == ["town-record", "town-extra"]
    (problem,) = host.hooks.check_record({"notes": ""}, None, None)
    assert problem.keyword == "town.empty"
    assert host.hooks.check_record({"notes": "ok"}, None, None) == []


# -- the plugins in this repository ------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]


def _packaged_entry_points() -> list[tuple[str, PackagedPlugin]]:
    found = []
    for entry_point in importlib.metadata.entry_points(group="magcore"):
        plugin = entry_point.load()
        if isinstance(plugin, PackagedPlugin):
            found.append((entry_point.name, plugin))
    return sorted(found, key=lambda pair: pair[0])


def _package_folder(plugin: PackagedPlugin) -> Path:
    module = sys.modules[plugin.package]
    assert module.__file__ is not None
    return Path(module.__file__).parent


def _json_files(folder: Path) -> list[dict[str, Any]]:
    if not folder.is_dir():
        return []
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]


def test_every_installed_packaged_plugin_contributes_exactly_its_files() -> None:
    """Read independently from disk, each plugin's files are what the host receives from it."""
    plugins = _packaged_entry_points()
    if not plugins:
        require("no packaged plugin is installed (make venv installs the seed plugins)")
    host = get_plugin_manager(only=[name for name, _ in plugins])
    assert host.load_problems == ()
    cycles = host.hooks.cycles().by_plugin()
    forms = host.hooks.forms().by_plugin()
    workflows = host.hooks.workflows().by_plugin()
    themes = host.hooks.themes().by_plugin()
    for name, plugin in plugins:
        assert plugin.name == name
        folder = _package_folder(plugin)
        shipped = [folder / "cycle.json"] if (folder / "cycle.json").is_file() else []
        expected = [
            CycleDefinition.from_json(json.loads(p.read_text(encoding="utf-8"))) for p in shipped
        ] + [CycleDefinition.from_json(d) for d in _json_files(folder / "cycles")]
        # A subclass may register a cycle built in code (composed from its file); the files'
        # cycles come through unless it does.
        if type(plugin).magcore_register_cycles is PackagedPlugin.magcore_register_cycles:
            assert list(cycles.get(name, ())) == expected, name
            assert [t.id for t in themes.get(name, ())] == list(
                dict.fromkeys(t.id for c in expected for t in c.themes)
            ), name
        form_docs = [f.to_json() for f in forms.get(name, ())]
        style = folder / "forms" / "style.css"
        for document in _json_files(folder / "forms"):
            if style.is_file():  # forms/style.css goes with every form that has none
                document = {"stylesheet": style.read_text(encoding="utf-8"), **document}
            assert document in form_docs, (name, document.get("id"))
            assert FormDefinition.from_json(document) in forms[name]
        loaded = list(workflows.get(name, ()))
        for document in _json_files(folder / "workflows"):
            assert load_workflow(document) in loaded, (name, document.get("id"))
