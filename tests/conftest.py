"""Shared test set-up: small fixtures (the hypothesis profiles are in the root conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["tests.support.pg_fixture"]

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CYCLES = ROOT / "docs" / "examples" / "cycles"


@pytest.fixture
def example_cycle_path() -> Path:
    """The folder with the example cycle definitions used in docs and tests."""
    return EXAMPLE_CYCLES
