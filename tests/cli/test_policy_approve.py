"""``magcore policy approve``: requests wait for the approvals the regulation names."""

from __future__ import annotations

from magcore.cli._app import App

from .conftest import ORG_CSV, data


def _hash(run) -> str:
    return data(run("policy", "render", "--json"))["hash"]


def test_plan_request_waits_for_every_approval_and_the_approval_is_audited(run, workdir, host):
    assert run("init").exit_code == 0
    (workdir / "org.csv").write_text(ORG_CSV, encoding="utf-8")
    assert run("import-org", "org.csv").exit_code == 0
    refused = run("plan", "--from", "2025-01-01", "--to", "2026-01-01", "--request")
    assert refused.exit_code != 0
    assert "not approved by the works council and the executive" in refused.output
    policy_hash = _hash(run)
    stale = run(
        "policy", "approve", "--body", "works_council", "--reference", "OR-1",
        "--hash", "0" * 64, "--as", "or-secretaris",
    )  # fmt: skip
    assert stale.exit_code != 0
    assert "not the current hash" in stale.output
    first = data(
        run(
            "policy",
            "approve",
            "--body",
            "works_council",
            "--reference",
            "OR-2025-04",
            "--hash",
            policy_hash,
            "--on",
            "2025-02-10",
            "--as",
            "or-secretaris",
            "--json",
        )
    )
    assert first["approved_by"] == ["works_council"]
    assert first["missing"] == ["executive"]
    assert first["active"] is False
    still = run("plan", "--from", "2025-01-01", "--to", "2026-01-01", "--request")
    assert "not approved by the executive" in still.output
    second = data(
        run(
            "policy",
            "approve",
            "--body",
            "executive",
            "--reference",
            "B&W-51",
            "--hash",
            policy_hash,
            "--as",
            "hr",
            "--json",
        )
    )
    assert second["active"] is True
    planned = data(run("plan", "--from", "2025-01-01", "--to", "2026-01-01", "--request", "--json"))
    assert planned["requested"]
    app = App(config_path=workdir / "magcore.toml", host=host)
    try:
        lines = [e for e in app.service().store.read_audit() if e["action"] == "approve"]
    finally:
        app.close()
    assert [(e["actor"], e["object"]) for e in lines] == [
        ("or-secretaris", "cycle:example-yearly@1/regulation"),
        ("hr", "cycle:example-yearly@1/regulation"),
    ]
    assert data(run("audit", "verify", "--json"))["ok"] is True
