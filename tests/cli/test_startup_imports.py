"""Start-up cost is guarded by what each entry point imports, not by a stopwatch.

``import magcore``, ``magcore due --help`` and the everyday read and write commands load only
the layers they use: the form engine, jsonschema, Babel, langcodes, Jinja2, the web app and the
e-mail sender stay out of the process until something needs them (issue 19: every command on
the demo store under 0.5 s; ``bench/startup.py`` measures it). Each check runs in a fresh
interpreter, so modules an earlier test imported cannot hide a regression.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

#: Never loaded by ``import magcore``: everything but the errors comes on first use.
NOT_ON_IMPORT = (
    "magcore.app",
    "magcore.access",
    "magcore.crypto",
    "magcore.domain",
    "magcore.forms",
    "magcore.plugins",
    "magcore.storage",
    "click",
    "cryptography",
    "jsonschema",
    "jsonschema_rs",
    "langcodes",
    "pluggy",
    "referencing",
    "rich",
)

#: Never loaded by a command's help or a read command: the form engine and what only rendering,
#: sending or serving needs.
NOT_FOR_READING = (
    "magcore.forms",
    "magcore.access.regulation",
    "babel",
    "jinja2",
    "jsonschema",
    "jsonschema_rs",
    "langcodes",
    "markdown_it",
    "referencing",
    "smtplib",
    "starlette",
    "weasyprint",
)

_SCRIPT = """
import contextlib, io, json, sys
args = json.loads(sys.argv[1])
if args is None:
    import magcore
else:
    from magcore.cli import main
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            main(args)
        except SystemExit as exc:
            assert not exc.code, exc.code
print(json.dumps(sorted(sys.modules)))
"""


def _loaded(args: list[str] | None, cwd: Path | None = None) -> set[str]:
    """The modules a fresh interpreter holds after ``import magcore`` (*args* ``None``) or after
    running ``magcore ARGS`` in *cwd*."""
    env = {**os.environ, "MAGCORE_NOW": "2025-03-10T09:00:00+00:00"}
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, json.dumps(args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def _heavy(loaded: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in loaded if any(m == n or m.startswith(n + ".") for n in names))


def test_import_magcore_loads_only_its_errors():
    """``import magcore`` loads no layer and no heavy dependency; the public names still work
    (each loads its module on first use)."""
    assert _heavy(_loaded(None), NOT_ON_IMPORT) == []
    import magcore

    for name in magcore.__all__:
        assert getattr(magcore, name) is not None, name


def test_a_command_help_loads_no_form_engine():
    """``magcore due --help`` imports neither the form engine nor any renderer or sender."""
    loaded = _loaded(["due", "--help"])
    assert _heavy(loaded, NOT_FOR_READING) == []
    assert _heavy(loaded, ("magcore.app", "cryptography")) == []


def test_due_loads_no_form_engine(ready: SimpleNamespace):
    """``magcore due`` on a store opens the service and the plugins, and nothing it does not
    use: no forms, no jsonschema, no langcodes, no Babel, no web app, no e-mail sender."""
    loaded = _loaded(["due"], cwd=ready.dir)
    assert "magcore.app.service" in loaded  # it did the work
    assert _heavy(loaded, NOT_FOR_READING) == []


@pytest.mark.skipif(
    importlib.util.find_spec("jsonschema_rs") is None,
    reason="without magcore[fast], jsonschema decides (and is then imported)",
)
def test_export_person_explains_nothing_with_jsonschema(ready: SimpleNamespace):
    """``magcore export person`` reads the forms (for the fields' purposes) with the compiled
    validator: Python's jsonschema, Babel and the renderers stay out."""
    loaded = _loaded(["export", "person", "e1"], cwd=ready.dir)
    assert "magcore.access.subject_access" in loaded
    assert _heavy(loaded, ("jsonschema", "referencing", "babel", "jinja2", "langcodes")) == []
