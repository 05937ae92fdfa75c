"""Unknown ids are errors, not empty results; a conversation is never held in the future or
before the day it was planned; a missing extra is named before anything is written."""

from __future__ import annotations

import pytest

from magcore.errors import ExtraMissingError
from magcore.extras import EXTRAS, missing, require

from .conftest import data


@pytest.mark.parametrize(
    ("args", "option", "what"),
    [
        (("plan", "--manager", "nobody"), "--manager", "person 'nobody'"),
        (("plan", "--team", "nosuchteam"), "--team", "team 'nosuchteam'"),
        (("due", "--team", "nosuchteam"), "--team", "team 'nosuchteam'"),
        (("due", "--manager", "nobody"), "--manager", "person 'nobody'"),
        (("export", "records", "--as", "nobody"), "--as", "person 'nobody'"),
        (("export", "ics", "--person", "nobody"), "--person", "person 'nobody'"),
    ],
)
def test_an_unknown_id_is_an_error_naming_the_option(ready, args, option, what):
    result = ready.run(*args)
    assert result.exit_code == 2
    assert f"there is no {what}" in result.stderr
    assert option in result.stderr
    assert result.stdout == ""


def test_known_ids_still_answer(ready):
    assert ready.run("due", "--team", "t1").exit_code == 0
    assert ready.run("plan", "--manager", "m1").exit_code == 0


@pytest.fixture
def scheduled(ready):
    requested = data(ready.run("plan", "--request", "--json"))["requested"]
    conv = next(r["conversation"] for r in requested if r["person"] == "e1")
    assert ready.run("schedule", conv, "--on", "2025-03-05T10:00", "--as", "m1").exit_code == 0
    return conv


def test_a_conversation_is_not_held_in_the_future(ready, scheduled):
    """MAGCORE_NOW is 10 March 2025: 2030 is refused, and nothing is stored."""
    result = ready.run("record", scheduled, "--as", "m1", "--held-on", "2030-01-01")
    assert result.exit_code == 2
    assert "2030-01-01 is in the future" in result.stderr
    assert ready.run("agree", scheduled, "--as", "e1").exit_code == 1  # no record was written


def test_a_conversation_is_not_held_before_the_day_it_was_planned(ready, scheduled):
    result = ready.run("record", scheduled, "--as", "m1", "--held-on", "2025-03-04")
    assert result.exit_code == 1
    assert "before the day it was planned for (2025-03-05)" in result.stderr
    held = ready.run("record", scheduled, "--as", "m1", "--held-on", "2025-03-05", "--json")
    assert data(held)["state"] == "record_drafted"


def test_require_names_the_extra_to_install(monkeypatch):
    monkeypatch.setitem(EXTRAS, "imaginary", ("no_such_module_for_magcore",))
    assert missing("imaginary") == ["no_such_module_for_magcore"]
    with pytest.raises(ExtraMissingError) as caught:
        require("imaginary", feature="magcore dream")
    assert caught.value.extra == "imaginary"
    assert str(caught.value) == (
        "magcore dream needs the optional extra 'imaginary' (no_such_module_for_magcore is not "
        "installed): pip install 'magcore[imaginary]'"
    )
    require("calendar", "html", feature="export")  # installed in the test environment


def test_a_command_whose_extra_is_missing_says_which_even_for_help(ready, monkeypatch):
    """simulate needs numpy: without it, any use of the command is one line naming the extra."""
    import magcore.extras

    monkeypatch.setitem(magcore.extras.EXTRAS, "simulate", ("no_such_numpy_for_magcore",))
    for args in (("simulate", "--help"), ("simulate", "config.toml", "--out", "x")):
        result = ready.run(*args)
        assert result.exit_code == 1
        assert result.stderr.startswith("error: magcore simulate needs the optional extra")
        assert "pip install 'magcore[simulate]'" in result.stderr
