"""Shared test set-up: hypothesis profiles and small fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=60,
    stateful_step_count=30,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=30, deadline=None)
settings.register_profile("long", max_examples=1000, stateful_step_count=80, deadline=None)
settings.load_profile(os.environ.get("MAGCORE_HYPOTHESIS_PROFILE", "dev"))

pytest_plugins = ["tests.support.pg_fixture"]

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CYCLES = ROOT / "docs" / "examples" / "cycles"


@pytest.fixture
def example_cycle_path() -> Path:
    """The folder with the example cycle definitions used in docs and tests."""
    return EXAMPLE_CYCLES
