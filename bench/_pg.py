"""A PostgreSQL server for the benchmarks: ``MAGCORE_BENCH_PG_URL`` if set, else a throwaway
server on loopback started by the test suite's helper (``tests/support/postgres.py``)."""

from __future__ import annotations

import contextlib
import importlib.util
import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def pg_server() -> Any:
    """A context manager giving a PostgreSQL URL."""
    given = os.environ.get("MAGCORE_BENCH_PG_URL")
    if given:
        return contextlib.nullcontext(given)
    helper = ROOT / "tests" / "support" / "postgres.py"
    spec = importlib.util.spec_from_file_location("_bench_pg", helper)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"no server helper at {helper}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.postgres_server()
