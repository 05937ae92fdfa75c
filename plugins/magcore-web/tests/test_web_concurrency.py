"""Many requests at once on one tenant: no 500, nothing lost or doubled, every read audited,
and a revocation, restriction or manager change holds for every read that started after it
(:mod:`web_stress`, seeded). On SQLite always; on PostgreSQL when its server binaries are
installed (a throwaway server, as the store's own tests use)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from web_stress import HOST, NOW, ROLES, TickingClock, check_all, run, statuses

from magcore.testing.tools import require_tool

SEED = 17
ROUNDS = 32


def _stress(store: str) -> None:
    from magcore_web.testing import make_test_app

    clock = TickingClock(NOW)
    app, services = make_test_app(ROLES, store=store, clock=clock)
    service = services[HOST]
    try:
        outcome = asyncio.run(run(app, service, clock, seed=SEED, rounds=ROUNDS))
        answered = statuses(outcome)
        assert answered[409] > 0, answered  # the tasks did meet each other
        check_all(outcome)
    finally:
        service.close()


def test_one_sqlite_tenant_under_concurrent_requests(tmp_path: Path) -> None:
    _stress(f"sqlite:///{tmp_path / 'stress.db'}")


def _postgres_support():
    """``tests/support/postgres.py`` of the magcore repository (this plugin sits inside it)."""
    import importlib.util

    path = Path(__file__).resolve().parents[3] / "tests" / "support" / "postgres.py"
    spec = importlib.util.spec_from_file_location("_magcore_pg_support", path)
    if spec is None or spec.loader is None or not path.is_file():
        # the helper ships with the repository, not with the plugin's own distribution: a
        # missing one skips on a developer's machine and fails in CI (MAGCORE_REQUIRE_TOOLS)
        require_tool(f"no PostgreSQL server helper at {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.postgres
@pytest.mark.slow
def test_one_postgresql_tenant_under_concurrent_requests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("magcore_postgres")
    support = _postgres_support()
    try:
        support.find_bindir()
    except support.PostgresUnavailableError as exc:
        require_tool(str(exc))
    monkeypatch.setenv("MAGCORE_KEY_FOLDER", str(tmp_path))
    with support.postgres_server() as url:
        _stress(url)
