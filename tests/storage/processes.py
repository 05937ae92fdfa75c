"""Start and stop the writer processes of ``workers.py`` (shared by crash and concurrency tests)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import magcore

WORKERS = Path(__file__).with_name("workers.py")


def environment():
    """The environment of a worker: this interpreter's path, so it imports the same magcore."""
    env = dict(os.environ)
    src = str(Path(magcore.__file__).resolve().parent.parent)
    extra = [src, *sys.path]
    env["PYTHONPATH"] = os.pathsep.join(p for p in extra if p)
    return env


def start(*args):
    """Start ``workers.py`` with *args* in its own process."""
    return subprocess.Popen(
        [sys.executable, str(WORKERS), *map(str, args)],
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(path, process, timeout=60.0):
    """Wait until *path* exists; fail with the worker's stderr if it died first."""
    deadline = time.monotonic() + timeout
    while not Path(path).exists():
        if process.poll() is not None:
            raise AssertionError(f"worker ended early: {process.stderr.read()}")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"worker did not reach {path} in {timeout} s")
        time.sleep(0.002)
