"""The generated OpenAPI document passes the API Design Rules' Spectral rules, and the rules
do catch what the standard forbids (a check that cannot fail proves nothing)."""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path

import pytest

from magcore.testing import require_tool

HERE = Path(__file__).resolve().parent.parent / "spectral"
SPECTRAL = HERE / "node_modules" / ".bin" / "spectral"
RULESET = HERE / "adr.spectral.yml"


def _require_spectral() -> None:
    require_tool(
        None
        if SPECTRAL.exists()
        else f"Spectral is not installed ({SPECTRAL}): run `make node-deps`"
    )


def _lint(documents: dict[str, dict], folder: Path) -> dict[str, list[dict]]:
    """Lint every document in one Spectral run (it starts slowly): results by name."""
    paths = {}
    for name, document in documents.items():
        paths[name] = folder / f"{name}.json"
        paths[name].write_text(json.dumps(document), encoding="utf-8")
    run = subprocess.run(
        [
            str(SPECTRAL),
            "lint",
            "-r",
            str(RULESET),
            "-f",
            "json",
            "--quiet",
            *map(str, paths.values()),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    out = run.stdout.strip()
    assert out.startswith("["), run.stderr or out
    results: list[dict] = json.loads(out)
    return {
        name: [r for r in results if Path(r["source"]).name == path.name]
        for name, path in paths.items()
    }


def _errors(results: list[dict]) -> list[str]:
    return sorted(
        {f"{r['code']} at {'.'.join(map(str, r['path']))}" for r in results if r["severity"] == 0}
    )


@pytest.fixture(scope="module")
def document() -> dict:
    from magcore_web.testing import HOST_A, make_test_app
    from starlette.testclient import TestClient

    app, services = make_test_app({HOST_A: {}})
    body = TestClient(app, base_url=f"https://{HOST_A}").get("/openapi.json").json()
    for service in services.values():
        service.close()
    return body


def test_the_generated_document_has_no_error(document, linted):
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": "https://gesprekken.amsterdam.example/api/v1"}]
    assert _errors(linted["generated"]) == []


def _broken(document: dict, how: str) -> dict:
    broken = copy.deepcopy(document)
    paths = broken["paths"]
    if how == "trailing-slash":
        paths["/goals/"] = paths.pop("/goals")
    elif how == "camel-case":
        paths["/sharingChoices"] = paths.pop("/sharing-choices")
    elif how == "no-version-header":
        del paths["/goals"]["get"]["responses"]["200"]["headers"]["API-Version"]
    elif how == "no-problem-json":
        content = paths["/goals"]["post"]["responses"]["404"]["content"]
        content["application/json"] = content.pop("application/problem+json")
    elif how == "no-version-in-uri":
        broken["servers"] = [{"url": "https://gesprekken.amsterdam.example/api"}]
    elif how == "no-contact-email":
        del broken["info"]["contact"]["email"]
    elif how == "not-semver":
        broken["info"]["version"] = "1.0"
    elif how == "no-cors":
        del paths["/openapi.json"]["get"]["responses"]["200"]["headers"][
            "access-control-allow-origin"
        ]
    elif how == "no-400":
        del paths["/goals"]["post"]["responses"]["400"]
    return broken


BROKEN = [
    ("trailing-slash", "adr-no-trailing-slash"),
    ("camel-case", "adr-path-segments-kebab-case"),
    ("no-version-header", "adr-version-header"),
    ("no-problem-json", "adr-problem-details-media-type"),
    ("no-version-in-uri", "adr-uri-version"),
    ("no-contact-email", "adr-doc-openapi-contact"),
    ("not-semver", "adr-semver"),
    ("no-cors", "adr-publish-openapi-cors"),
    ("no-400", "adr-problem-invalid-input"),
]


@pytest.fixture(scope="module")
def linted(document, tmp_path_factory) -> dict[str, list[dict]]:
    _require_spectral()
    documents = {"generated": document}
    documents.update({how: _broken(document, how) for how, _ in BROKEN})
    return _lint(documents, tmp_path_factory.mktemp("spectral"))


@pytest.mark.parametrize(("how", "rule"), BROKEN)
def test_the_rules_catch_what_the_standard_forbids(linted, how, rule):
    found = _errors(linted[how])
    assert any(line.startswith(rule) for line in found), found
