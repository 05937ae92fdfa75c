"""Bounded memory: a streamed run's peak does not grow with the years simulated (beyond a bound).

Each run is measured in a fresh subprocess (after the imports and a small warm-up run), as the
peak of Python and NumPy allocations (tracemalloc) plus the peak of Arrow's memory pool, and as
the growth of the process's peak resident memory (``VmHWM``, else ``ru_maxrss``). The same
measure on the in-memory path (``run`` + ``write_events``) grows several times over the same
years, which shows that the measure does see growth when there is growth.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("pyarrow")

PROBE = textwrap.dedent(
    """
    import json, resource, sys, tempfile, tracemalloc
    import pyarrow as pa
    from magcore.simulate import SimulationConfig, run, write_events
    from magcore.simulate.stream import simulate_to

    years, mode = int(sys.argv[1]), sys.argv[2]
    config = SimulationConfig(employees=12_000, years=years, seed=5, block_person_years=24_000)
    with tempfile.TemporaryDirectory() as folder:  # warm up: imports, caches, Arrow's pool
        simulate_to(config.with_(employees=200, years=1), folder, threads=1)
    def high_water():
        # The process's own peak (KiB): ru_maxrss is carried over from the parent on Linux.
        try:
            with open("/proc/self/status") as status:
                return next(int(x.split()[1]) for x in status if x.startswith("VmHWM"))
        except (OSError, StopIteration):
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    rss_before = high_water()
    arrow_before = pa.default_memory_pool().max_memory()
    tracemalloc.start()
    with tempfile.TemporaryDirectory() as folder:
        if mode == "stream":
            simulate_to(config, folder, threads=1)
        else:
            write_events(run(config), folder, formats=("parquet",), progress=None)
    traced = tracemalloc.get_traced_memory()[1]
    arrow = max(pa.default_memory_pool().max_memory() - arrow_before, 0)
    rss = high_water() - rss_before
    print(json.dumps({"peak": traced + arrow, "rss": rss * 1024}))
    """
)


def _peak(years: int, mode: str) -> dict[str, int]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(years), mode],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, int] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.slow
def test_streamed_peak_does_not_grow_with_years():
    """2 vs 8 years: the streamed peak stays within 1.4x (the organisation's history is kept,
    a few bytes per person and change); the in-memory path grows by at least half and by at
    least 64 MiB, which shows the measure sees growth. (Its two-year peak varies between runs
    with Arrow's pool, 86 to 120 MB measured since every team takes part from the first day:
    1.9x to 2.6x for four times the years.)"""
    short, long = _peak(2, "stream"), _peak(8, "stream")
    assert long["peak"] <= 1.4 * short["peak"], (short, long)
    assert long["rss"] <= 1.8 * short["rss"] + 32 * 2**20, (short, long)
    whole_short, whole_long = _peak(2, "memory"), _peak(8, "memory")
    assert whole_long["peak"] >= 1.5 * whole_short["peak"], (whole_short, whole_long)
    assert whole_long["peak"] - whole_short["peak"] >= 64 * 2**20, (whole_short, whole_long)
    assert long["peak"] < whole_long["peak"]
