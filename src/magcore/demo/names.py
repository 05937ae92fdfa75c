"""Made-up names for the demo's people, so a demo record reads "Naam van de medewerker: Sanne
de Vries" rather than a pseudonymous id.

magcore itself knows people only by a stable pseudonymous id (see
:mod:`magcore.model.organisation`); a name on a record is what the participants write in the
form. The demo writes one for them, the same for the same id every time::

    >>> demo_name("p000022") == demo_name("p000022")
    True
    >>> len(demo_name("p000022").split()) >= 2
    True
"""

from __future__ import annotations

import hashlib

__all__ = ["demo_name"]

_FIRST = (
    "Anna", "Bram", "Daan", "Emma", "Fatima", "Gerrit", "Hanna", "Iris", "Jesse", "Kees",
    "Lotte", "Mohamed", "Noor", "Olga", "Pieter", "Rachid", "Sanne", "Tim", "Yara", "Zeynep",
    "Wietske", "Sjoerd", "Lieke", "Milan",
)  # fmt: skip

_LAST = (
    "de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder",
    "de Groot", "Bos", "Vos", "Peters", "Hendriks", "El Amrani", "Yilmaz", "van Dijk",
    "Hoekstra", "Postma", "Kramer", "van der Meer",
)  # fmt: skip


def demo_name(person: str) -> str:
    """A made-up first and last name for the demo person with id *person* (stable per id)."""
    digest = hashlib.sha256(person.encode("utf-8")).digest()
    return f"{_FIRST[digest[0] % len(_FIRST)]} {_LAST[digest[1] % len(_LAST)]}"
