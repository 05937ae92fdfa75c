"""Approve the configured cycle through the CLI, as the works council and the executive do."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


def approve_by_cli(run: Callable[..., Any]) -> None:
    """``magcore policy render`` for the hash, then ``policy approve`` per body still missing."""
    rendered = run("policy", "render", "--json")
    assert rendered.exit_code == 0, rendered.output
    policy_hash = json.loads(rendered.stdout)["hash"]
    body = "works_council"
    while body:
        result = run(
            "policy", "approve", "--body", body, "--reference", f"{body}-1",
            "--hash", policy_hash, "--on", "2025-01-02", "--as", "secretary", "--json",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        missing = json.loads(result.stdout)["missing"]
        body = missing[0] if missing else ""
