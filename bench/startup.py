"""Start-up cost: ``import magcore`` and ``magcore --help``, against a bare ``python -c pass``.

Prints, for each: the median and best wall time over several runs, and the ratio to the bare
interpreter measured in the same run; plus the total of ``python -X importtime -c "import
magcore"`` (cumulative microseconds of the top-level import). The aim for ``magcore --help`` is
under 0.3 s: commands, rich and plugins' heavy parts are imported only when used.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

RUNS = int(os.environ.get("MAGCORE_BENCH_RUNS", "9"))
ROOT = Path(__file__).resolve().parent.parent


def _env() -> dict[str, str]:
    env = dict(os.environ)
    src = str(ROOT / "src")
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def _wall(argv: list[str], runs: int = RUNS) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=_env())
        times.append(time.perf_counter() - start)
    return times


def _importtime() -> int:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import magcore"],
        capture_output=True,
        text=True,
        check=True,
        env=_env(),
    )
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| magcore$", line)
        if match:
            return int(match.group(1))
    raise RuntimeError("magcore not found in -X importtime output")


def _magcore() -> list[str]:
    script = Path(sys.executable).with_name("magcore")
    if script.exists():
        return [str(script)]
    found = shutil.which("magcore")
    if found:
        return [found]
    return [sys.executable, "-c", "from magcore.cli import main; main()"]


def main() -> None:
    baseline = _wall([sys.executable, "-c", "pass"])
    rows = [
        ("python -c pass (baseline)", baseline),
        ("python -c 'import magcore'", _wall([sys.executable, "-c", "import magcore"])),
        ("magcore --help", _wall([*_magcore(), "--help"])),
    ]
    base = statistics.median(baseline)
    print(f"{'operation':32} {'median s':>9} {'best s':>8} {'× baseline':>11}")
    for name, times in rows:
        median = statistics.median(times)
        print(f"{name:32} {median:9.3f} {min(times):8.3f} {median / base:11.1f}")
    print(f"{'-X importtime magcore (cum.)':32} {_importtime() / 1e6:9.3f}")
    print(f"({RUNS} runs each; magcore command: {' '.join(_magcore())})")


if __name__ == "__main__":
    main()
