"""Midden-Groningen says "inwoner" (resident), never "klant" (customer).

Why: the word *klant* misses the relation between a government and its residents. The catalogue
term ``customer`` is replaced, and so are the loose words wherever a text still uses them, in
every text magcore shows while this plugin is installed.
"""

from __future__ import annotations

from magcore.i18n import MessageBundle

__all__ = ["BUNDLES"]

BUNDLES: tuple[MessageBundle, ...] = (
    MessageBundle(
        language="nl",
        vocabulary={
            "customer": "inwoner",
            "klant": "inwoner",
            "klanten": "inwoners",
            "klantcontact": "contact met inwoners",
        },
    ),
    MessageBundle(
        language="en",
        vocabulary={"customer": "resident", "customers": "residents"},
    ),
)
