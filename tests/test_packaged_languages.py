"""A packaged plugin in any language: messages/<tag>.json, gettext catalogues in locale/, the
scoring guard on translations, and a bad language named."""

from __future__ import annotations

import pytest

from magcore.errors import DefinitionError, PluginError
from magcore.i18n import DEFAULT_CATALOGUE
from magcore.model.text import Text
from magcore.packaged import PackagedPlugin
from tests.test_packaged import CYCLE, _host, _package

PO = """msgid ""
msgstr ""
"Language: fy\\n"
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "Yearly conversation"
msgstr "{name}"

msgctxt "form.submit"
msgid "Save"
msgstr "Bewarje it"
"""


def test_a_plugin_brings_frisian_as_json_and_as_a_catalogue(tmp_path, monkeypatch):
    package = _package(
        tmp_path,
        monkeypatch,
        {
            "cycle.json": CYCLE,
            "messages/fy.json": {"vocabulary": {"klant": "ynwenner"}},
            "locale/fy/LC_MESSAGES/messages.po": PO.format(name="Jiergesprek"),
        },
    )
    plugin = PackagedPlugin(package, name="magcore-town")
    bundles = plugin.messages()
    assert [b.language for b in bundles] == ["fy", "fy"]
    catalogue = DEFAULT_CATALOGUE.with_bundles(bundles)
    kind = Text(nl="Jaargesprek", en="Yearly conversation")
    assert catalogue.resolve(kind, "fy").text == "Jiergesprek"
    assert catalogue.message("form.submit", "fy") == "Bewarje it"
    assert catalogue.localise("De klant", "fy") == "De ynwenner"
    catalogues, problems = _host(plugin).hooks.catalogues()
    assert problems == ()
    assert catalogues.for_cycle("town").message("form.submit", "fy") == "Bewarje it"
    assert catalogues.general.message("form.submit", "fy") == "Bewarje"  # its cycle only


def test_a_translation_that_grades_is_refused_naming_the_file(tmp_path, monkeypatch):
    """The scoring guard reads what Frisian readers read."""
    package = _package(
        tmp_path,
        monkeypatch,
        {"locale/fy/LC_MESSAGES/messages.po": PO.format(name="Dyn beoardieling")},
    )
    with pytest.raises(DefinitionError, match="names a score") as caught:
        PackagedPlugin(package, name="magcore-town").messages()
    assert caught.value.source == "magcore-town:locale/fy/LC_MESSAGES/messages"
    _, problems = _host(PackagedPlugin(package, name="magcore-town")).hooks.catalogues()
    assert isinstance(problems[0], PluginError)


def test_a_message_file_not_named_after_a_language_is_refused(tmp_path, monkeypatch):
    package = _package(tmp_path, monkeypatch, {"messages/frisian.json": {"messages": {}}})
    with pytest.raises(DefinitionError, match="'frisian' is not a language tag"):
        PackagedPlugin(package, name="magcore-town").messages()


def test_frisian_grades_are_refused_as_options():
    """An option set that grades in Frisian only is refused like a Dutch one."""
    from magcore.forms import FormDefinition

    def t(fy):
        return {"nl": "Keuze", "en": "Choice", "fy": fy}

    data = {
        "id": "fy-grades",
        "version": 1,
        "title": {"nl": "T", "en": "T"},
        "schema": {"type": "object", "properties": {"how": {"type": "string", "enum": ["a", "b"]}}},
        "ui": {
            "fields": {
                "how": {
                    "label": {"nl": "Hoe?", "en": "How?"},
                    "options": {"a": t("Foldwaande"), "b": t("Ûnfoldwaande")},
                }
            }
        },
    }
    with pytest.raises(DefinitionError, match="fy texts"):
        FormDefinition.from_json(data)
