"""The test municipality's hooks: its files, and a retention profile of ten years."""

from __future__ import annotations

from magcore.access.retention import RetentionProfile
from magcore.hookspecs import Register, hookimpl
from magcore.packaged import PackagedPlugin

__all__ = ["PLUGIN", "TEN_YEARS", "plugin"]

PLUGIN = "magcore-lytsewald"

TEN_YEARS = RetentionProfile(
    id="lytsewald-10-jaar",
    title={
        "nl": "10 jaar nadat het dienstverband eindigt",
        "en": "10 years after employment ends",
    },
    years=10,
    after="employment_ended",
    source="Besluit college Lytsewâld (test)",
)


class Lytsewald(PackagedPlugin):
    """The shipped files plus the ten-year retention profile."""

    @hookimpl
    def magcore_register_retention_rules(self, register: Register[RetentionProfile]) -> None:
        register(TEN_YEARS)


plugin = Lytsewald(__package__, name=PLUGIN)
