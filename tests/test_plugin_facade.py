"""The typed hook facade: forms, messages, retention profiles and legal bases from plugins."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from magcore import (
    PluginError,
    ScoringNotAllowedError,
    StorageError,
    get_plugin_manager,
    hookimpl,
)
from magcore.access.decision import LegalBasis
from magcore.access.retention import RetentionProfile
from magcore.i18n import MessageBundle

AMSTERDAM_FORMS = (
    Path(__file__).resolve().parent.parent
    / "plugins"
    / "magcore-amsterdam"
    / "src"
    / "magcore_amsterdam"
    / "forms"
)


def host_with(*plugins):
    return get_plugin_manager(
        load_entry_points=False, extra=[(f"plugin-{i}", p) for i, p in enumerate(plugins)]
    )


class FormPlugin:
    def __init__(self, *forms):
        self.forms = forms

    @hookimpl
    def magcore_register_forms(self, register):
        for form in self.forms:
            register(form)


def test_forms_from_dicts_are_loaded_and_checked():
    """A plugin may register a form as a dict; it is loaded as a FormDefinition."""
    form = json.loads((AMSTERDAM_FORMS / "agreement.form.json").read_text())
    contributed = host_with(FormPlugin(form)).hooks.forms()
    assert [f.id for f in contributed] == ["mag-agreement"]
    assert contributed.problems == ()


def test_a_form_with_a_score_is_refused_and_the_others_stay():
    """A form adding a score becomes a PluginError caused by ScoringNotAllowedError."""
    good = json.loads((AMSTERDAM_FORMS / "agreement.form.json").read_text())
    bad = json.loads(json.dumps(good))
    bad["id"] = "bad"
    bad["schema"]["properties"]["overall"] = {"type": "integer", "minimum": 1, "maximum": 5}
    contributed = host_with(FormPlugin(good), FormPlugin(bad)).hooks.forms()
    assert [f.id for f in contributed] == ["mag-agreement"]
    (problem,) = contributed.problems
    assert isinstance(problem, PluginError)
    assert problem.distribution == "plugin-1"
    assert problem.hook == "magcore_register_forms"
    assert isinstance(problem.__cause__, ScoringNotAllowedError)


class Vocabulary:
    @hookimpl
    def magcore_register_messages(self, register):
        register(MessageBundle(language="nl", vocabulary={"klant": "inwoner"}))


def test_vocabulary_override_reaches_the_catalogue():
    """A municipality that never says 'klant' gets 'inwoner' in every Dutch text."""
    plain, _ = host_with().hooks.catalogue()
    changed, problems = host_with(Vocabulary()).hooks.catalogue()
    assert problems == ()
    text = MessageBundle(language="nl", messages={"x.test": "De klant belt."})
    assert plain.with_bundle(text).message("x.test", "nl") == "De klant belt."
    assert changed.with_bundle(text).message("x.test", "nl") == "De inwoner belt."


def test_builtin_retention_profiles_are_plugins_too():
    """ap-advice and selectielijst-2020 come through the same hook as a plugin's profiles."""

    class Extra:
        @hookimpl
        def magcore_register_retention_rules(self, register):
            register(RetentionProfile(id="local-7", title="7 jaar", years=7, after="completed"))

    ids = {p.id for p in host_with(Extra()).hooks.retention_profiles()}
    assert ids == {"ap-advice", "selectielijst-2020", "local-7"}


def test_legal_bases_must_be_declared_values():
    """A legal basis is a declared value; anything else is a PluginError naming the plugin."""

    class Declares:
        @hookimpl
        def magcore_register_legal_bases(self, register):
            register(
                LegalBasis(
                    name="reintegration",
                    article="Wet verbetering poortwachter art. 25",
                    roles={"hr_adviser"},
                    parts={"agreement"},
                    purpose="reintegration",
                )
            )

    class Sloppy:
        @hookimpl
        def magcore_register_legal_bases(self, register):
            register({"name": "because"})

    contributed = host_with(Declares(), Sloppy()).hooks.legal_bases()
    assert [b.name for b in contributed] == ["reintegration"]
    assert [p.distribution for p in contributed.problems] == ["plugin-1"]
    with pytest.raises(ValueError, match="private notes cannot be opened"):
        LegalBasis(name="x", article="y", roles={"hr"}, parts={"private_note"}, purpose="z")


class WrongStore:
    @hookimpl
    def magcore_open_store(self, url, settings):
        return {"not": "a store"} if url.startswith("odd://") else None


class CrashingStore:
    @hookimpl
    def magcore_open_store(self, url, settings):
        if url.startswith("crash://"):
            raise RuntimeError("driver missing")
        return None


def test_a_store_of_the_wrong_type_names_the_plugin_that_returned_it():
    """open_store names the distribution that answered with something that is not a Store."""
    host = host_with(CrashingStore(), WrongStore())
    with pytest.raises(PluginError) as caught:
        host.hooks.open_store("odd://x")
    assert (caught.value.distribution, caught.value.hook) == ("plugin-1", "magcore_open_store")
    with pytest.raises(StorageError, match="plugin-0"):
        host.hooks.open_store("crash://x")
    store = host.hooks.open_store("memory://")  # the built-in still answers its own scheme
    store.close()


def test_registering_a_taken_name_by_hand_is_a_plugin_error():
    """PluginHost.register turns pluggy's ValueError for a taken name into a PluginError."""
    host = host_with(WrongStore())
    with pytest.raises(PluginError) as caught:
        host.register(CrashingStore(), "plugin-0")
    assert caught.value.distribution == "plugin-0"
    assert [i.name for i in host.plugins(include_builtin=False)] == ["plugin-0"]


def test_lazy_names_show_in_dir_for_completion_and_help():
    """A plugin author's editor lists what ``magcore.testing`` and ``magcore.forms`` offer,
    the names loaded on first use included."""
    import magcore.forms
    import magcore.testing

    for module in (magcore.testing, magcore.forms):
        assert set(module.__all__) <= set(dir(module))
    assert "InstalledPluginContract" in dir(magcore.testing)
