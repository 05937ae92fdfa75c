"""The docs notebook runs from top to bottom (the docs build runs it too, with MyST-NB)."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "docs" / "guides" / "scenario-notebook.ipynb"


@pytest.mark.slow
def test_scenario_notebook_runs():
    """Every cell runs; the DuckDB cells print the dataset's scenarios."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("duckdb")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert not any(cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")
    client = nbclient.NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()
    text = "".join(
        output.get("text", "")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )
    for scenario in ("baseline", "big-bang", "half-yearly", "manager-shock"):
        assert scenario in text
    assert "absence" in text  # read from the JSON of data with DuckDB
