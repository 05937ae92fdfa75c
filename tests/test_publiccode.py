"""publiccode.yml follows the publiccode.yml standard, version 0.4.

No validator for the standard installs here (the reference parser is a Go program), so this
test checks what the standard requires: the mandatory keys, the allowed values of the
enumerated ones, and the length limits of the descriptions.
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
