"""Tests of the example plugin, using the fixtures magcore gives every test suite."""

import pytest
from magcore_example.plugin import plugin

from magcore.testing import CycleDefinitionContract


@pytest.fixture
def magcore_plugin():
    return plugin


@pytest.fixture
def magcore_plugin_name():
    return "magcore-example"


def test_the_check_in_is_contributed(magcore_pm):
    cycles = magcore_pm.hooks.cycles()
    assert cycles.problems == ()
    assert [c.key for c in cycles] == ["example-check-in@1"]
    assert "magcore-example" in {info.name for info in magcore_pm.plugins()}


class TestCheckIn(CycleDefinitionContract):
    @pytest.fixture
    def cycle_definition(self):
        return plugin.definition()
