"""Installing a plugin with pip makes it available with no configuration; uninstalling removes it.

These tests do a real ``pip install`` into a throwaway environment (see ``tests/plugin_venv``),
so they show what a municipality's administrator sees, not an object registered by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.plugin_venv import PluginVenv

ROOT = Path(__file__).resolve().parent.parent
AMSTERDAM = ROOT / "plugins" / "magcore-amsterdam"

pytestmark = pytest.mark.install

LIST = """
import json
from magcore import get_plugin_manager
from magcore.app.workflows import contributed_workflows
host = get_plugin_manager()
workflows, _ = contributed_workflows(host)
print(json.dumps({
    "cycles": sorted(c.key for c in host.hooks.cycles()),
    "themes": sorted(t.id for t in host.hooks.themes()),
    "workflows": sorted(w.id for w in workflows),
    "plugins": {i.name: i.version for i in host.plugins(include_builtin=False)},
    "problems": [str(p) for p in host.load_problems],
}))
"""

FORMS = """
import json
from magcore import get_plugin_manager
host = get_plugin_manager()
print(json.dumps(sorted(f.id for f in host.hooks.forms())))
"""


def test_installing_magcore_amsterdam_adds_mag_and_uninstalling_removes_it(tmp_path) -> None:
    """pip install → MAG, its cards, forms and reminders appear; pip uninstall → all gone."""
    env = PluginVenv(tmp_path, hidden=["magcore-amsterdam"])
    before = env.run_json(LIST)
    assert "mag@1" not in before["cycles"]
    assert "magcore-amsterdam" not in before["plugins"]

    env.install(AMSTERDAM)
    after = env.run_json(LIST)
    assert "mag@1" in after["cycles"]
    assert after["plugins"]["magcore-amsterdam"] == "0.1.0"
    assert {"social_safety", "vitality", "joker"} <= set(after["themes"])
    assert {"mag-plan-your-conversation", "mag-agreements-from-last-time"} <= set(
        after["workflows"]
    )
    assert after["problems"] == []
    assert {"mag-preparation", "mag-agreement"} <= set(env.run_json(FORMS))

    disabled = env.run_json(LIST, MAGCORE_DISABLE_PLUGINS="magcore-amsterdam")
    assert "mag@1" not in disabled["cycles"]

    env.uninstall("magcore-amsterdam")
    gone = env.run_json(LIST)
    assert "mag@1" not in gone["cycles"]
    assert "magcore-amsterdam" not in gone["plugins"]
