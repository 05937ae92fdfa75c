"""Start-up cost: ``import magcore``, ``magcore --help`` and everyday commands on the demo store,
against a bare ``python -c pass``.

Prints, for each: the median and best wall time over several runs, and the ratio to the bare
interpreter measured in the same run; plus the total of ``python -X importtime -c "import
magcore"`` (cumulative microseconds of the top-level import). The aim for ``magcore --help`` is
under 0.3 s: commands, rich and plugins' heavy parts are imported only when used.

The commands ``magcore due``, ``magcore record`` (a new revision of a drafted record) and
``magcore export person`` run on the store ``magcore demo`` writes (300 people, a year of
Amsterdam's MAG cycle, built once before the clock starts); aim: each under 0.5 s. Every command
runs once before it is timed, so that Python's bytecode and magcore's form cache are warm, as
they are for a user from the second command on. And ``magcore report`` on a fresh store (right
after ``init`` and ``import-org``, nothing held: issue 19 found it never returned); aim: under 1 s.

Next to the wall time, the median CPU time (user + system) of the command's process: on a
shared, loaded machine it moves much less than the wall time. Each row with an aim says
``pass`` or ``FAIL`` (median wall time against the aim); the load average is printed last,
since a wall time measured under load says little on its own.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = int(os.environ.get("MAGCORE_BENCH_RUNS", "9"))
ROOT = Path(__file__).resolve().parent.parent


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # a user's Python keeps its bytecode
    src = str(ROOT / "src")
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


#: The aims in seconds (median wall time), by row label.
AIMS = {
    "magcore --help": 0.3,
    "magcore due (demo store)": 0.5,
    "magcore record (demo store)": 0.5,
    "magcore export person (demo store)": 0.5,
    "magcore report (fresh store)": 1.0,
}

#: A small organisation for the fresh store (``magcore init`` and ``import-org``, nothing held).
_FRESH_ORG = """\
person_id,team_id,team_name,department,parent_team_id,role,start,end,hired_on,left_on
boss,dept,Afdeling,Afdeling,,manager,2024-01-01,,2015-03-01,
m1,t1,Team Noord,Afdeling,dept,manager,2024-01-01,,2018-06-01,
e1,t1,Team Noord,Afdeling,dept,member,2024-01-01,,2020-02-01,
e2,t1,Team Noord,Afdeling,dept,member,2024-01-01,,2021-09-01,
"""


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _wall(
    argv: list[str], runs: int = RUNS, cwd: Path | None = None
) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of each of *runs* runs of *argv* (after one warm-up run)."""
    env = {**_env(), "MAGCORE_NOW": "2025-12-31T12:00:00+00:00"}
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env, cwd=cwd)  # warm-up
    times: list[float] = []
    cpu: list[float] = []
    for _ in range(runs):
        before = _cpu()
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env, cwd=cwd)
        times.append(time.perf_counter() - start)
        cpu.append(_cpu() - before)
    return times, cpu


def _demo_store(folder: Path) -> tuple[str, str, str]:
    """Write the demo into *folder* with a settings file; a drafted record and its recorder,
    and a person to export."""
    from magcore.demo import run_demo

    run_demo(folder, people=300)
    (folder / "magcore.toml").write_text(
        'store = "sqlite:///magcore.db"\ncycle = "mag@1"\norganisation = "demo"\n',
        encoding="utf-8",
    )
    with sqlite3.connect(folder / "magcore.db") as conn:
        conversation, person = conn.execute(
            "SELECT c.id, p.person FROM conversations c JOIN conversation_people p "
            "ON p.conversation = c.id WHERE c.state = 'record_drafted' ORDER BY c.id LIMIT 1"
        ).fetchone()
        subject = conn.execute(
            "SELECT subject FROM conversations WHERE state = 'agreed' ORDER BY id LIMIT 1"
        ).fetchone()[0]
    return conversation, person, subject


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
    magcore = _magcore()
    rows = [
        ("python -c pass (baseline)", baseline),
        ("python -c 'import magcore'", _wall([sys.executable, "-c", "import magcore"])),
        ("magcore --help", _wall([*magcore, "--help"])),
    ]
    with tempfile.TemporaryDirectory() as folder:
        demo = Path(folder) / "demo"
        conversation, recorder, subject = _demo_store(demo)
        record = ["record", conversation, "--as", recorder, "--summary", "Bench."]
        for label, args in (
            ("magcore due (demo store)", ["due"]),
            ("magcore record (demo store)", record),
            ("magcore export person (demo store)", ["export", "person", subject]),
        ):
            rows.append((label, _wall([*magcore, *args], cwd=demo)))
        fresh = Path(folder) / "fresh"
        fresh.mkdir()
        (fresh / "org.csv").write_text(_FRESH_ORG, encoding="utf-8")
        for args in (["init", "--cycle", "mag"], ["import-org", "org.csv"]):
            subprocess.run(
                [*magcore, *args], check=True, stdout=subprocess.DEVNULL, env=_env(), cwd=fresh
            )
        report = [*magcore, "report", "--grain", "month", "--json"]
        rows.append(("magcore report (fresh store)", _wall(report, cwd=fresh)))
    base = statistics.median(baseline[0])
    print(
        f"{'operation':36} {'median s':>9} {'best s':>8} {'cpu s':>7} {'× baseline':>11} "
        f"{'aim s':>6}"
    )
    for name, (times, cpu) in rows:
        median = statistics.median(times)
        aim = AIMS.get(name)
        verdict = "" if aim is None else f"{aim:6.1f} {'pass' if median < aim else 'FAIL'}"
        print(
            f"{name:36} {median:9.3f} {min(times):8.3f} {statistics.median(cpu):7.3f} "
            f"{median / base:11.1f} {verdict}".rstrip()
        )
    print(f"{'-X importtime magcore (cum.)':36} {_importtime() / 1e6:9.3f}")
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"({RUNS} runs each after a warm-up; load average {load}; magcore: {' '.join(magcore)})")


if __name__ == "__main__":
    main()
