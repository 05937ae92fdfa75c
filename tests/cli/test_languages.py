"""The command line speaks any language tag: the installation's language and fallbacks in
``magcore.toml``, and outputs that say which language they are in."""

from __future__ import annotations

from magcore.cli._app import Config

from .conftest import data


def test_a_frisian_regulation_falls_back_to_dutch_and_says_so(run, workdir):
    assert run("init").exit_code == 0
    frisian = data(run("policy", "render", "--language", "fy", "--json"))
    assert frisian["language"] == "nl"  # the regulation's own words are Dutch and English
    english = data(run("policy", "render", "--language", "en", "--json"))
    assert english["language"] == "en"
    assert frisian["hash"] == english["hash"]
    refused = run("policy", "render", "--language", "Frysk")
    assert refused.exit_code != 0
    assert "'Frysk' is not a language tag" in refused.output


def test_the_installation_sets_its_language_and_fallbacks(run, workdir):
    assert run("init").exit_code == 0
    config = workdir / "magcore.toml"
    config.write_text(
        config.read_text(encoding="utf-8") + 'language = "en"\n\n[fallbacks]\nfy = ["en"]\n',
        encoding="utf-8",
    )
    read = Config.read(config)
    assert read.languages().chain("fy") == ("fy", "en", "nl")
    assert data(run("policy", "render", "--json"))["language"] == "en"
    assert data(run("policy", "render", "--language", "fy", "--json"))["language"] == "en"
    config.write_text(config.read_text(encoding="utf-8").replace('fy = ["en"]', 'fy = ["x y"]'))
    broken = run("policy", "render", "--json")
    assert broken.exit_code != 0
    assert "not a language tag" in broken.output
