"""publiccode.yml follows the publiccode.yml standard, version 0.4.

The reference parser is a Go program that cannot be installed here, so the file is checked two
ways: against SchemaStore's schema for the standard (its types, compiled by TypeScript, from the
npm registry: tests/publiccode/), and by the rules below (mandatory keys, the allowed values of
the enumerated ones, the length limits of the descriptions).
"""

from __future__ import annotations

import datetime
import re
import tomllib
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parent.parent
DEVELOPMENT_STATUS = {"concept", "development", "beta", "stable", "obsolete"}
SOFTWARE_TYPE = {
    "standalone/mobile",
    "standalone/iot",
    "standalone/desktop",
    "standalone/web",
    "standalone/backend",
    "standalone/other",
    "addon",
    "library",
    "configurationFiles",
}
PLATFORMS = {"web", "windows", "mac", "linux", "ios", "android"}
MAINTENANCE = {"internal", "contract", "community", "none"}


@pytest.fixture(scope="module")
def publiccode():
    return yaml.safe_load((ROOT / "publiccode.yml").read_text(encoding="utf-8"))


def test_mandatory_keys(publiccode):
    """Every key the standard marks mandatory is present."""
    for key in (
        "publiccodeYmlVersion",
        "name",
        "url",
        "platforms",
        "developmentStatus",
        "softwareType",
        "description",
        "legal",
        "maintenance",
        "localisation",
    ):
        assert key in publiccode, key
    assert publiccode["publiccodeYmlVersion"] == "0.4"
    assert publiccode["legal"]["license"]
    assert "localisationReady" in publiccode["localisation"]
    assert publiccode["localisation"]["availableLanguages"]


def test_enumerated_values(publiccode):
    """Status, type, platforms and maintenance use the standard's words."""
    assert publiccode["developmentStatus"] in DEVELOPMENT_STATUS
    assert publiccode["softwareType"] in SOFTWARE_TYPE
    assert set(publiccode["platforms"]) <= PLATFORMS
    assert publiccode["maintenance"]["type"] in MAINTENANCE
    if publiccode["maintenance"]["type"] in ("internal", "community"):
        assert all(c.get("name") for c in publiccode["maintenance"]["contacts"])
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", c) for c in publiccode["categories"])


def test_descriptions(publiccode):
    """Each language has a short (≤150) and long (150–10000 characters) description and features."""
    assert set(publiccode["description"]) == set(publiccode["localisation"]["availableLanguages"])
    for language, text in publiccode["description"].items():
        assert len(text["shortDescription"]) <= 150, language
        assert 150 <= len(text["longDescription"]) <= 10000, language
        assert text["features"], language
        assert all(len(f) <= 100 for f in text["features"]), language


def test_matches_the_project(publiccode):
    """Version, licence and date agree with pyproject.toml and are well-formed."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert publiccode["softwareVersion"] == project["version"]
    assert publiccode["legal"]["license"] == project["license"]
    datetime.date.fromisoformat(publiccode["releaseDate"])
    assert publiccode["url"].startswith("https://")


PUBLICCODE_CHECK = ROOT / "tests" / "publiccode"


@pytest.mark.skipif(
    not (PUBLICCODE_CHECK / "node_modules" / "typescript").is_dir(),
    reason="run `make node-deps` (npm ci in tests/publiccode) to check against the standard",
)
def test_against_the_standards_schema(publiccode, tmp_path):
    """The file type-checks against SchemaStore's publiccode.yml schema (as TypeScript types).

    `@schemastore/publiccode` is generated from the standard's JSON Schema; the TypeScript
    compiler rejects a missing mandatory key, a wrong enumerated value and (object literals)
    any key the standard does not know.
    """
    import json
    import shutil
    import subprocess

    node = shutil.which("node")
    assert node, "node is on the machine (see .ci/run)"

    def check(document):
        source = tmp_path / "publiccode.ts"
        literal = json.dumps(document, default=str)
        source.write_text(
            'import type { JSONSchemaForPubliccodeYml } from "@schemastore/publiccode";\n'
            f"export const publiccode: JSONSchemaForPubliccodeYml = {literal};\n",
            encoding="utf-8",
        )
        return subprocess.run(
            [
                node,
                str(PUBLICCODE_CHECK / "node_modules" / "typescript" / "bin" / "tsc"),
                "--noEmit",
                "--strict",
                "--skipLibCheck",
                "false",
                "--typeRoots",
                "[]",
                "--baseUrl",
                str(PUBLICCODE_CHECK / "node_modules"),
                "--moduleResolution",
                "node",
                str(source),
            ],
            capture_output=True,
            text=True,
            check=False,
        )

    result = check(publiccode)
    assert result.returncode == 0, result.stdout + result.stderr
    without_name = {k: v for k, v in publiccode.items() if k != "name"}
    assert "'name' is missing" in check(without_name).stdout
    wrong_status = publiccode | {"developmentStatus": "done"}
    assert "'\"done\"' is not assignable" in check(wrong_status).stdout
    unknown_key = publiccode | {"colour": "red"}
    assert "'\"colour\"' does not exist" in check(unknown_key).stdout
