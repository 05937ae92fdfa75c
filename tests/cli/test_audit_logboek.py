"""``magcore audit logboek``: the audit log as Logboek Dataverwerkingen records, from the shell."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("opentelemetry.sdk")


@pytest.fixture
def ready(ready):
    """The small organisation with its conversations of 2025 requested."""
    result = ready.run("plan", "--from", "2025-01-01", "--to", "2026-01-01", "--request")
    assert result.exit_code == 0, result.output
    return ready


def _records(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _values(record):
    return {a["key"]: a["value"] for a in record["attributes"]}


def test_export_names_people_by_pseudonym_and_is_audited(ready):
    target = ready.dir / "logboek.jsonl"
    result = ready.run("audit", "logboek", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert "records written" in result.output
    records = _records(target)
    subjects = [_values(r).get("dpl.core.data_subject_id") for r in records]
    assert any(subjects)
    assert "e1" not in subjects  # a person of the organisation, never in clear by default
    again = ready.dir / "again.jsonl"
    assert ready.run("audit", "logboek", "-o", str(again)).exit_code == 0
    last = _values(_records(again)[-1])
    assert last["dpl.magcore.object"].startswith("audit:logboek/")  # the first export's line
    assert ready.run("audit", "verify").exit_code == 0


def test_clear_ids_and_own_register(ready):
    result = ready.run(
        "audit", "logboek", "--clear-ids", "--register", "https://hr.example.nl/register"
    )
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    values = [_values(r) for r in records]
    assert all(
        v["dpl.core.processing_activity_id"].startswith("https://hr.example.nl/register#")
        for v in values
    )
    subjects = {v.get("dpl.core.data_subject_id") for v in values}
    assert subjects & {"e1", "e2", "e3", "e4", "m1", "m2", "boss"}


def test_after_exports_only_later_lines(ready):
    everything = [json.loads(x) for x in ready.run("audit", "logboek").stdout.splitlines()]
    later = [
        json.loads(x) for x in ready.run("audit", "logboek", "--after", "3").stdout.splitlines()
    ]
    assert _values(later[0])["dpl.magcore.audit_seq"] == 4
    assert len(later) == len(everything) + 1 - 3  # plus the first export's own line
