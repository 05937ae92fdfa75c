"""Sphinx configuration: MyST Markdown, the furo theme, API pages from docstrings.

Build with ``sphinx-build -W docs docs/_build/html`` (``make docs``); tests/test_docs.py builds
it the same way in a temporary folder.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

project = "magcore"
author = "magcore maintainers"
copyright = "magcore maintainers, EUPL-1.2"
language = "en"

extensions = [
    "myst_nb",  # MyST Markdown (it includes myst_parser) and notebooks, executed during the build
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "sphinxcontrib.mermaid",
]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = [
    "_build",
    "jupyter_execute",
    "examples/**/README.md",
    "plugins/example/**",
    "**/.ipynb_checkpoints",
]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
html_theme = "furo"
html_title = "magcore"

# Notebooks run at every build (seconds); an error in one fails the build.
nb_execution_mode = "force"
nb_execution_timeout = 300
nb_execution_raise_on_error = True
nb_execution_show_tb = True

# API pages: type hints in the text, members in source order, one description per object.
autodoc_typehints = "description"
autodoc_typehints_format = "short"
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_mock_imports = ["weasyprint", "simpy", "pyarrow", "dask", "distributed", "matplotlib"]
# Several modules re-export a value class for convenience; each is described where it lives.
suppress_warnings = ["myst.xref_missing"]


def _publish_schemas(app, exception) -> None:
    """Copy the JSON Schemas to ``schemas/v1/`` of the site: their ``$id`` is that address."""
    import shutil

    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "schemas" / "v1"
    target.mkdir(parents=True, exist_ok=True)
    for schema in sorted((ROOT / "schemas").glob("*.schema.json")):
        shutil.copyfile(schema, target / schema.name)


def setup(app) -> None:
    app.connect("build-finished", _publish_schemas)
