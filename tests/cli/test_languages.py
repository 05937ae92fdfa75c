"""The command line speaks any language tag: the installation's language and fallbacks in
``magcore.toml``, and outputs that say which language they are in."""

from __future__ import annotations

from magcore.cli._app import Config

from .conftest import data


def test_a_papiamento_regulation_falls_back_to_dutch_and_says_so(run, workdir):
    assert run("init").exit_code == 0
    papiamento = data(run("policy", "render", "--language", "pap", "--json"))
    assert papiamento["language"] == "nl"  # the regulation's own words are nl, en and fy
    frisian = data(run("policy", "render", "--language", "fy", "--json"))
    assert frisian["language"] == "fy"
    assert "Gjin skoare" in frisian["text"]
    assert frisian["hash"] == papiamento["hash"]
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
        config.read_text(encoding="utf-8") + 'language = "en"\n\n[fallbacks]\npap = ["en"]\n',
        encoding="utf-8",
    )
    read = Config.read(config)
    assert read.languages().chain("pap") == ("pap", "en", "nl")
    assert data(run("policy", "render", "--json"))["language"] == "en"
    assert data(run("policy", "render", "--language", "pap", "--json"))["language"] == "en"
    assert data(run("policy", "render", "--language", "fy", "--json"))["language"] == "fy"
    config.write_text(config.read_text(encoding="utf-8").replace('pap = ["en"]', 'pap = ["x y"]'))
    broken = run("policy", "render", "--json")
    assert broken.exit_code != 0
    assert "not a language tag" in broken.output
