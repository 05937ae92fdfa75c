"""The organisation import's memory: linear in the people, with a small constant per person.

Each size runs in a process of its own, which reports the peak of what Python allocates
(``tracemalloc``) during the import: reading the CSV, recording the changes in an SQLite store
(``import_organisation_summary``: written chunk by chunk, the events are not held), and
importing the same file again. The organisation read and the one it is compared with are held
whole (about 2-3 KB per person); the changes, their rows and audit lines are not. This test
keeps the cost per person from growing.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

_CHILD = r"""
import csv, json, sys, tempfile, tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from magcore import open_service
from magcore.cli.orgcsv import read_organisation_csv
from magcore.clock import FixedClock

people = int(sys.argv[1])
folder = Path(tempfile.mkdtemp())
path = folder / "org.csv"
teams = max(1, people // 16)
with path.open("w", newline="") as handle:
    out = csv.writer(handle)
    out.writerow(["person_id", "team_id", "role", "start", "hired_on"])
    for team in range(teams):
        out.writerow([f"m{team:07d}", f"t{team:07d}", "manager", "2020-01-01", "2019-01-01"])
    for index in range(people - teams):
        out.writerow([f"p{index:07d}", f"t{index % teams:07d}", "member", "2020-01-01", ""])
clock = FixedClock(datetime(2026, 12, 3, tzinfo=UTC))
service = open_service(f"sqlite:///{folder / 'm.db'}", clock=clock, dispatch="off")
tracemalloc.start()
org = read_organisation_csv(path, org_id="org")
assert service.import_organisation_summary(org, actor="hr").written >= people
del org
again = read_organisation_csv(path, org_id="org")
assert service.import_organisation_summary(again, actor="hr").written == 0
print(json.dumps({"peak": tracemalloc.get_traced_memory()[1]}))
"""


def _growth(people: int) -> int:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(people)], capture_output=True, text=True, check=True
    )
    return int(json.loads(out.stdout.strip().splitlines()[-1])["peak"])


@pytest.mark.slow
def test_import_memory_is_linear_with_a_small_cost_per_person():
    medium, large = _growth(2_000), _growth(4_000)
    per_person = large / 4_000
    assert per_person < 4_000, f"{per_person:.0f} bytes per person"
    # Twice the people, about twice the memory: nothing grows faster than the organisation.
    assert large < 2.6 * medium, (medium, large)
